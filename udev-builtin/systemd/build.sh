#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build udevadm (= systemd-udevd, the same multi-call binary) of Debian's
# systemd 252 with the backport-252/ series applied (kmod load
# --async-probe), cached under ${UAP_CACHE:-/var/cache/udev-async-probe}/systemd.
#
#   build.sh                 build what is missing (idempotent, locked)
#   build.sh --stock         the same tree without the series, same flags
#                            (the benchmark's like-for-like baseline)
#   build.sh --print-paths   build, then print shell assignments on stdout:
#                            eval "$(udev-builtin/systemd/build.sh --print-paths)"
#                            gives UAP_UDEVADM and UAP_UDEVD
#   build.sh --print udevd   build, then print one path (udevd or udevadm)
#   build.sh --unit-test     build, then run the series' unit test
#                            (test-module-util) and print its output;
#                            its exit status is the test's
#
# The build dir is keyed on a hash of the Debian version, the series and
# this script: an unchanged series reuses it (a warm run is ninja's no-op),
# a changed one rebuilds with ccache. Only the udevadm target is built, and
# test-module-util for the patched tree (tests=true for both variants: it
# puts the tests' helpers, src/shared/tests.c, into libshared; nothing but
# the named targets is built).
# Flags are Debian's (dpkg-buildflags, -Dlink-udev-shared=false, split-usr
# paths) minus LTO, so the binary is self-contained apart from the same
# system libraries as /bin/udevadm, and finds the host's rules, hwdb and
# /run/udev as the stock one does.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

variant=patched print= unit_test=false
while [ $# -gt 0 ]; do
	case "$1" in
	--stock) variant=stock ;;
	--unit-test) unit_test=true ;;
	--print-paths) print=all ;;
	--print) shift; print=${1:-}
		case "$print" in udevd|udevadm) ;; *) die "--print udevd|udevadm" ;; esac ;;
	*) die "usage: $0 [--stock] [--print-paths | --print udevd|udevadm | --unit-test]" ;;
	esac
	shift
done
if $unit_test && [ "$variant" = stock ]; then
	die "--unit-test: the unit test comes with the series; not with --stock"
fi

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
		note "copying $(basename "$pristine") and applying $(basename "$SD_SERIES_DIR")"
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
		-Dman=false -Dhtml=false -Dtranslations=false -Dtests=true -Dinstall-tests=false )
	note "configured in $(( $(date +%s) - t0 )) s"
}

t0=$(date +%s)
[ -f "$B/build.ninja" ] || configure "$t0"
targets=(udevadm)
[ "$variant" = stock ] || targets+=(test-module-util)
logged "$W/build.log" ninja -C "$B" -j"$JOBS" "${targets[@]}"
ln -sf udevadm "$B/systemd-udevd"
touch "$W"
note "$variant ${targets[*]} ready in $B ($(( $(date +%s) - t0 )) s)"

# Old builds go, but not one that another checkout (another series or
# build.sh) may be using right now: of each variant, the two most recently
# used builds stay, and so does every build used within the last day.
prune() {
	local d n=0
	for d in $(find "$SD_CACHE" -mindepth 1 -maxdepth 1 -type d -name "build-$1" -printf '%T@ %p\n' |
		   sort -rn | cut -d' ' -f2-); do
		[ "$d" = "$W" ] && continue
		n=$((n + 1))
		[ "$n" -le 1 ] && continue
		[ -n "$(find "$d" -maxdepth 0 -mmin -1440)" ] && continue
		note "removing $d (unused for a day, two newer builds exist)"
		rm -rf "$d"
	done
}
if [ "$variant" = stock ]; then prune 'stock-*'; else prune '[0-9a-f]*'; fi

if $unit_test; then
	# Not under the build lock: the binary is in place.
	flock -u 9
	"$B/test-module-util"
	exit
fi

case "$print" in
all) printf 'UAP_UDEVADM=%q\nUAP_UDEVD=%q\n' "$B/udevadm" "$B/systemd-udevd" ;;
udevd) echo "$B/systemd-udevd" ;;
udevadm) echo "$B/udevadm" ;;
esac
