#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages the kernel tests need (run as root; idempotent).
set -eu
. "$(dirname "$(readlink -f "$0")")/../common.sh"

packages=(
	debian-archive-keyring dpkg-dev	# the linux source of Debian sid (test/debian-suite.sh)
	build-essential bc flex bison libelf-dev libssl-dev	# kernel build
	ccache xz-utils git	# cached builds, unpack, git apply
	python3 python3-ply	# kunit.py, checkpatch's spdxcheck.py
	kmod util-linux systemd	# modprobe/depmod, mount, poweroff inside UML
	qemu-system-x86 busybox-static cpio	# the x86_64 SMP lane: qemu, initramfs
)
ensure_packages "kernel tests" "${packages[@]}"
# UML runs on the host's root and mounts the test module tree over
# /lib/modules, which a machine without an installed kernel lacks.
ensure_dir "kernel tests" /lib/modules
