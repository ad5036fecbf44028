#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Apply the series to a fresh unpack of the kernel source (lib.sh:
# Debian sid's Linux 7.2 orig tarball), strictly (no
# fuzz, no rejects), patch by patch, then throw the tree away.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

check_cache_dir
tmp=$(mktemp -d "$UAP_CACHE/apply.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unpack_source "$tmp/linux"
echo "# linux $KERNEL_VERSION ($(basename "$KERNEL_TARBALL"))"
n=0
for p in $(kernel_series_patches); do
	n=$((n + 1))
	if (cd "$tmp/linux" && GIT_CEILING_DIRECTORIES=$tmp git apply "$p"); then
		echo "ok - $(basename "$p") applies to $(basename "$KERNEL_TARBALL")"
	else
		echo "not ok - $(basename "$p") does not apply"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
[ "$n" -gt 0 ] || die "empty series"
echo "$n passed, 0 failed"
