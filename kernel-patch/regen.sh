#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate the series from a kernel git tree whose last N commits are the
# series on top of the unpacked linux-source-6.12:
#   kernel-patch/regen.sh <kernel-git-tree> <N>
# The cover letter's subject and text are kept from the current
# 0000-cover-letter.patch (edit them there); git regenerates its shortlog
# and diffstat. The series file lists the patches, not the cover letter.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 n=$2
cover=$here/0000-cover-letter.patch

# The cover letter's subject (without "[PATCH 0/N] ") and text up to the
# shortlog ("Author Name (N):"), as a branch description for format-patch.
description= date=
if [ -f "$cover" ]; then
	date=$(grep -m1 '^Date: ' "$cover" || true)
	description=$(awk '
		/^Subject: / { sub(/^Subject: (\[[^]]*\] )?/, ""); subj = $0; insubj = 1; next }
		insubj && /^ / { sub(/^ /, ""); subj = subj " " $0; next }
		insubj { insubj = 0 }
		!body && /^$/ && subj != "" { body = 1; print subj; print ""; next }
		body && /^[^ ].* \([0-9]+\):$/ { exit }
		body { print }
	' "$cover" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
fi

rm -f "$here"/0*.patch
branch=$(git -C "$tree" rev-parse --abbrev-ref HEAD)
git -C "$tree" -c "branch.$branch.description=$description" format-patch -q \
	--zero-commit --no-signature --cover-letter --cover-from-description=subject \
	-o "$here" "HEAD~$n"
# Keep the cover letter's date: regenerating is not resending.
[ -z "$date" ] || sed -i "0,/^Date: .*/s//$date/" "$cover"
{
	echo "# udev-async-probe kernel series, in order (git format-patch output)"
	(cd "$here" && ls 0*.patch | grep -v '^0000-')
} >"$here/series"
