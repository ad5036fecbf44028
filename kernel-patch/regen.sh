#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate the series from a kernel git tree whose last N commits are the
# series on top of the unpacked linux-source-6.12:
#   kernel-patch/regen.sh <kernel-git-tree> <N>
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 n=$2
rm -f "$here"/0*.patch
git -C "$tree" format-patch -q --zero-commit --no-signature -o "$here" "HEAD~$n"
{
	echo "# udev-async-probe kernel series, in order (git format-patch output)"
	(cd "$here" && ls 0*.patch)
} >"$here/series"
