#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the Debian packages that building and testing need (as root).
set -eu
here=$(dirname "$(readlink -f "$0")")

packages=(
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libkmod-dev libudev-dev libsystemd-dev udev kmod
	scdoc valgrind python3 ccache
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "build and test packages present"
bash "$here/kernel/ci-prepare.sh"
bash "$here/../udev-builtin/systemd/ci-prepare.sh"
