#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs once the guest has booted (report.service): waits until the PCI
# devices that have a driver module are bound, then writes what the host
# checks to the second serial port and powers off. POSIX sh.
out=/dev/ttyS1

udevadm settle --timeout=120
# TODO(settle): once "udev-async-probe settle" exists, use it here and
# check that it leaves nothing to the loop below.

# Async probes may still run after settle: wait, bounded, until every
# one the kernel started ("probing driver X asynchronously", dd.c's
# dynamic debug) has logged its end ("driver X async attach completed").
waited=0
while :; do
	started=$(dmesg | grep -c ': probing driver .* asynchronously$')
	ended=$(dmesg | grep -c ': driver .* async attach completed: ')
	[ "$started" -le "$ended" ] || [ $waited -ge 600 ] && break
	sleep 0.1
	waited=$((waited + 1))
done

{
	echo "uap-report begin"
	echo "kernel $(uname -r)"
	echo "cmdline $(cat /proc/cmdline)"
	echo "root $(findmnt -n -o SOURCE,FSTYPE /)"
	echo "async-probes started $started ended $ended (waited ${waited}00 ms after settle)"
	for d in /sys/bus/pci/devices/*; do
		drv=-
		[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		echo "pci ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") $drv $(cat "$d/modalias")"
	done
	for m in /sys/module/*/initstate; do
		m=${m%/initstate}
		echo "module ${m##*/}"
	done
	for f in /usr/lib/udev/rules.d/80-async-probe.rules /run/udev/rules.d/80-async-probe.rules; do
		[ -e "$f" ] && echo "rules-file $f $(grep -c 'RUN' "$f")"
	done
	if command -v udev-async-probe >/dev/null; then
		echo "status-begin"
		udev-async-probe status 2>&1
		echo "status-end"
		echo "rules-service $(systemctl is-active udev-async-probe-rules.service 2>&1)"
	fi
	echo "dmesg-begin"
	dmesg
	echo "dmesg-end"
	echo "uap-report end"
} >"$out" 2>&1

systemctl poweroff --force
