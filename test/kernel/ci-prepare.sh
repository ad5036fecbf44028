#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages the kernel tests need (run as root, once per machine).
set -eu
packages=(
	linux-source-6.12	# /usr/src/linux-source-6.12.tar.xz
	build-essential bc flex bison libelf-dev libssl-dev	# kernel build
	ccache xz-utils git	# cached builds, unpack, git apply
	python3 python3-ply	# kunit.py, checkpatch's spdxcheck.py
	kmod util-linux systemd	# modprobe/depmod, mount, poweroff inside UML
)
missing=()
for p in $(printf '%s\n' "${packages[@]}" | sed 's/#.*//'); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "kernel test packages present: $(printf '%s\n' "${packages[@]}" | sed 's/#.*//' | xargs)"
