# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared paths and helpers for the kernel test scripts; sourced, not run.

KTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$KTEST_DIR/../common.sh"
REPO_DIR=$UAP_TOP
# UAP_PATCH_DIR / UAP_SERIES pick another patch dir or series file (names
# in it relative to the patch dir), e.g. the series without its last patch
# for a comparison kernel; UAP_CONFIG_EXTRA names one more config fragment
# (e.g. debug.config). All three are part of the build key.
PATCH_DIR=${UAP_PATCH_DIR:-$REPO_DIR/kernel-patch}
SERIES_FILE=${UAP_SERIES:-$PATCH_DIR/series}
CONFIG_EXTRA=${UAP_CONFIG_EXTRA:-}
# UAP_KARCH=x86_64 builds the SMP debug kernel of the qemu lane
# (tinyconfig + x86-smp.config) instead of User-Mode Linux.
KARCH=${UAP_KARCH:-um}
case $KARCH in
um) BASE_CONFIG=defconfig CONFIG_FRAGMENT=uml.config ;;
x86_64) BASE_CONFIG=tinyconfig CONFIG_FRAGMENT=x86-smp.config ;;
*) die "UAP_KARCH=$KARCH: um or x86_64" ;;
esac
KERNEL_TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-2}

# The patch files named by kernel-patch/series (or UAP_SERIES), in order.
kernel_series_patches() {
	series_patches "$PATCH_DIR" "$SERIES_FILE"
}

# The series' decoupling patches (async core, module, driver core): the
# comparison ("unpatched") kernel is the series without them, i.e. with
# the sysfs read-back only.
DECOUPLING_PATCHES=(
	0003-async-add-async_synchronize_full_except.patch
	0004-module-do-not-wait-for-other-modules-requested-async.patch
	0005-driver-core-queue-module-requested-async-probes-in-t.patch
)

# The pending probe count (/sys/module/*/async_probe_pending); it builds
# on the decoupling patches, so the comparison kernels leave it out too.
BARRIER_PATCHES=(
	0006-driver-core-module-count-pending-requested-async-pro.patch
)

# Writes the series without the patches named after $1 (a file name in
# the cache) into the cache, prints its path.
series_without() {
	local f=$UAP_CACHE/$1 p
	shift
	for p; do
		grep -qx "$p" "$SERIES_FILE" || die "$p is not in $SERIES_FILE"
	done
	mkdir -p "$UAP_CACHE"
	grep -vxF "${@/#/-e}" "$SERIES_FILE" >"$f.tmp" && mv "$f.tmp" "$f"
	echo "$f"
}

# The series without DECOUPLING_PATCHES (and what builds on them).
unpatched_series() {
	series_without series-without-decoupling "${DECOUPLING_PATCHES[@]}" \
		"${BARRIER_PATCHES[@]}"
}

# Unpack the pristine tarball into $1 (must not exist yet).
unpack_source() {
	local dest=$1 tmp
	[ -r "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing (apt-get install linux-source-6.12)"
	tmp=$(mktemp -d "$UAP_CACHE/unpack.XXXXXX")
	tar -C "$tmp" -xf "$KERNEL_TARBALL" || die "cannot unpack $KERNEL_TARBALL"
	mv "$tmp"/linux-source-* "$dest" || die "unexpected tarball layout"
	rmdir "$tmp"
}

# Apply the series to the tree $1; any reject, fuzz or offset-less failure
# is fatal. git apply outside a repository behaves like a strict patch(1).
apply_series() {
	local tree=$1 p
	for p in $(kernel_series_patches); do
		echo "applying $(basename "$p")"
		( cd "$tree" &&
		  GIT_CEILING_DIRECTORIES=$(dirname "$tree") git apply -v "$p" ) ||
			die "$(basename "$p") does not apply to $(basename "$KERNEL_TARBALL")"
	done
}

# Key for the patched tree and build dir: tarball identity, series,
# patches, architecture, config fragments and the build script itself.
build_key() {
	{
		stat -c '%s %Y' "$KERNEL_TARBALL"
		cat "$SERIES_FILE"
		kernel_series_patches | xargs -r cat
		echo "$KARCH $BASE_CONFIG"
		cat "$KTEST_DIR/$CONFIG_FRAGMENT" "$KTEST_DIR/build.sh"
		[ -z "$CONFIG_EXTRA" ] || cat "$KTEST_DIR/$CONFIG_EXTRA"
	} | sha256sum | cut -c1-16
}

# A pristine unpacked tree (for checkpatch.pl), shared by all builds.
pristine_tree() {
	local dir
	dir=$UAP_CACHE/pristine-$(stat -c '%s-%Y' "$KERNEL_TARBALL")
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir"
		unpack_source "$dir"
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}
