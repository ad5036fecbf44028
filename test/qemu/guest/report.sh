#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs once the guest has booted (report.service): waits until every
# probe the kernel started asynchronously has ended, then writes what the
# host checks to the second serial port and powers off. POSIX sh.
out=/dev/ttyS1

. /usr/local/lib/uap-test/lib.sh
udevadm settle --timeout=120
# With the package, its barrier: when it returns, no probe should be left
# pending by the kernel's own record. Stock has only udev's settle.
barrier=none
if command -v udev-async-probe >/dev/null; then
	b0=$(cut -d' ' -f1 /proc/uptime)
	udev-async-probe settle --timeout=120 >/run/uap-settle.log 2>&1
	barrier="exit $? in $(awk -v t="$b0" '{ printf "%.2f", $1 - t }' /proc/uptime) s, left pending: $(pending_probes | paste -sd ' ')"
fi
# Then wait, bounded, for every asynchronous probe to end.
t0=$(cut -d' ' -f1 /proc/uptime)
pending=$(wait_probes 600)
t1=$(cut -d' ' -f1 /proc/uptime)

{
	echo "uap-report begin"
	echo "kernel $(uname -r)"
	echo "cmdline $(cat /proc/cmdline)"
	echo "root $(findmnt -n -o SOURCE,FSTYPE /)"
	# Its version tag (udevadm --version has the number only).
	for u in /usr/lib/systemd/systemd-udevd /lib/systemd/systemd-udevd; do
		[ -x "$u" ] && echo "udevd-version $("$u" --version 2>&1)" && break
	done
	echo "barrier $barrier"
	[ -e /run/uap-settle.log ] && sed 's/^/barrier-output /' /run/uap-settle.log
	echo "pending-after-wait ${pending:-none} (waited $t0 to $t1 s after boot)"
	for d in /sys/bus/pci/devices/*; do
		drv=-
		[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		echo "pci ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") $drv $(cat "$d/modalias")"
	done
	for m in /sys/module/*/initstate; do
		m=${m%/initstate}
		echo "module ${m##*/}"
	done
	# Which module registered each driver, as the kernel links them.
	for d in /sys/bus/*/drivers/*; do
		[ -e "$d/module" ] || continue
		b=${d%/drivers/*}
		echo "driver ${b##*/} ${d##*/} $(basename "$(readlink "$d/module")")"
	done
	# The trace the generated rules leave in the udev database.
	for d in /sys/bus/pci/devices/*; do
		v=$(udevadm info -q property -p "$d" 2>/dev/null | sed -n 's/^UDEV_ASYNC_PROBE_REQUESTED=//p')
		echo "pci-requested ${d##*/} ${v:--}"
	done
	if command -v udev-async-probe >/dev/null; then
		echo "status-begin"
		udev-async-probe status 2>&1
		echo "status-end"
		echo "rules-service $(systemctl show -P Result udev-async-probe-rules.service 2>&1)"
		# When it last left and re-entered "inactive" (a oneshot), in us.
		echo "rules-service-times $(systemctl show -P InactiveExitTimestampMonotonic udev-async-probe-rules.service)" \
			"$(systemctl show -P InactiveEnterTimestampMonotonic udev-async-probe-rules.service)"
		echo "journal-begin"
		journalctl -b --no-pager -o short-monotonic SYSLOG_IDENTIFIER=udev-async-probe 2>&1
		echo "journal-end"
		echo "rules-service-journal-begin"
		journalctl -b --no-pager -o short-monotonic -u udev-async-probe-rules.service 2>&1
		echo "rules-service-journal-end"
		echo "generated-rules-begin"
		cat /run/udev/rules.d/80-async-probe.rules 2>&1
		echo "generated-rules-end"
	fi
	# uap_test.journal on the command line: the whole journal too
	# (test/report/capture.sh --qemu), without colours (this is a tty).
	if grep -qw uap_test.journal /proc/cmdline; then
		echo "full-journal-begin"
		SYSTEMD_COLORS=0 journalctl -b --no-pager -o short-monotonic 2>&1
		echo "full-journal-end"
	fi
	echo "dmesg-begin"
	dmesg --color=never
	echo "dmesg-end"
	echo "uap-report end"
} >"$out" 2>&1

systemctl poweroff --force
