#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The committed systemd series is what gen-patches.sh makes from the core
# today (byte for byte: generation is deterministic), and it applies
# cleanly both to Debian's tree (debian/patches applied) and to the plain
# upstream v252.39 tarball inside the Debian source package.
set -eu -o pipefail
. "$(dirname "$0")/../../udev-builtin/systemd/lib.sh"

pristine=$(pristine_tree)
T=$(mktemp -d "${TMPDIR:-/tmp}/uap-check-series.XXXXXX")
trap 'rm -rf "$T"' EXIT

"$SD_DIR/gen-patches.sh" "$T/gen" >/dev/null
committed=$( (cd "$SD_DIR" && ls [0-9][0-9][0-9][0-9]-*.patch series) )
generated=$( (cd "$T/gen" && ls [0-9][0-9][0-9][0-9]-*.patch series) )
if [ "$committed" != "$generated" ]; then
	echo "patch files differ: committed [$committed], generated [$generated]" >&2
	echo "run udev-builtin/systemd/gen-patches.sh and commit the result" >&2
	exit 1
fi
for f in $generated; do
	if ! diff -u "$SD_DIR/$f" "$T/gen/$f"; then
		echo "$f is stale: run udev-builtin/systemd/gen-patches.sh and commit the result" >&2
		exit 1
	fi
done
echo "series is up to date with udev-builtin/core and udev-builtin/systemd/src"

# Only the files the series modifies are needed to check that it applies.
touched=$(sed -n 's|^--- a/||p' $(sd_series_patches) | sort -u)
apply_check() {
	local tree=$1 what=$2 p
	for p in $(sd_series_patches); do
		(cd "$tree" && GIT_CEILING_DIRECTORIES=$(dirname "$tree") git apply --check "$p") ||
			{ echo "$(basename "$p") does not apply to $what" >&2; exit 1; }
	done
	echo "series applies to $what"
}
mkdir -p "$T/debian"
(cd "$pristine" && cp --parents $touched "$T/debian/")
apply_check "$T/debian" "Debian's systemd $SD_DEB_VERSION (debian/patches applied)"

mkdir -p "$T/upstream"
orig=$SD_CACHE/dl-$SD_DEB_VERSION/systemd_$SD_UPSTREAM_VERSION.orig.tar.gz
top=$(set +o pipefail; tar -tzf "$orig" | head -n1 | cut -d/ -f1)
tar -C "$T/upstream" -xzf "$orig" --strip-components=1 $(printf "$top/%s " $touched)
apply_check "$T/upstream" "upstream systemd v$SD_UPSTREAM_VERSION"
