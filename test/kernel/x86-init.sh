#!/bin/busybox sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 of the x86_64 SMP guest (qemu-smp.sh puts it in the initramfs as
# /init, with busybox, the modules and the test scripts in /tests). Runs
# the phases named in UAP_TESTS (kernel command line) in order, each as
# "sh /tests/<phase>.sh", prints "UAP-STATUS <phase> <exit status>" after
# each, then the kernel reports found in dmesg, then reboots (qemu exits).
/bin/busybox mkdir -p /proc /sys /dev /usr/bin /usr/sbin /sbin /tmp
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo "uap-init: $(uname -r), $(nproc) CPUs, phases: $UAP_TESTS"
for phase in $UAP_TESTS; do
	echo "uap-init: phase $phase"
	read -r t0 _ </proc/uptime
	(cd /tests && sh "/tests/$phase.sh")
	status=$?
	read -r t1 _ </proc/uptime
	echo "uap-init: phase $phase took $((${t1%.*} - ${t0%.*})) s"
	echo "UAP-STATUS $phase $status"
done

# Reports printed below the console log level end up here only.
dmesg | grep -E '(WARNING:|BUG:|Oops|general protection fault|Call Trace|KASAN|circular locking|inconsistent lock state|lock held when returning|possible recursive locking|suspicious RCU usage|kobject: .*not initialized)' |
	sed 's/^/UAP-DMESG /'
echo "UAP-DONE"
sync
# qemu runs with -no-reboot: a reboot ends it, ACPI or not.
reboot -f
