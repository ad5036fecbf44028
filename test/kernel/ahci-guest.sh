# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the phases that count disks in the x86_64 guest (rfc-ahci.sh,
# ahci-unload.sh); qemu-smp.sh puts it in /tests.
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
