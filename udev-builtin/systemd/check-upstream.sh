#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A series of the builtin in systemd's own form against the systemd of a
# Debian suite, from the unpatched upstream tarball (.orig.tar) of its
# source package. Two targets:
#   upstream      upstream/, for systemd's own tree, against the newest
#                 systemd Debian has: sid's, or testing's when the mirror
#                 does not have sid's files (the default)
#   backport-257  backport-257/, the same for systemd 257, against trixie's
# TAP on stdout:
#   1. the source is fetched (its Debian version and suite named)
#   2. the series applies with git am; when it does not (the suite moved
#      on), the test fails naming the version and the patch
#   3. what the series touches builds (the unit test and the objects of
#      every file that uses module-util.h's loader), without a warning in
#      the files it changes
#   4. the unit test passes
#
#   check-upstream.sh [--target=upstream|backport-257]
#                                  all four
#   check-upstream.sh [--target=...] --apply-only
#                                  1 and 2 (no root needed); prints the
#                                  patched tree's path on stderr, to work in
#   check-upstream.sh --target=backport-257 --udevadm
#                                  all four, then
#   5. udevadm builds in the same tree (test/qemu/backport-257.sh: the
#      udevd of the qemu lane's trixie guest); "udevadm: PATH VERSION" on
#      stderr
#
# The build runs on the host where its meson is as new as the tree asks
# (meson_version in meson.build; bookworm's is, for 262 and 257) and the
# libraries are there (ci-prepare.sh installs them), else in
# a cached root of the target's suite (test/debian-suite.sh: sid for
# upstream, trixie for backport-257), the suite's toolchain for its tree.
# UAP_UPSTREAM_BUILD=host|root picks one (the suite's name means root).
# ccache: $UAP_CACHE/ccache-SUITE (root), $UAP_CACHE/ccache (host).
# Everything lives under $UAP_CACHE/systemd-upstream (upstream) or
# $UAP_CACHE/systemd-backport-257, keyed on the Debian version and the
# series: an unchanged series is not built again.
# Skipped when the Debian archive cannot be reached, unless
# UAP_SYSTEMD_REQUIRED is set (meson -Dsystemd-builtin-tests=enabled).
set -eu -o pipefail
SD_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SD_DIR/../../test/debian-suite.sh"

target=upstream apply_only=false udevadm=false
for arg in "$@"; do
	case "$arg" in
	--target=*) target=${arg#--target=} ;;
	--apply-only) apply_only=true ;;
	--udevadm) udevadm=true ;;
	*) die "usage: $0 [--target=upstream|backport-257] [--apply-only | --udevadm]" ;;
	esac
done

JOBS=${JOBS:-2}
# What the build needs in the suite's root: the tree's required
# dependencies and libkmod's headers, and on the host the same
# (HOST_PC: their pkg-config names).
ROOT_PACKAGES=(gcc libc6-dev meson ninja-build pkgconf gperf python3-jinja2 libkmod-dev diffutils ccache)
HOST_PC=(libkmod)
SETUP_OPTS=()
case "$target" in
upstream)
	UP_DIR=$SD_DIR/upstream
	UP_CACHE=$UAP_CACHE/systemd-upstream
	# First suite whose systemd source can be fetched wins.
	UP_SUITES=${UAP_UPSTREAM_SUITES:-sid testing}
	ROOT_SUITE=sid
	;;
backport-257)
	UP_DIR=$SD_DIR/backport-257
	UP_CACHE=$UAP_CACHE/systemd-backport-257
	UP_SUITES=${UAP_BACKPORT_257_SUITES:-trixie}
	ROOT_SUITE=trixie
	# 257 still requires libcap, libmount and libcrypt (262 does not).
	ROOT_PACKAGES+=(libcap-dev libmount-dev libcrypt-dev)
	HOST_PC+=(libcap mount libcrypt)
	# The build also gives the qemu lane's trixie guest its udevd
	# (--udevadm), so it is configured as that udevadm needs: Debian's
	# paths, the builtins udevd runs at boot (blkid, acl), and libshared
	# linked in, so that the binary replaces the guest's udevadm alone
	# while its libsystemd-shared, PID 1 and systemd-modules-load stay
	# trixie's. The unit test does not depend on any of it.
	ROOT_PACKAGES+=(libblkid-dev libacl1-dev)
	HOST_PC+=(blkid libacl)
	SETUP_OPTS=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var -Dblkid=enabled -Dacl=enabled
		-Dlink-udev-shared=false -Dkmod-path=/usr/bin/kmod)
	;;
