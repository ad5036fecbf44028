#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest with disks on q35's AHCI controller
# (qemu-smp.sh -d N): what a synchronous load still guarantees next to a
# real driver loaded with async_probe=1, the cases the RFC's cover letter
# lists. Prints TAP-like lines and "N passed, N failed".
#   1. "modprobe sd_mod async_probe=0" after ahci's scan has found the
#      disks: every disk has its sd device when the load returns (sd
#      prefers asynchronous probing; an explicit async_probe=0 load still
#      waits for those probes, in the default domain).
#   2. "modprobe ahci async_probe=1; modprobe uap_empty": how many disks
#      were there when the second load returned (informative: with the
#      RFC it waits only for the work ahci's probe had queued by then).
DISKS=${UAP_AHCI_DISKS:-2}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
disks() { ls -d /sys/block/sd* 2>/dev/null | wc -l; }
sdevs() { ls -d /sys/bus/scsi/devices/[0-9]*:0:0:0 2>/dev/null | wc -l; }
# wait_for CMD N: up to 120 s for CMD to print N.
wait_for() {
	i=0
	while [ "$($1)" -ne "$2" ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$($1)" -eq "$2" ]
}

modprobe libahci || { not_ok "modprobe libahci"; echo "0 passed, 1 failed"; exit 1; }
modprobe ahci async_probe=1
if wait_for sdevs "$DISKS"; then
	ok "ahci (async_probe=1): $DISKS SCSI disks found, no sd driver yet"
else
	not_ok "ahci: $(sdevs) of $DISKS SCSI disks after 120 s"
fi
modprobe sd_mod async_probe=0
d=$(disks)
[ "$d" -eq "$DISKS" ] && ok "sd_mod async_probe=0 returned with all $DISKS disks bound" ||
	not_ok "sd_mod async_probe=0 returned with $d of $DISKS disks bound"
rmmod ahci && wait_for disks 0 || not_ok "rmmod ahci"

modprobe ahci async_probe=1
modprobe uap_empty
d=$(disks)
echo "# modprobe uap_empty right after modprobe ahci async_probe=1: $d of $DISKS disks there"
wait_for disks "$DISKS" && ok "all $DISKS disks bound afterwards" || not_ok "$(disks) of $DISKS disks bound after 120 s"
rmmod uap_empty
rmmod ahci && wait_for disks 0 || not_ok "rmmod ahci"
rmmod sd_mod
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
