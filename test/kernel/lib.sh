# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared paths and helpers for the kernel test scripts; sourced, not run.

KTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$KTEST_DIR/../common.sh"
REPO_DIR=$UAP_TOP
# The kernel: the orig tarball of Debian sid's linux source package (7.2
# when this was written; sid_kernel_source below) with series v4 of
# kernel-patch/: core/series, then rfc/series. UAP_KSERIES=core leaves the
# RFC out (the comparison kernel); UAP_SERIES names another series file
# (names relative to UAP_PATCH_DIR); UAP_CONFIG_EXTRA one more config
# fragment (e.g. debug.config). All are part of the build key.
PATCH_DIR=${UAP_PATCH_DIR:-$REPO_DIR/kernel-patch}
SERIES_FILE=${UAP_SERIES:-}
KSERIES=${UAP_KSERIES:-all}
case $KSERIES in
all | core) ;;
*) die "UAP_KSERIES=$KSERIES: all or core" ;;
esac
CONFIG_EXTRA=${UAP_CONFIG_EXTRA:-}
# UAP_KARCH=x86_64 builds the SMP debug kernel of the qemu lane
# (tinyconfig + x86-smp.config) instead of User-Mode Linux.
KARCH=${UAP_KARCH:-um}
case $KARCH in
um) BASE_CONFIG=defconfig CONFIG_FRAGMENT=uml.config ;;
x86_64) BASE_CONFIG=tinyconfig CONFIG_FRAGMENT=x86-smp.config ;;
*) die "UAP_KARCH=$KARCH: um or x86_64" ;;
esac
JOBS=${JOBS:-2}

# sid_kernel_source: the newest linux source of Debian sid that the
# archive serves (its index can name versions whose files are gone),
# downloaded once into the cache; sets KERNEL_TARBALL and KERNEL_VERSION.
sid_kernel_source() {
	local dl=$UAP_CACHE/sid-linux v
	. "$KTEST_DIR/../debian-suite.sh"
	suite_update sid || die "no lists of Debian sid (apt-get update failed)"
	for v in $(suite_apt_cache sid showsrc --only-source linux 2>/dev/null |
		awk '$1 == "Version:" { print $2 }' | sort -u | sort -rV); do
		if suite_fetch_source sid "linux=$v" "$dl" >/dev/null 2>"$dl.err"; then
			KERNEL_VERSION=$v
			KERNEL_TARBALL=$dl/linux_${v%-*}.orig.tar.xz
			[ -r "$KERNEL_TARBALL" ] || die "linux $v from sid has no $KERNEL_TARBALL"
			return 0
		fi
		note "linux $v is listed by sid but cannot be fetched; trying the next"
	done
	cat "$dl.err" >&2 2>/dev/null || true
	die "no linux source can be fetched from Debian sid"
}

# Resolved once for a test run: the scripts a test runs inherit it, and
# the next tests within 6 hours reuse it without asking the archive.
if [ -z "${KERNEL_TARBALL:-}" ]; then
	check_cache_dir
	mkdir -p "$UAP_CACHE/sid-linux"
	if [ -n "$(find "$UAP_CACHE/sid-linux/resolved" -mmin -360 2>/dev/null)" ]; then
		read -r KERNEL_VERSION KERNEL_TARBALL <"$UAP_CACHE/sid-linux/resolved" || true
	fi
	if [ ! -r "${KERNEL_TARBALL:-}" ]; then
		sid_kernel_source
		echo "$KERNEL_VERSION $KERNEL_TARBALL" >"$UAP_CACHE/sid-linux/resolved"
	fi
fi
KERNEL_VERSION=${KERNEL_VERSION:-$(basename "$KERNEL_TARBALL")}
export KERNEL_TARBALL KERNEL_VERSION

# The patch files of the series, in order: kernel-patch/core/series then,
# unless UAP_KSERIES=core, kernel-patch/rfc/series (or UAP_SERIES).
kernel_series_patches() {
	if [ -n "$SERIES_FILE" ]; then
		series_patches "$PATCH_DIR" "$SERIES_FILE"
		return
	fi
	series_patches "$PATCH_DIR/core"
	[ "$KSERIES" = core ] || series_patches "$PATCH_DIR/rfc"
}

# Unpack the pristine tarball into $1 (must not exist yet).
unpack_source() {
	local dest=$1 tmp
	[ -r "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing"
	tmp=$(mktemp -d "$UAP_CACHE/unpack.XXXXXX")
	tar -C "$tmp" -xf "$KERNEL_TARBALL" || die "cannot unpack $KERNEL_TARBALL"
	mv "$tmp"/linux-* "$dest" || die "unexpected tarball layout"
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
		if [ -n "$SERIES_FILE" ]; then cat "$SERIES_FILE"; else echo "$KSERIES"; fi
		kernel_series_patches | xargs -r cat
		echo "$KARCH $BASE_CONFIG"
		cat "$KTEST_DIR/$CONFIG_FRAGMENT" "$KTEST_DIR/build.sh"
		[ -z "$CONFIG_EXTRA" ] || cat "$KTEST_DIR/$CONFIG_EXTRA"
	} | sha256sum | cut -c1-16
}

# patched_source: the tarball unpacked with the series applied, without a
# build (for kunit.py, which builds its own tree), cached by build key;
# prints its directory.
patched_source() {
	local dir
	dir=$UAP_CACHE/src-$(build_key)
	if [ ! -f "$dir/.applied" ]; then
		rm -rf "$dir"
		unpack_source "$dir"
		apply_series "$dir" >&2
		touch "$dir/.applied"
		# Two trees are enough: this series and the one before it.
		ls -1dt "$UAP_CACHE"/src-*/ | tail -n +3 | xargs -r rm -rf
	fi
	echo "$dir"
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
