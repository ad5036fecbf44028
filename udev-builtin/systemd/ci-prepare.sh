#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages the systemd builtin part needs (run as root, once per
# machine): tools to fetch, patch, build, test and benchmark, then the
# build-deps of exactly the systemd source the series targets (fetched into
# the cache; needs a deb-src entry for bookworm).
set -eu
. "$(dirname "$0")/lib.sh"

packages=(
	dpkg-dev git ccache	# apt-get source / dpkg-source, git apply + format-patch, cached builds
	meson ninja-build pkg-config gcc	# the build itself (also build-deps)
	kmod util-linux python3	# depmod for the fixture tree, unshare + mount for the host test
	valgrind libkmod2	# the callgrind benchmark and its libkmod
	udev	# the stock udevadm the benchmark compares against
)
missing=()
for p in $(printf '%s\n' "${packages[@]}" | sed 's/#.*//'); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

export UAP_SYSTEMD_REQUIRED=1
pristine=$(pristine_tree)
if ! (cd "$pristine" && dpkg-checkbuilddeps) 2>/dev/null; then
	note "installing the build-deps of systemd $SD_DEB_VERSION"
	apt-get build-dep -y -q "$pristine"
fi
echo "systemd builtin packages present: $(printf '%s\n' "${packages[@]}" | sed 's/#.*//' | xargs)" \
	"+ build-deps of systemd $SD_DEB_VERSION"
