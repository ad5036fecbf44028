#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate both series from a kernel git tree whose commits after BASE
# are the core series (the first CORE_N of them) and then the RFC:
#
#   kernel-patch/regen.sh TREE BASE CORE_N
#
# The cover letters' subjects and texts come from core/cover-letter.txt
# and rfc/cover-letter.txt (first line: subject; then a blank line and
# the text). The author, the Signed-off-by lines and the cover letters'
# sender are the identity of `git config user.name` and `user.email` in
# this repository, whoever made the commits in TREE: run it with your own
# identity before sending. Cc comes from the tree's
# scripts/get_maintainer.pl, plus the people of the thread the series
# answers (EXTRA_CC). Both cover letters end with BASE as base-commit (the
# RFC's also with the core patches as prerequisites): regenerate on a
# public BASE before sending.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 3 ] || { echo "usage: $0 TREE BASE CORE_N" >&2; exit 2; }
tree=$1 base=$2 core_n=$3
EXTRA_CC=(
	"Tejun Heo <tj@kernel.org>"
	"Bart Van Assche <bvanassche@acm.org>"
)
# The RFC changes the order of libata's async_synchronize_cookie() waits
# against synchronous loads, in files get_maintainer.pl does not name.
EXTRA_CC_RFC=(
	"Damien Le Moal <dlemoal@kernel.org>"
	"Niklas Cassel <cassel@kernel.org>"
	"linux-ide@vger.kernel.org"
)

name=$(git -C "$here" config user.name) && email=$(git -C "$here" config user.email) ||
	{ echo "$0: set git config user.name and user.email" >&2; exit 1; }
ident="$name <$email>"
total=$(git -C "$tree" rev-list --count "$base..HEAD")
[ "$core_n" -gt 0 ] && [ "$core_n" -lt "$total" ] ||
	{ echo "$0: $total commits after $base, CORE_N=$core_n" >&2; exit 1; }
core_tip=$(git -C "$tree" rev-list --reverse "$base..HEAD" | sed -n "${core_n}p")

# one DIR FROM TO PREFIX: format FROM..TO into DIR, cover letter from
# DIR/cover-letter.txt.
one() {
	local dir=$here/$1 from=$2 to=$3 prefix=$4 tmp args=() who p
	tmp=$(mktemp -d)
	while read -r who; do
		args+=(--cc="$who")
	done < <(git -C "$tree" format-patch -q --stdout "$from..$to" |
		(cd "$tree" && scripts/get_maintainer.pl --no-rolestats --no-git \
			--no-git-fallback) 2>/dev/null || true)
	for who in "${EXTRA_CC[@]}"; do
		args+=(--cc="$who")
	done
	if [ "$1" = rfc ]; then
		for who in "${EXTRA_CC_RFC[@]}"; do
			args+=(--cc="$who")
		done
	fi
	git -C "$tree" -c "user.name=$name" -c "user.email=$email" \
		format-patch -q --zero-commit --no-signature --cover-letter --base="$base" \
		--subject-prefix="$prefix" "${args[@]}" -o "$tmp" "$from..$to"
	# The cover letter's subject and text; the shortlog names the identity.
	python3 - "$tmp"/0000-cover-letter.patch "$dir/cover-letter.txt" "$name" <<'PY'
import re
import sys
path, text, name = sys.argv[1:]
subject, _, body = open(text).read().partition("\n\n")
s = open(path).read()
# The shortlog's "Author (N):" line, before the text goes in.
lines = s.split("\n")
for i, l in enumerate(lines):
    if re.fullmatch(r"\S.* \(\d+\):", l):
        lines[i] = name + " (" + l.rsplit("(", 1)[1]
        break
s = "\n".join(lines)
s = s.replace("*** SUBJECT HERE ***", subject.strip(), 1)
s = s.replace("*** BLURB HERE ***", body.rstrip("\n"), 1)
open(path, "w").write(s)
PY
	# The commits' author and sign-off become the configured identity.
	for p in "$tmp"/*.patch; do
		awk -v ident="$ident" '
			!hdr && /^From: / { print "From: " ident; skip = 1; next }
			skip && /^ / { next }
			{ skip = 0 }
			/^Subject: / { hdr = 1 }
			/^Signed-off-by: / { print "Signed-off-by: " ident; next }
			{ print }
		' "$p" >"$p.new" && mv "$p.new" "$p"
	done
	rm -f "$dir"/0*.patch
	mv "$tmp"/*.patch "$dir/"
	rmdir "$tmp"
	{
		echo "# $prefix, in order (git format-patch output)"
		(cd "$dir" && ls 0*.patch | grep -v '^0000-')
	} >"$dir/series"
}

one core "$base" "$core_tip" "PATCH"
one rfc "$core_tip" HEAD "RFC PATCH"
