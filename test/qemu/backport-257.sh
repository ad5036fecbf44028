#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# udevadm (systemd-udevd is the same multi-call binary) of Debian trixie's
# systemd with udev-builtin/systemd/backport-257's series applied, for
# the trixie guest of the qemu lane (run-lane.sh --suite trixie). Prints
# its path and the Debian version it was built from ("PATH VERSION").
#
#   backport-257.sh
#
# Exits 77 when trixie's systemd source cannot be fetched (check-upstream.sh
# skips; with UAP_SYSTEMD_REQUIRED it fails).
# The tree is check-upstream.sh's (--target=backport-257 --apply-only:
# trixie's orig tarball, which is Debian's tree, plus the series with git
# am). It is built in a trixie root (test/debian-suite.sh's suite_root:
# trixie's gcc and libraries, those the guest runs with) with Debian's
# paths and mode and -Dlink-udev-shared=false, so that the binary carries
# the patched module-util.c of libshared itself and replaces the
# guest's /usr/bin/udevadm alone: the guest's libsystemd-shared-257.so,
# PID 1 and systemd-modules-load stay trixie's own. The optional
# features are off but for those udevd's builtins use at boot (kmod,
# blkid, acl). Only the udevadm target is built, keyed on the tree
# (Debian version, series) and this script: unchanged, nothing is built
# again.
set -eu -o pipefail
. "$(dirname "$(readlink -f "$0")")/../debian-suite.sh"

SD_DIR=$UAP_TOP/udev-builtin/systemd
UP_CACHE=$UAP_CACHE/systemd-backport-257
JOBS=${JOBS:-2}
# check-upstream.sh's root packages for backport-257, and the headers of
# the libraries udevd's blkid and ACL builtins use.
ROOT_PACKAGES=(gcc libc6-dev dpkg-dev meson ninja-build pkgconf gperf python3-jinja2 libkmod-dev diffutils ccache
	libcap-dev libmount-dev libcrypt-dev libblkid-dev libacl1-dev)

[ "$(id -u)" -eq 0 ] || die "the trixie root needs root"
tap=$(bash "$SD_DIR/check-upstream.sh" --target=backport-257 --apply-only 2>"$UAP_CACHE/backport-257-apply.log") ||
	die "check-upstream.sh --target=backport-257 --apply-only failed: $tap $(cat "$UAP_CACHE/backport-257-apply.log")"
tree=$(sed -n 's/.*patched tree: //p' "$UAP_CACHE/backport-257-apply.log" | tail -n 1)
if [ -z "$tree" ] && grep -q '^1\.\.0 # SKIP' <<<"$tap"; then
	# No source (the archive cannot be reached): exit 77, as build.sh.
	note "$tap"
	exit 77
fi
[ -d "$tree/.git" ] || die "no patched tree from check-upstream.sh: $tap $(cat "$UAP_CACHE/backport-257-apply.log")"
key=${tree##*/tree-}
ver=$(sed -n 's/.*(orig tarball of Debian \(.*\))$/\1/p' <<<"$(git -C "$tree" log --format=%s --reverse | head -n 1)")
[ -n "$ver" ] || die "cannot tell the Debian version of $tree"

root=$(suite_root trixie "${ROOT_PACKAGES[@]}")
mkdir -p "$UAP_CACHE/ccache-trixie"
# Named build-KEY-*: check-upstream.sh keeps it while the tree is current.
name=build-$key-guest-$(sha256sum <"$0" | cut -c1-8)
B=/w/$name
log=$UP_CACHE/$name.log
export CCACHE_DIR=/ccache CCACHE_BASEDIR=/w CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
export SUITE_CHROOT_ENV='CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR CCACHE_MAXSIZE'
in_root() {
	suite_chroot --bind "$UP_CACHE" /w --bind "$UAP_CACHE/ccache-trixie" /ccache "$root" \
		env -C "/w/tree-$key" "$@"
}

exec 9>"$UP_CACHE/guest-build.lock"
flock 9
for old in "$UP_CACHE/build-$key-guest"-*; do
	case "$old" in "$UP_CACHE/$name" | "$UP_CACHE/$name.log") ;; *) rm -rf "$old" ;; esac
done
t0=$SECONDS
if [ ! -f "$UP_CACHE/$name/build.ninja" ]; then
	: >"$log"
	note "meson setup of systemd $ver with the series in the trixie root (log: $log)"
	# shellcheck disable=SC2016 # expanded in the root
	in_root sh -c 'exec meson setup "$1" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
		--auto-features=disabled -Dkmod=enabled -Dblkid=enabled -Dacl=enabled \
		-Dbuildtype=plain -Dc_args="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
		-Dc_link_args="$(dpkg-buildflags --get LDFLAGS)" -Db_pie=true \
		-Dmode=release -Dlink-udev-shared=false -Dversion-tag="$2+uap" -Dkmod-path=/usr/bin/kmod \
		-Dtests=false -Dfuzz-tests=false -Dman=disabled -Dhtml=disabled -Dtranslations=false -Dvcs-tag=false' \
		sh "$B" "$ver" >>"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; rm -rf "${UP_CACHE:?}/$name"; die "meson setup failed (log: $log)"; }
fi
in_root ninja -C "$B" -j"$JOBS" udevadm >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; die "ninja udevadm failed (log: $log)"; }
note "udevadm of systemd $ver with the series ready ($((SECONDS - t0)) s)"
echo "$UP_CACHE/$name/udevadm $ver"
