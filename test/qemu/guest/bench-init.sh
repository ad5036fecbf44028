#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# init= of test/bench/qemu-coldplug.sh and qemu-slow.sh: the initramfs has
# mounted the root and moved /proc, /sys, /dev and /run into it. Starts
# systemd-udevd as the runner asks, times one coldplug (trigger, settle,
# every probe ended), writes the figures and the kernel log to the second
# serial port and powers off. POSIX sh.
#
# The kernel command line says which runner this boot is (the benchmark
# boots one image, test/bench/qemu-bench-lib.sh, once per runner):
#   uap_bench.runner=stock|program|program-sync|builtin
#   uap_bench.barrier   also run "udev-async-probe settle" after udevadm
#                       settle (not for stock)
# Each step leaves a "uap-bench: ..." line in the kernel log, so that the
# host reads every time on the kernel's clock.
out=/dev/ttyS1
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
mark() { echo "uap-bench: $*" >/dev/kmsg; }

runner=stock barrier=
# shellcheck disable=SC2013 # words, not lines
for w in $(cat /proc/cmdline); do
	case $w in
	uap_bench.runner=*) runner=${w#*=} ;;
	uap_bench.barrier) barrier=1 ;;
	esac
done

udevd=/lib/systemd/systemd-udevd
prog=/lib/udev/udev-async-probe
mkdir -p /run/udev/rules.d
case $runner in
stock)
	# Without systemd the package's shipped rules run the program for
	# every device: an empty file of the same name in /run masks them.
	: >/run/udev/rules.d/80-async-probe.rules
	;;
builtin)
	# What udev-async-probe-rules.service does at boot, for the patched
	# udevd this boot runs: the rules take their form from it.
	udevd=/usr/local/lib/uap-test/systemd-udevd-builtin
	"$prog" rules --udevd="$udevd" --output=/run/udev/rules.d/80-async-probe.rules
	;;
program | program-sync)
	# What udev-async-probe-rules.service does at boot.
	"$prog" rules --output=/run/udev/rules.d/80-async-probe.rules
	# The program runs for the same events, but keeps every load
	# synchronous: what the program itself costs, without async probing.
	[ "$runner" = program ] ||
		echo 'SUBSYSTEM=="pci", ENV{ASYNC_PROBE}="0"' >/run/udev/rules.d/70-uap-bench-sync.rules
	;;
*)
	echo "uap-bench: unknown runner $runner" >"$out"
	poweroff -f
	;;
esac

SYSTEMD_LOG_LEVEL=notice "$udevd" --daemon
mark "trigger ($runner)"
t0=$(ms)
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=300
t1=$(ms)
mark "udevadm settle returned"
# The project's barrier, after udevadm settle as a boot would run it.
if [ -n "$barrier" ] && [ "$runner" != stock ]; then
	"$prog" settle --timeout=120 >/run/uap-settle.log 2>&1
	mark "udev-async-probe settle returned $?"
fi
# Every probe the kernel started asynchronously since the trigger has ended.
. /usr/local/lib/uap-test/lib.sh
pending=$(wait_probes 1200 "uap-bench: trigger")
t2=$(ms)
{
	echo "uap-bench begin"
	echo "runner $runner"
	echo "settle_ms $((t1 - t0))"
	echo "ended_ms $((t2 - t0))"
	echo "pending ${pending:-none}"
	# The form of the generated rules ("# Form: builtin." or "program.").
	echo "rules_form $(sed -n 's/^# Form: \([a-z]*\)\..*/\1/p' /run/udev/rules.d/80-async-probe.rules)"
	if [ -e /run/uap-settle.log ]; then
		echo "barrier-begin"
		cat /run/uap-settle.log
		echo "barrier-end"
	fi
	echo "dmesg-begin"
	dmesg --color=never
	echo "dmesg-end"
	echo "uap-bench end"
} >"$out" 2>&1
sync
poweroff -f
