#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The package's documentation as the README promises it: README.md and
# every docs/*.md and docs/*.png of SRC in DOC of the unpacked package
# ROOT, none compressed, and every relative link of the .md files shipped
# there resolving in the installed tree. One line per problem; exit 1 if
# there is any.
#
#   shipped-docs.sh ROOT DOC SRC
set -u
root=${1:?usage: shipped-docs.sh ROOT DOC SRC} doc=${2:?} src=${3:?}
bad=0
problem() { echo "$*"; bad=1; }

cd "$src" || exit 1
for f in README.md docs/*.md docs/*.png; do
	[ -f "$root$doc/$f" ] || problem "missing: $doc/$f"
done
while IFS= read -r -d '' f; do
	problem "compressed: ${f#"$root"}"
done < <(find "$root$doc" \( -name '*.md.gz' -o -name '*.png.gz' \) -print0)
# Markdown links "](TARGET)": neither a URL nor an anchor in the same file.
while IFS= read -r -d '' md; do
	while IFS= read -r target; do
		target=${target%%#*}
		target=${target%% *}
		case $target in '' | *:*) continue ;; esac
		[ -e "$(dirname "$md")/$target" ] || problem "dead link in ${md#"$root"}: $target"
	done < <(grep -o '](\([^)]*\))' "$md" | sed -e 's/^](//' -e 's/)$//')
done < <(find "$root$doc" -name '*.md' -print0)
exit $bad
