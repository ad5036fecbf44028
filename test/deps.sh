#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the Debian packages (and apt sources) the project's parts need,
# as root; idempotent, and says what it changes.
#
#   deps.sh          everything test/run-tests.sh runs
#   deps.sh --demo   only what test/demo.sh uses: the program's build and
#                    the User-Mode Linux kernel
set -eu
here=$(dirname "$(readlink -f "$0")")
. "$here/common.sh"

demo=false
case "${1:-}" in
--demo) demo=true ;;
"") ;;
*) die "usage: $0 [--demo]" ;;
esac

build=(
	meson ninja-build pkg-config gcc libkmod-dev libudev-dev
	udev kmod python3	# udevdir from udev.pc, depmod for the fixture tree
)
ensure_packages "program build" "${build[@]}"
bash "$here/kernel/ci-prepare.sh"
$demo && exit 0

tests=(
	clang libclang-rt-14-dev	# the clang build, ASan+UBSan runtimes
	scdoc valgrind ccache
	bash-completion	# the completion test
)
ensure_packages "tests" "${tests[@]}"
bash "$here/report/ci-prepare.sh"
bash "$here/../udev-builtin/systemd/ci-prepare.sh"
bash "$here/qemu/ci-prepare.sh"