*) die "--target=$target: upstream or backport-257" ;;
esac
! $udevadm || [ "$target" = backport-257 ] || die "--udevadm is for --target=backport-257"
! $udevadm || ! $apply_only || die "--udevadm builds: not with --apply-only"
# The sources that use the loader of module-util.h: their objects are built.
UP_SOURCES='src/shared/module-util.c src/udev/udev-builtin-kmod.c src/modules-load/modules-load.c src/core/kmod-setup.c src/test/test-module-util.c'
# The series' own files: a compiler warning in them fails the build step.
UP_OWN='module-util\.[ch]|udev-builtin-kmod\.c|test-module-util\.c'

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
diag() { sed 's/^/# /'; }
# No source to check: skipped, or failed where the check is required.
cannot_check() {
	[ -z "${UAP_SYSTEMD_REQUIRED:-}" ] || die "$*"
	echo "1..0 # SKIP $*"
	exit 0
}

[ -f "$UP_DIR/series" ] || die "no $UP_DIR/series"
if ! check_cache_dir 2>/dev/null || [ ! -w "$UAP_CACHE" ]; then
	cannot_check "$UAP_CACHE is not writable (run as root or set UAP_CACHE)"
fi
mkdir -p "$UP_CACHE/dl"
exec 9>"$UP_CACHE/lock"
flock 9

# 1. The source package.
ver='' suite=''
for s in $UP_SUITES; do
	if v=$(suite_fetch_source "$s" systemd "$UP_CACHE/dl"); then
		ver=$v suite=$s
		break
	fi
	note "systemd of $s cannot be fetched; trying the next suite"
