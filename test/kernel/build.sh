#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the patched User-Mode Linux kernel (or, with UAP_KARCH=x86_64, the
# x86_64 SMP debug kernel of the qemu lane) and the out-of-tree test
# modules, cached under ${UAP_CACHE:-/var/cache/udev-async-probe}.
#
#   build.sh                 build what is missing (idempotent, locked)
#   build.sh --print-paths   the same, then print shell assignments on stdout
#                            (UAP_KERNEL UAP_KBUILD UAP_KSRC UAP_KREL UAP_MODROOT
#                            UAP_MODDIR UAP_KARCH): p=$(build.sh --print-paths)
#                            && eval "$p"
#
# The kernel is keyed on a hash of the tarball, the series, the config
# fragment and this script: a changed patch rebuilds (ccache keeps it
# short), an unchanged one reuses. UAP_SERIES (another series file, e.g.
# without the last patch) and UAP_CONFIG_EXTRA (a second fragment in this
# directory, e.g. debug.config) select other kernels, each in its own
# dir. The test modules are rebuilt by make on every call, which is a
# no-op when nothing changed, and installed again only when they changed.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

print_paths=false
case "${1:-}" in
--print-paths) print_paths=true ;;
"") ;;
*) die "usage: $0 [--print-paths]" ;;
esac

check_cache_dir
export CCACHE_DIR=$UAP_CACHE/ccache CCACHE_BASEDIR=$UAP_CACHE CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
MAKE=(make ARCH="$KARCH" CC="ccache gcc" -j"$JOBS")

# One kernel build at a time on this machine (kunit.sh takes the same lock).
exec 9>"$UAP_CACHE/build.lock"
flock 9

fragments=("$KTEST_DIR/$CONFIG_FRAGMENT")
[ -z "$CONFIG_EXTRA" ] || fragments+=("$KTEST_DIR/$CONFIG_EXTRA")
key=$(build_key)
W=$UAP_CACHE/linux-$key
B=$W/build

# Run a make step with its output in a log; show the tail if it fails.
logged() {
	local log=$1; shift
	"$@" >>"$log" 2>&1 || { tail -n 60 "$log" >&2; die "failed: $* (log: $log)"; }
}

build_kernel() {
	local t0 opt want have
	t0=$(date +%s)
	rm -rf "$W"
	mkdir -p "$W"
	note "unpacking $(basename "$KERNEL_TARBALL") into $W/src"
	unpack_source "$W/src"
	apply_series "$W/src" >&2
	note "configuring ($BASE_CONFIG + ${fragments[*]##*/})"
	logged "$W/build.log" "${MAKE[@]}" -C "$W/src" O="$B" "$BASE_CONFIG"
	logged "$W/build.log" env -C "$W/src" ARCH="$KARCH" \
		scripts/kconfig/merge_config.sh -m -O "$B" "$B/.config" "${fragments[@]}"
	logged "$W/build.log" "${MAKE[@]}" -C "$B" olddefconfig
	# Every line of the fragments must have survived Kconfig.
	while read -r opt; do
		case "$opt" in
		CONFIG_*=*) want=$opt; have=$(grep -E "^${opt%%=*}=" "$B/.config" || true) ;;
		"# CONFIG_"*" is not set")
			want=$opt; opt=${opt#\# }; opt=${opt%% *}
			have=$(grep -E "^(# )?$opt[= ]" "$B/.config" || true)
			[ -z "$have" ] && have=$want ;;
		*) continue ;;
		esac
		[ "$have" = "$want" ] || die "config fragment: wanted '$want', Kconfig gave '${have:-nothing}'"
	done < <(cat "${fragments[@]}")
	note "building linux + modules (-j$JOBS, ccache), log: $W/build.log"
	logged "$W/build.log" "${MAKE[@]}" -C "$B" all
	logged "$W/build.log" "${MAKE[@]}" -C "$B" modules_install INSTALL_MOD_PATH="$W/modroot"
	ccache -s >>"$W/build.log" 2>&1 || true
	echo "$(( $(date +%s) - t0 ))" >"$W/build-seconds"
	touch "$W/.built"
	note "kernel built in $(cat "$W/build-seconds") s"
	# Keep the builds used last (a full run uses five: UML patched,
	# unpatched and debug, x86_64 patched and unpatched; twice that leaves
	# room for a series in development), drop older ones.
	ls -1dt "$UAP_CACHE"/linux-*/ 2>/dev/null | tail -n +11 | xargs -r rm -rf
}

image=$B/linux
[ "$KARCH" = um ] || image=$B/arch/x86/boot/bzImage
if [ -f "$W/.built" ] && [ -f "$image" ]; then
	touch "$W"	# used last: the pruning above keeps it
	note "reusing kernel $W (built in $(cat "$W/build-seconds" 2>/dev/null || echo '?') s)"
else
	build_kernel
fi

krel=$(make -s -C "$B" ARCH="$KARCH" kernelrelease)

# Out-of-tree test modules: sources copied (mtimes kept) so nothing is
# built inside the repository.
mkdir -p "$W/testmod"
cp -a "$KTEST_DIR/modules/." "$W/testmod/"
logged "$W/testmod.log" "${MAKE[@]}" -C "$B" M="$W/testmod" modules
# Reinstall only modules that changed: a kernel of this build may be
# running tests from the installed tree right now (the lock covers builds,
# not runs), and must not see the modules disappear under it.
sum=$(cd "$W/testmod" && sha256sum ./*.ko | sha256sum)
if [ "$sum" != "$(cat "$W/testmod.installed" 2>/dev/null)" ] ||
	[ ! -d "$W/modroot/lib/modules/$krel/extra" ]; then
	rm -rf "$W/modroot/lib/modules/$krel/extra"
	logged "$W/testmod.log" "${MAKE[@]}" -C "$B" M="$W/testmod" modules_install \
		INSTALL_MOD_PATH="$W/modroot" INSTALL_MOD_DIR=extra
	depmod -b "$W/modroot" "$krel" || die "depmod failed"
	echo "$sum" >"$W/testmod.installed"
fi

if $print_paths; then
	cat <<PATHS
UAP_KERNEL=$image
UAP_KARCH=$KARCH
UAP_KBUILD=$B
UAP_KSRC=$W/src
UAP_KREL=$krel
UAP_MODROOT=$W/modroot
UAP_MODDIR=$W/modroot/lib/modules/$krel
PATHS
fi
