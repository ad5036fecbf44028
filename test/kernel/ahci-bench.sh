#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest with disks on q35's AHCI controller
# (test/bench/sync-load-latency.sh --ahci boots it). Times a synchronous
# load of an empty module (uap_empty) right after "modprobe ahci
# async_probe=1" returns, while ahci's port probes and sd's disk probes
# run, and counts the disks present when it returns. Prints RESULT lines.
# UAP_AHCI_DISKS: disks attached; UAP_AHCI_ROUNDS: rounds (default 5).

DISKS=${UAP_AHCI_DISKS:-6}
ROUNDS=${UAP_AHCI_ROUNDS:-5}
now_ms() {
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + 1${up#*.} * 10 - 1000))
}
disks() { ls -d /sys/block/sd* 2>/dev/null | wc -l; }
# wait_disks N: up to 120 s for N disks.
wait_disks() {
	i=0
	while [ "$(disks)" -ne "$1" ] && [ $i -lt 12000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	[ "$(disks)" -eq "$1" ]
}

# The libraries first, so that the rounds time ahci's probes, not the
# loading of libata and sd_mod.
modprobe sd_mod && modprobe libahci || { echo "RESULT error=modprobe"; exit 1; }
t0=$(now_ms); modprobe uap_empty; t1=$(now_ms); rmmod uap_empty
echo "RESULT what=idle empty_ms=$((t1 - t0))"

t0=$(now_ms); modprobe ahci; t1=$(now_ms)
echo "RESULT what=sync ahci_ms=$((t1 - t0)) disks_at_return=$(disks)"
wait_disks "$DISKS" || { echo "RESULT error=disks $(disks) of $DISKS"; exit 1; }
rmmod ahci && wait_disks 0

r=1
while [ $r -le "$ROUNDS" ]; do
	t0=$(now_ms)
	modprobe ahci async_probe=1
	t1=$(now_ms)
	modprobe uap_empty
	t2=$(now_ms)
	d=$(disks)
	wait_disks "$DISKS" || { echo "RESULT error=disks $(disks) of $DISKS"; exit 1; }
	t3=$(now_ms)
	echo "RESULT what=round ahci_ms=$((t1 - t0)) empty_ms=$((t2 - t1)) disks_at_return=$d all_disks_ms=$((t3 - t0))"
	rmmod uap_empty
	rmmod ahci && wait_disks 0
	r=$((r + 1))
done
