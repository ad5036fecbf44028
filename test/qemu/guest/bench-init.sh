#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# init= of test/bench/qemu-coldplug.sh: the initramfs has mounted the root
# and moved /proc, /sys, /dev and /run into it. Starts Debian's
# systemd-udevd, times one coldplug (trigger, settle, every probe ended),
# writes the figures to the second serial port and powers off. POSIX sh.
out=/dev/ttyS1
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

# The udevd to run: the stock one, or a patched build (the builtin runner)
# that the benchmark put in /usr/local/lib/uap-test.
udevd=/lib/systemd/systemd-udevd
[ -x /usr/local/lib/uap-test/systemd-udevd ] && udevd=/usr/local/lib/uap-test/systemd-udevd

# What udev-async-probe-rules.service does at boot, where it exists.
prog=/lib/udev/udev-async-probe
if [ -x "$prog" ] && "$prog" rules --help >/dev/null 2>&1; then
	mkdir -p /run/udev/rules.d
	"$prog" rules --output=/run/udev/rules.d/80-async-probe.rules
fi

SYSTEMD_LOG_LEVEL=notice "$udevd" --daemon
echo "uap-bench: trigger" >/dev/kmsg
t0=$(ms)
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=300
t1=$(ms)
# Every probe the kernel started asynchronously since the trigger has ended.
. /usr/local/lib/uap-test/lib.sh
pending=$(wait_probes 1200 "uap-bench: trigger")
t2=$(ms)
{
	echo "uap-bench begin"
	echo "settle_ms $((t1 - t0))"
	echo "ended_ms $((t2 - t0))"
	echo "pending ${pending:-none}"
	echo "dmesg-begin"
	dmesg --color=never
	echo "dmesg-end"
	echo "uap-bench end"
} >"$out" 2>&1
sync
poweroff -f
