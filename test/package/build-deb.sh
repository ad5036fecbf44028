#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the Debian package from the working tree with
# "dpkg-buildpackage -us -uc" in a copy under OUTDIR, on the host or, with
# ROOT, chrooted into that root of another suite (test/debian-suite.sh's
# suite_root, OUTDIR bound at /tmp/build). Prints the .deb's path on stdout. A
# build of the same tree content in the same place is reused (stamp: hash
# of every file dpkg-source would take, and ROOT).
#
#   build-deb.sh OUTDIR [ROOT]
set -eu
. "$(dirname "$(readlink -f "$0")")/../debian-suite.sh"

out=${1:?usage: build-deb.sh OUTDIR [ROOT]}
root=${2:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$UAP_TOP"

exec 9>"$out/.lock"
flock 9

# The tree as git sees it, committed or not, without ignored files.
files() {
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done
}
key=$({ files | xargs -0 sha256sum; echo "root: $root"; } | sha256sum | cut -c1-16)
version=$(dpkg-parsechangelog -S Version)
deb=$out/udev-async-probe_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb

if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$key" ] && [ -f "$deb" ]; then
	note "reusing $deb (tree unchanged)"
	echo "$deb"
	exit 0
fi

rm -rf "${out:?}"/src "$out"/*.deb "$out"/*.dsc "$out"/*.tar.* "$out"/*.changes "$out"/*.buildinfo "$out/.stamp"
src=$out/src/udev-async-probe-$version
mkdir -p "$src"
files | xargs -0 cp --parents -t "$src"

note "dpkg-buildpackage -us -uc in $src${root:+ (in $(basename "$root"))} (log: $out/build.log)"
start=$SECONDS
build() {
	if [ -n "$root" ]; then
		suite_chroot --bind "$out" /tmp/build "$root" \
			sh -c 'cd "/tmp/build/src/$1" && dpkg-buildpackage -us -uc' sh "$(basename "$src")"
	else
		(cd "$src" && dpkg-buildpackage -us -uc)
	fi
}
if ! build >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "dpkg-buildpackage failed (log: $out/build.log)"
fi
note "built in $((SECONDS - start)) s"
mv "$out"/src/*.deb "$out"/src/*.dsc "$out"/src/*.tar.* "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
[ -f "$deb" ] || die "dpkg-buildpackage left no $deb"
echo "$key" >"$out/.stamp"
echo "$deb"
