#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest with disks on an AHCI controller
# (qemu-smp.sh -d N ahci-unload; by hand, not in the suite): loads and
# unloads ahci and sd_mod in rounds, three ways per round -- the order of
# rfc-ahci.sh (ahci async_probe=1, its disks found, then sd_mod
# async_probe=0), sd_mod then plain ahci, sd_mod then ahci async_probe=1 --
# each time waiting for the disks, then "rmmod ahci; rmmod sd_mod" and 5 s
# for the delayed kobject releases of DEBUG_KOBJECT_RELEASE. Prints one
# line per load with the KASAN reports in dmesg so far, so that a report
# can be placed; qemu-smp.sh fails on any report.
# UAP_AHCI_DISKS: disks attached (default 2); UAP_UNLOAD_ROUNDS (default 3).
DISKS=${UAP_AHCI_DISKS:-2}
ROUNDS=${UAP_UNLOAD_ROUNDS:-3}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
. /tests/ahci-guest.sh
kasan() { dmesg | grep -c 'BUG: KASAN'; }

modprobe libahci || { not_ok "modprobe libahci"; echo "0 passed, 1 failed"; exit 1; }
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for how in rfc-order plain async; do
		case $how in
		rfc-order)
			modprobe ahci async_probe=1 && wait_for sdevs "$DISKS" &&
				modprobe sd_mod async_probe=0 ;;
		plain) modprobe sd_mod && modprobe ahci ;;
		async) modprobe sd_mod && modprobe ahci async_probe=1 ;;
		esac
		wait_for disks "$DISKS" || not_ok "round $r $how: $(disks) of $DISKS disks"
		rmmod ahci || not_ok "round $r $how: rmmod ahci"
		rmmod sd_mod || not_ok "round $r $how: rmmod sd_mod"
		sleep 5
		k=$(kasan)
		if [ "$k" -eq 0 ]; then
			ok "round $r $how: disks bound, ahci and sd_mod unloaded, no KASAN report"
		else
			not_ok "round $r $how: $k KASAN report(s) in dmesg so far"
		fi
	done
	r=$((r + 1))
done
# Where a report points, next to the delayed releases of the disks' queue
# kobjects (DEBUG_KOBJECT_RELEASE logs them at info level).
dmesg | grep -E "BUG: KASAN|at addr|'queue' \(" | head -n 20 | sed 's/^/# /'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
