#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Demo: build udev-async-probe, show what it decides for a few devices
# (shipped configuration, a small fixture module tree), then boot the
# project's User-Mode Linux kernel twice with real systemd-udevd: stock,
# and with udev-async-probe installed, and show timings and read-back.
set -eu
case "${1:-}" in
-h | --help)
	sed -n '3,6s/^# //p' "$0"
	echo "usage: sudo $0 (as root: installs packages, boots User-Mode Linux)"
	exit 0 ;;
"") ;;
*) echo "usage: sudo $0" >&2; exit 2 ;;
esac
cd "$(dirname "$(readlink -f "$0")")/.."
build=${UAP_BUILD_ROOT:-$PWD/build-demo}

bash test/deps.sh --demo >/dev/null
[ -f "$build/build.ninja" ] || meson setup "$build" --prefix=/usr >/dev/null
ninja -C "$build" >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -c 'import sys; sys.path.insert(0, "test/integration"); import fixture; fixture.build(sys.argv[1], depmod="/sbin/depmod")' "$tmp/tree"
mkdir "$tmp/conf"
echo 'options fix_opt0 async_probe=0' >"$tmp/conf/local.conf"

uap() {
	"$build/udev-builtin/udev-async-probe" -d "$tmp/tree" -S 6.12.0-uap-test \
		-C modprobe-d -C "$tmp/conf" "$@"
}

echo "== shipped configuration, as libkmod sees it (modprobe -c):"
/sbin/modprobe -C modprobe-d -c | grep udev_async_probe
echo
echo "== a PCI NIC (bus listed), a platform device (not listed), a built-in driver,"
echo "== and a driver the admin keeps synchronous in modprobe.d:"
for m in pci:v00001234d00000001sv00000000sd00000000bc02sc00i00 platform:fixplat \
	 pci:v00001234d00000003sv00000000sd00000000bc02sc00i00 \
	 pci:v00001234d00000005sv00000000sd00000000bc02sc00i00; do
	uap explain "$m"
done
echo
echo "== the udev rules this configuration generates (udev-async-probe rules): the"
echo "== program runs for PCI devices and devices with ASYNC_PROBE, nothing else:"
uap rules | grep -v '^#'
echo
echo "== the same NIC after an admin adds 'options udev_async_probe enable=0':"
mkdir "$tmp/off"
echo 'options udev_async_probe enable=0' >"$tmp/off/zz-off.conf"
uap -C "$tmp/off" explain pci:v00001234d00000001sv00000000sd00000000bc02sc00i00 | tail -n +2
echo
echo "== machine-readable:"
uap explain --json=pretty pci:v00001234d00000002sv00000000sd00000000bc02sc00i00

echo
echo "== User-Mode Linux: 4 devices whose driver takes 1 s to probe each, on a"
echo "== whitelisted bus; real systemd-udevd (the first run builds the kernel, ~5-8 min)"
for runner in stock program; do
	echo "-- $runner udev$([ $runner = program ] && echo ' + udev-async-probe'):"
	test/e2e/run-e2e.sh -f test/demo-scenario.sh "$build" "$runner" demo 2>/dev/null |
		sed -n 's/^# # /   /p'
done
