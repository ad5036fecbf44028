#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the Debian package from the working tree with
# "dpkg-buildpackage -us -uc" in a copy under OUTDIR, and run lintian on
# the result. Prints the .deb's path on stdout. A build of the same tree
# content is reused (stamp: hash of every file dpkg-source would take).
#
#   build-deb.sh OUTDIR
set -eu
. "$(dirname "$(readlink -f "$0")")/../common.sh"

out=${1:?usage: build-deb.sh OUTDIR}
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
key=$(files | xargs -0 sha256sum | sha256sum | cut -c1-16)
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

note "dpkg-buildpackage -us -uc in $src (log: $out/build.log)"
start=$SECONDS
if ! (cd "$src" && dpkg-buildpackage -us -uc) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "dpkg-buildpackage failed (log: $out/build.log)"
fi
note "built in $((SECONDS - start)) s"
mv "$out"/src/*.deb "$out"/src/*.dsc "$out"/src/*.tar.* "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
[ -f "$deb" ] || die "dpkg-buildpackage left no $deb"
echo "$key" >"$out/.stamp"
echo "$deb"
