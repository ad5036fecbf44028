#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the Debian package, its chroot test, the RPM spec's test and the qemu lane need (run as
# root; idempotent): the package's build-deps and tools, debootstrap for
# the test root, qemu for the guest, e2fsprogs to make its disk image.
# The guest's own packages (kernel, systemd, initramfs-tools) are not
# installed here: they go into the cached debootstrap root.
set -eu
. "$(dirname "$(readlink -f "$0")")/../common.sh"

packages=(
	dpkg-dev debhelper lintian	# dpkg-buildpackage, dh, the lint
	rpm	# rpmbuild: the RPM spec's test (test/package/check-rpm.sh)
	autopkgtest	# debian/tests in a copy of the trixie root (chroot backend)
	meson ninja-build pkg-config gcc	# build-deps of debian/control ...
	libkmod-dev libudev-dev libsystemd-dev scdoc udev systemd bash-completion
	debootstrap	# the cached bookworm root (chroot test, guest disk)
	qemu-system-x86	# the guest, TCG
	e2fsprogs	# mkfs.ext4 -d: the guest's disk without loop mounts
	zstd cpio	# read the guest's initramfs back
)
ensure_packages "package and qemu" "${packages[@]}"
