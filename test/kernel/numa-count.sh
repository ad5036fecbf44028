#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest booted with two NUMA nodes (qemu-smp.sh -n
# -d N): the disks hang off an AHCI controller behind a PCIe expander
# bridge of node 1, so pci_call_probe() runs ahci's probe in a work item
# on a CPU of node 1, not in the task that asked for it. An attribution of
# pending work to the loading module lost that hop (the count read 0 while
# the disks were still being scanned); /sys/kernel/async_pending counts
# every pending entry, wherever it runs. Checked here, with the loader
# pinned to node 0's CPUs and sd_mod loaded first:
#   - the controller with the disks reads numa_node 1, nodes 0 and 1 have
#     CPUs 0-1 and 2-3, and ahci's probe messages come from a kworker
#     bound to a CPU of node 1 (CONFIG_PRINTK_CALLER: [T<pid>]);
#   - after "modprobe ahci async_probe=1" returns, the first read of
#     /sys/kernel/async_pending that says 0 finds all N disks with their
#     sd block device.
# Informative, not checked: the disks present when "modprobe uap_empty",
# run right after the ahci load, returns. Unloads nothing (see rfc-ahci.sh).
# Prints TAP-like lines and "N passed, N failed".
DISKS=${UAP_AHCI_DISKS:-2}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (read '$1', want '$2')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }
now_ms() {
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + 1${up#*.} * 10 - 1000))
}
# count_disks: D = number of sd block devices (a glob, no fork, so that it
# runs right after the count's read).
count_disks() {
	set -- /sys/block/sd*
	if [ -e "$1" ]; then D=$#; else D=0; fi
}
read_file() { cat "$1" 2>/dev/null || echo "?"; }

# The topology qemu-smp.sh -n builds.
check "$(read_file /sys/devices/system/node/node0/cpulist)" 0-1 "node 0 has CPUs 0-1"
check "$(read_file /sys/devices/system/node/node1/cpulist)" 2-3 "node 1 has CPUs 2-3"
ctl="" others=""
for dev in /sys/bus/pci/devices/*; do
	[ "$(read_file "$dev/class")" = 0x010601 ] || continue
	if [ "$(read_file "$dev/numa_node")" = 1 ]; then
		ctl="$ctl${ctl:+ }${dev##*/}"
	else
		others="$others${others:+ }${dev##*/}"
	fi
done
set -- $ctl
check "$#" 1 "one AHCI controller on node 1: ${ctl:-none} (others: ${others:-none})"
[ "$#" -eq 1 ] || finish
check "$(read_file "/sys/bus/pci/devices/$ctl/local_cpulist")" 2-3 "$ctl: local_cpulist 2-3"

# The loader runs on node 0: this shell and its children.
taskset -p 3 $$ >/dev/null || { not_ok "taskset -p 3 $$"; finish; }
check "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)" 0-1 "the loader is pinned to node 0's CPUs"

modprobe sd_mod && modprobe libahci || { not_ok "modprobe sd_mod libahci"; finish; }
t0=$(now_ms)
modprobe ahci async_probe=1 || { not_ok "modprobe ahci async_probe=1"; finish; }
t1=$(now_ms)
# The poll, beside the sequential load below: reads until the count says
# 0 (at most 120 s), then counts the disks at once.
(
	first="" max=0 reads=0
	while :; do
		read -r c </sys/kernel/async_pending
		reads=$((reads + 1))
		[ -n "$first" ] || first=$c
		[ "$c" -gt "$max" ] && max=$c
		[ "$c" -eq 0 ] && break
		if [ $((reads % 1000)) -eq 0 ] && [ $(($(now_ms) - t1)) -gt 120000 ]; then
			break
		fi
	done
	count_disks
	echo "$c $D $first $max $reads $(($(now_ms) - t1))" >/tmp/numa-count.poll
) &
poller=$!
modprobe uap_empty
t2=$(now_ms)
count_disks
seq_disks=$D
wait "$poller"
read -r c d first max reads zero_ms </tmp/numa-count.poll
echo "# modprobe ahci async_probe=1 took $((t1 - t0)) ms; async_pending read $first first, at most $max, 0 after $zero_ms ms ($reads reads)"
check "$c" 0 "/sys/kernel/async_pending fell to 0 within 120 s"
check "$d" "$DISKS" "all $DISKS disks had their sd block device when async_pending first read 0"
echo "# informative: modprobe uap_empty right after the ahci load returned after $((t2 - t1)) ms with $seq_disks of $DISKS disks"

# The disks are those of the node-1 controller, and its probe ran on node 1.
on_ctl=0
for b in /sys/block/sd*; do
	case $(readlink -f "$b") in */"$ctl"/*) on_ctl=$((on_ctl + 1)) ;; esac
done
check "$on_ctl" "$DISKS" "the $DISKS disks are behind $ctl"
pid=$(dmesg | sed -n "s/^\[[^]]*\]\[ *T\([0-9]*\)\] ahci $ctl: .*/\1/p" | head -n 1)
comm=$(read_file "/proc/${pid:-0}/comm")
cpu=${comm#kworker/}
cpu=${cpu%%:*}
if [ -n "$pid" ] && [ -d "/sys/devices/system/cpu/cpu$cpu/node1" ]; then
	ok "ahci's probe of $ctl ran in $comm (pid $pid), on CPU $cpu of node 1"
else
	not_ok "ahci's probe of $ctl: printed by pid '${pid:-?}' ($comm), not a kworker of a node 1 CPU"
	dmesg | grep " ahci $ctl: " | head -n 3 | sed 's/^/# /'
fi
# Informative: when the controller and its ports were probed (kernel log).
dmesg | grep -E " ahci $ctl: | ata[0-9]+(\.00)?: (SATA link|ATA-|[0-9]+ sectors)| sd [0-9:]+: \[sd" | head -n 16 | sed 's/^/# /'
finish
