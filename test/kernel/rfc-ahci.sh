#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest with disks on q35's AHCI controller
# (qemu-smp.sh -d N): what a synchronous load still guarantees next to a
# real driver loaded with async_probe=1, the cases the RFC's cover letter
# lists. Prints TAP-like lines and "N passed, N failed".
#   "modprobe sd_mod async_probe=0" after ahci's scan has found the
#      disks: every disk has its sd device when the load returns (sd
#      prefers asynchronous probing; an explicit async_probe=0 load still
#      waits for those probes, in the default domain).
# No module is unloaded: removing the disks (rmmod ahci, then sd_mod) on
# this 7.2.8 KASAN kernel with DEBUG_KOBJECT_RELEASE is followed by a
# KASAN slab-use-after-free in the timer softirq on a gendisk sd_probe
# allocated and bdev_free_inode() freed (ahci-unload.sh: on the first
# unload, each disk's gendisk, 1 and 4 s after its 'queue' kobject's
# delayed release was logged). The block layer's own, by the code:
# disk_release() drops the gendisk's embedded queue kobject, whose release
# DEBUG_KOBJECT_RELEASE defers by 1-4 s with a timer inside that kobject,
# then frees the gendisk through the bdev inode with the timer queued; the
# series touches neither. Linux 7.2.8 without any series reports the same
# on its first unload (same object, offset 1048 of the gendisk). The
# rounds of ahci-bench.sh unload ahci (run it by hand); the sequential-load case
# ("modprobe ahci async_probe=1; modprobe uap_empty") is measured there.
DISKS=${UAP_AHCI_DISKS:-2}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
. /tests/ahci-guest.sh

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
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
