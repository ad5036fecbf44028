#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The package's autopkgtest (debian/tests) on trixie, run by autopkgtest's
# chroot backend in a throwaway overlay on a trixie root, never on the CI
# host: autopkgtest installs the .deb built for trixie and the tests'
# Depends there, runs each test and reports. Prints autopkgtest's summary;
# exits with its status (0 all passed, 2 some skipped, 4 or more a
# failure).
#
#   autopkgtest-trixie.sh ROOT OUTDIR DEB...
#
# Every binary package of debian/control: a test's "Depends: @" names
# them all.
set -u
. "$(dirname "$(readlink -f "$0")")/../common.sh"
root=${1:?usage: autopkgtest-trixie.sh ROOT OUTDIR DEB...} out=${2:?}
shift 2
[ $# -ge 1 ] || die "usage: autopkgtest-trixie.sh ROOT OUTDIR DEB..."
command -v autopkgtest >/dev/null || die "autopkgtest missing (test/qemu/ci-prepare.sh installs it)"

rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d "$UAP_CACHE/autopkgtest.XXXXXX") || die "no work dir"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root" "$work/upper" "$work/overlay-work"
# The tests need debian/ only (they test the installed package): the
# source tree autopkgtest copies into the testbed is just that.
mkdir -p "$work/src"
cp -a "$UAP_TOP/debian" "$work/src/"
# The testbed is an overlay on the cached root (which stays as it was),
# with this machine's /sys and a /proc of its own, in a private mount
# namespace: explain then has real devices to look at, and matches them
# against the root's kernel modules.
unshare --mount --propagation private -- bash -c '
	mount -t overlay overlay -o "lowerdir=$3,upperdir=$1/upper,workdir=$1/overlay-work" "$1/root" &&
	mount -t proc proc "$1/root/proc" && mount --bind /sys "$1/root/sys" || exit 99
	work=$1 out=$2
	shift 3
	exec autopkgtest --output-dir="$out/output" --summary-file="$out/summary" \
		"$@" "$work/src/" -- chroot "$work/root"' autopkgtest-trixie "$work" "$out" "$root" "$@" >"$out/log" 2>&1
rc=$?
cat "$out/summary" 2>/dev/null || tail -n 30 "$out/log"
exit $rc
