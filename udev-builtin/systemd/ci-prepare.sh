#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the systemd builtin part needs (run as root; idempotent): tools to
# fetch, patch, build, test and benchmark; then the build-deps of exactly
# the systemd source the series targets (fetched with the project's own apt
# sources, test/debian-suite.sh: the host's need no deb-src entry).
set -eu
. "$(dirname "$(readlink -f "$0")")/lib.sh"

packages=(
	dpkg-dev git ccache	# apt-get source / dpkg-source, git apply + format-patch, cached builds
	meson ninja-build pkg-config gcc	# the build itself (also build-deps)
	kmod util-linux python3	# depmod for the fixture tree, unshare + mount for the host test
	valgrind libkmod2	# the callgrind benchmark and its libkmod
	udev	# the stock udevadm the benchmark compares against
	gperf python3-jinja2 libkmod-dev	# the upstream series' build (check-upstream.sh)
	debootstrap	# its sid root, where the host's meson is too old
)
ensure_packages "systemd builtin" "${packages[@]}"
# The host test mounts a fixture module tree over /lib/modules.
ensure_dir "systemd builtin" /lib/modules

export UAP_SYSTEMD_REQUIRED=1
pristine=$(pristine_tree)
if ! (cd "$pristine" && dpkg-checkbuilddeps) 2>/dev/null; then
	note "installing the build-deps of systemd $SD_DEB_VERSION"
	apt_update_once
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q "$pristine" >&2 ||
		die "apt-get build-dep systemd failed"
fi
echo "systemd builtin: build-deps of systemd $SD_DEB_VERSION present"
