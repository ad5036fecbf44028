#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build udevadm (= systemd-udevd, the same multi-call binary) of Debian's
# systemd 252 with the series applied, cached under
# ${UAP_CACHE:-/var/cache/udev-async-probe}/systemd.
#
#   build.sh                 build what is missing (idempotent, locked)
#   build.sh --stock         the same tree without the series, same flags
#                            (the benchmark's like-for-like baseline)
#   build.sh --print-paths   build, then print shell assignments on stdout:
#                            eval "$(udev-builtin/systemd/build.sh --print-paths)"
#                            gives UAP_UDEVADM and UAP_UDEVD
#   build.sh --print udevd   build, then print one path (udevd or udevadm)
#
# The build dir is keyed on a hash of the Debian version, the series and
# this script: an unchanged series reuses it (a warm run is ninja's no-op),
# a changed one rebuilds with ccache. Only the udevadm target is built.
# Flags are Debian's (dpkg-buildflags, -Dlink-udev-shared=false, split-usr
# paths) minus LTO, so the binary is self-contained apart from the same
# system libraries as /bin/udevadm, and finds the host's rules, hwdb and
# /run/udev as the stock one does.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

variant=patched print=
while [ $# -gt 0 ]; do
	case "$1" in
	--stock) variant=stock ;;
	--print-paths) print=all ;;
	--print) shift; print=${1:-}
		case "$print" in udevd|udevadm) ;; *) die "--print udevd|udevadm" ;; esac ;;
	*) die "usage: $0 [--stock] [--print-paths | --print udevd|udevadm]" ;;
	esac
	shift
done

pristine=$(pristine_tree)
export CCACHE_DIR=$UAP_CACHE/ccache CCACHE_BASEDIR=$SD_CACHE CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}

exec 9>"$SD_CACHE/build.lock"
flock 9

if [ "$variant" = patched ]; then
	W=$SD_CACHE/build-$(series_key)
	tag="$SD_DEB_VERSION+uap"
else
	W=$SD_CACHE/build-stock-$( { echo "$SD_DEB_VERSION"; cat "$SD_DIR/build.sh"; } |
	                             sha256sum | cut -c1-16)
	tag=$SD_DEB_VERSION
fi
B=$W/build

logged() {
	local log=$1; shift
	"$@" >>"$log" 2>&1 || { tail -n 60 "$log" >&2; die "failed: $* (log: $log)"; }
}

# Debian's flags without -f*-prefix-map=$PWD=., which would differ per
# build dir and defeat ccache between the stock and the patched builds.
buildflags() {
	DEB_BUILD_MAINT_OPTIONS=reproducible=-fixfilepath,-fixdebugpath dpkg-buildflags --get "$1"
}

configure() {
	local t0=$1 multiarch
	rm -rf "$W"
	mkdir -p "$W"
	if [ "$variant" = patched ]; then
		note "copying $(basename "$pristine") and applying the series"
		cp -a "$pristine" "$W/src"
		for p in $(sd_series_patches); do
			( cd "$W/src" && GIT_CEILING_DIRECTORIES=$W git apply "$p" ) ||
				die "$(basename "$p") does not apply to systemd $SD_DEB_VERSION"
		done
	else
		cp -a "$pristine" "$W/src"
	fi
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	note "meson setup ($variant)"
	# Paths and link mode as debian/rules; features left to autodetection
	# (the build-deps make it find what Debian's build finds).
	( cd "$W/src" &&
	  logged "$W/build.log" meson setup "$B" \
		--prefix=/usr --sysconfdir=/etc --localstatedir=/var --libdir="lib/$multiarch" \
		-Dbuildtype=plain -Db_pie=true -Db_lto=false \
		-Dc_args="$(buildflags CFLAGS) $(buildflags CPPFLAGS)" \
		-Dc_link_args="$(buildflags LDFLAGS)" \
		-Dmode=release -Dsplit-usr=true -Drootlibdir="/usr/lib/$multiarch" \
		-Dlink-udev-shared=false -Dversion-tag="$tag" -Dkmod=true \
		-Dman=false -Dhtml=false -Dtranslations=false -Dtests=false -Dinstall-tests=false )
	note "configured in $(( $(date +%s) - t0 )) s"
}

t0=$(date +%s)
[ -f "$B/build.ninja" ] || configure "$t0"
logged "$W/build.log" ninja -C "$B" -j"$JOBS" udevadm
ln -sf udevadm "$B/systemd-udevd"
note "$variant udevadm ready in $B ($(( $(date +%s) - t0 )) s)"

# Keep the newest build of each variant only.
for d in "$SD_CACHE"/build-*; do
	case "$d" in
	"$W") ;;
	"$SD_CACHE"/build-stock-*) [ "$variant" = patched ] || rm -rf "$d" ;;
	*) [ "$variant" = stock ] || rm -rf "$d" ;;
	esac
done

case "$print" in
all) printf 'UAP_UDEVADM=%q\nUAP_UDEVD=%q\n' "$B/udevadm" "$B/systemd-udevd" ;;
udevd) echo "$B/systemd-udevd" ;;
udevadm) echo "$B/udevadm" ;;
esac