done
[ -n "$ver" ] || cannot_check "no systemd source from the Debian archive ($UP_SUITES): not reachable?"
upver=${ver#*:}
upver=${upver%-*}
orig=$(compgen -G "$UP_CACHE/dl/systemd_$upver.orig.tar.*" | head -n 1 || true)
[ -n "$orig" ] && [ -f "$orig" ] || die "the systemd $ver source has no orig tarball in $UP_CACHE/dl"
made=$(sed -n 's/^# made against: //p' "$UP_DIR/series")

if $udevadm; then echo "1..5"; else echo "1..4"; fi
ok "fetched systemd $ver from $suite (the series was made against $made)"

# The unpacked tarball as one git commit, once per version.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=check-upstream GIT_AUTHOR_EMAIL=check-upstream@invalid
export GIT_COMMITTER_NAME=check-upstream GIT_COMMITTER_EMAIL=check-upstream@invalid
base=$UP_CACHE/base-$upver
if [ ! -f "$base/.git/uap-complete" ]; then
	rm -rf "$base"
	mkdir -p "$base"
	tar -xf "$orig" -C "$base" --strip-components=1 || die "cannot unpack $orig"
	( cd "$base" && git init -q && git add -A -f &&
	  git commit -q -m "systemd $upver (orig tarball of Debian $ver)" ) || die "cannot commit $base"
	touch "$base/.git/uap-complete"
fi

# 2. The series, applied with git am to a clone of it.
mapfile -t patches < <(series_patches "$UP_DIR")
key=$( { echo "$ver"; cat "$UP_DIR/series" "${patches[@]}" "$0"; } | sha256sum | cut -c1-16)
tree=$UP_CACHE/tree-$key
if [ ! -f "$tree/.git/uap-applied" ]; then
	rm -rf "$tree"
	git clone -q --shared "$base" "$tree" || die "cannot clone $base"
	if ! out=$(git -C "$tree" am --committer-date-is-author-date "${patches[@]}" 2>&1); then
		not_ok "the series does NOT apply to systemd $ver ($suite)"
		echo "$out" | diag
		note "ERROR: udev-builtin/systemd/$(basename "$UP_DIR") does not apply to systemd $ver of Debian $suite" \
			"(made against $made): rebase it on that tree ($tree, git am --abort first)"
		exit 1
	fi
	touch "$tree/.git/uap-applied"
fi
ok "the series applies to systemd $ver with git am ($(git -C "$tree" log --format=%s "HEAD~${#patches[@]}..HEAD" | tac | paste -sd ';' | sed 's/;/; /g'))"
# A backport is for Debian's tree: the orig tarball plus Debian's own
# patches. Applying it to the tarball alone is only the same while none of
# those patches touches the series' files.
if [ "$target" != upstream ]; then
	debian=$(compgen -G "$UP_CACHE/dl/systemd_${ver#*:}.debian.tar.*" | head -n 1 || true)
	[ -n "$debian" ] || die "the systemd $ver source has no debian tarball in $UP_CACHE/dl"
	mapfile -t dpatches < <(tar -xOf "$debian" debian/patches/series 2>/dev/null |
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' | awk '{ print $1 }')
	files=$(git -C "$tree" diff --name-only "HEAD~${#patches[@]}" HEAD)
	touching=()
	for p in "${dpatches[@]}"; do
		tar -xOf "$debian" "debian/patches/$p" |
			sed -n 's,^+++ [^/]*/\([^[:space:]]*\).*,\1,p' | grep -xF "$files" >/dev/null &&
			touching+=("$p")
	done
	if [ ${#touching[@]} -gt 0 ]; then
		not_ok "Debian's own patches of systemd $ver touch the series' files: ${touching[*]}"
		note "ERROR: apply udev-builtin/systemd/$(basename "$UP_DIR") on Debian's tree" \
			"(dpkg-source -x) and rebase it there"
		exit 1
	fi
	if [ ${#dpatches[@]} -eq 0 ]; then
		echo "# Debian's systemd $ver has no patches of its own: the orig tarball is its tree"
	else
		echo "# Debian's systemd $ver has ${#dpatches[@]} patches of its own; none touches the series' files"
	fi
fi
for old in "$UP_CACHE"/tree-* "$UP_CACHE"/build-* "$UP_CACHE"/base-*; do
	case "$old" in
	"$tree" | "$UP_CACHE/build-$key"-* | "$base") ;;
	*) rm -rf "$old" ;;
	esac
done
if $apply_only; then
	note "patched tree: $tree"
	skip "build (--apply-only)"
	skip "unit test (--apply-only)"
	exit 0
fi

# 3. The build, on the host or in the suite's root.
meson_ok() {
	local want have
	want=$(sed -n "s/^ *meson_version *: *'>= *\([0-9.]*\)'.*/\1/p" "$tree/meson.build" | head -n 1)
	have=$(meson --version 2>/dev/null) || return 1
	[ -n "$want" ] && [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1)" = "$want" ]
}
host_deps_ok() {
	command -v gperf >/dev/null && python3 -c 'import jinja2' 2>/dev/null &&
		pkg-config --exists "${HOST_PC[@]}"
}
where=${UAP_UPSTREAM_BUILD:-}
# The host's toolchain where it is new enough and has the libraries (no
# root to make: minutes off a cold run), the suite's root where not.
if [ -z "$where" ]; then
	if meson_ok && host_deps_ok; then where=host; else where=$ROOT_SUITE; fi
fi
[ "$where" != root ] || where=$ROOT_SUITE
case "$where" in
host)
	T=$tree B=$UP_CACHE/build-$key-host HB=$UP_CACHE/build-$key-host
	export CCACHE_DIR=$UAP_CACHE/ccache CCACHE_BASEDIR=$UP_CACHE CCACHE_NOHASHDIR=1
	in_env() { env -C "$T" "$@"; }
	;;
"$ROOT_SUITE")
	if [ "$(id -u)" -ne 0 ]; then
		skip "build: the $ROOT_SUITE root needs root"
		skip "unit test: the $ROOT_SUITE root needs root"
		! $udevadm || skip "udevadm: the $ROOT_SUITE root needs root"
		exit 0
	fi
	root=$(suite_root "$ROOT_SUITE" "${ROOT_PACKAGES[@]}")
	mkdir -p "$UAP_CACHE/ccache-$ROOT_SUITE"
	T=/w/tree-$key B=/w/build-$key-$ROOT_SUITE HB=$UP_CACHE/build-$key-$ROOT_SUITE
	export CCACHE_DIR=/ccache CCACHE_BASEDIR=/w CCACHE_NOHASHDIR=1
	export SUITE_CHROOT_ENV='CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR'
	in_env() {
		suite_chroot --bind "$UP_CACHE" /w --bind "$UAP_CACHE/ccache-$ROOT_SUITE" /ccache "$root" \
			env -C "$T" "$@"
	}
	;;
*) die "UAP_UPSTREAM_BUILD=$where: host or root ($ROOT_SUITE)" ;;
esac
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
log=$UP_CACHE/build-$key-$where.log
t0=$SECONDS
: >"$log"
# Only what the check builds: the loader needs libkmod; the optional
# dependencies are off but SETUP_OPTS's, and nothing is installed. Objects are named
# DIR/NAME.c.o in static libraries, TARGET.p/src_DIR_NAME.c.o in programs.
[ ${#SETUP_OPTS[@]} -eq 0 ] || SETUP_OPTS+=("-Dversion-tag=$ver+uap")
if [ ! -f "$HB/build.ninja" ] &&
   ! in_env meson setup "$B" --auto-features=disabled -Dkmod=enabled -Dbuildtype=plain \
	-Dmode=release -Dtests=true -Dfuzz-tests=false -Dtranslations=false -Dvcs-tag=false \
	"${SETUP_OPTS[@]}" >>"$log" 2>&1; then
	not_ok "meson setup of systemd $ver failed ($where; log: $log)"
	tail -n 40 "$log" | diag
	exit 1
fi
mapfile -t targets < <(in_env ninja -C "$B" -t targets all 2>>"$log" |
	sed -n 's/^\([^:]*\.c\.o\): .*/\1/p' |
	grep -E "[/_]($(echo "$UP_SOURCES" | xargs -n1 basename | sed 's/\./\\./g' | paste -sd '|'))\.o$" |
	sort -u)
for f in module-util.c udev-builtin-kmod.c; do
	printf '%s\n' "${targets[@]}" | grep -q "[/_]$f\.o$" ||
		{ not_ok "no object of $f in the build of systemd $ver ($where; log: $log)"; exit 1; }
done
if ! in_env ninja -C "$B" -j"$JOBS" test-module-util "${targets[@]}" >>"$log" 2>&1; then
	not_ok "systemd $ver with the series does not build ($where; log: $log)"
	grep -E 'error|warning' "$log" | head -n 40 | diag
	exit 1
fi
warnings=$(grep -E "($UP_OWN):[0-9]+:[0-9]+: warning" "$log" || true)
if [ -n "$warnings" ]; then
	not_ok "the series' files compile with warnings ($where; log: $log)"
	echo "$warnings" | diag
	exit 1
fi
ok "built test-module-util and ${#targets[@]} objects of systemd $ver with the series ($where, $((SECONDS - t0)) s)"
printf '%s\n' "${targets[@]}" | diag

# 4. The unit test.
if out=$(in_env "$B/test-module-util" 2>&1); then
	ok "test-module-util passes ($where)"
	echo "$out" | tail -n 5 | diag
else
	not_ok "test-module-util fails ($where)"
	echo "$out" | diag
	exit 1
fi

# 5. udevadm, for the qemu lane.
$udevadm || exit 0
t0=$SECONDS
if ! in_env ninja -C "$B" -j"$JOBS" udevadm >>"$log" 2>&1; then
	not_ok "udevadm of systemd $ver with the series does not build ($where; log: $log)"
	grep -E 'error|warning' "$log" | tail -n 40 | diag
	exit 1
fi
ok "built udevadm of systemd $ver with the series ($where, $((SECONDS - t0)) s)"
note "udevadm: $HB/udevadm $ver"
