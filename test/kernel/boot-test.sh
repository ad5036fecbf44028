#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside UML (uml-run.sh; uml-boot.sh boots it with
# driver_async_probe=uap_forcesync). Loads the test drivers with and
# without async probing requested and checks that
# /sys/module/<m>/async_probe_requested and
# /sys/bus/<bus>/drivers/<d>/async_probe say what really happened, as
# recorded by each probe's current_is_async(); that /sys/kernel/async_pending
# counts the probes and poll() wakes on both edges (poll-pending.py), counts
# a deferred probe's retry while it runs but not the device while it waits;
# and that the driver's file goes with rmmod.

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

# expect DESCRIPTION FILE VALUE
expect() {
	got=$(cat "$2" 2>/dev/null || echo "<missing>")
	if [ "$got" = "$3" ]; then
		ok "$1: $2 = $3"
	else
		not_ok "$1: $2 = $got, expected $3"
	fi
}

# Waits up to 20 s for every device of kind $2 on bus $1 to have finished
# probing: the "driver" link appears before probe() runs, "probed" after.
wait_bound() {
	i=0
	while [ $i -lt 200 ]; do
		n=0
		for d in /sys/bus/$1/devices/$2.*; do
			[ -e "$d/probed" ] || n=$((n + 1))
		done
		[ $n -eq 0 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# check_driver BUS DRIVER MODULE_ASYNC DRIVER_ASYNC HOW: the two sysfs
# files, then every device of that kind bound and probed HOW.
check_driver() {
	bus=$1 drv=$2
	expect "$drv" "/sys/module/$drv/async_probe_requested" "$3"
	expect "$drv" "/sys/bus/$bus/drivers/$drv/async_probe" "$4"
	if wait_bound "$bus" "$drv"; then
		ok "$drv: all devices probed"
	else
		not_ok "$drv: devices left unprobed after 20 s"
	fi
	for d in /sys/bus/$bus/devices/$drv.*; do
		expect "$drv" "$d/probed" "$5"
	done
}

# load MODULE [ARGS...]: modprobe, report how long it blocked.
load() {
	t0=$(date +%s%N)
	if modprobe "$@"; then
		echo "# modprobe $* returned after $((($(date +%s%N) - t0) / 1000000)) ms"
	else
		not_ok "modprobe $* failed"
	fi
}

# rmmod, not modprobe -r: that would unload uap_bus with its devices too.
unload() {
	rmmod "$1" || not_ok "rmmod $1 failed"
}

NDEVS=3
PENDING=/sys/kernel/async_pending
echo "# kernel $(uname -r), cmdline: $(cat /proc/cmdline)"
load uap_bus ndevs=$NDEVS
n=$(ls -d /sys/bus/uaptest/devices/uap_slow.* | wc -l)
[ "$n" -eq "$NDEVS" ] && ok "bus: $n uap_slow devices" || not_ok "bus: $n uap_slow devices, expected $NDEVS"
expect "bus" /sys/bus/uaptest/devices/uap_slow.0/modalias "uaptest:uap_slow"
expect "bus" /sys/bus/uapother/devices/uap_other.0/modalias "uapother:uap_other"
expect "bus" /sys/module/module/parameters/async_probe "N"

echo "# 1. plain load: synchronous, probes done when modprobe returns"
load uap_slow delay_ms=200
for d in /sys/bus/uaptest/devices/uap_slow.*; do
	if [ -e "$d/probed" ]; then
		ok "uap_slow: $d probed before modprobe returned"
	else
		not_ok "uap_slow: $d not probed when synchronous modprobe returned"
	fi
done
check_driver uaptest uap_slow 0 0 sync
unload uap_slow

echo "# 2. async_probe=1: asynchronous"
load uap_slow async_probe=1 delay_ms=200
n=$(ls -d /sys/bus/uaptest/devices/uap_slow.*/probed 2>/dev/null | wc -l)
echo "# $n of $NDEVS probes finished when modprobe returned (timing, informative only)"
check_driver uaptest uap_slow 1 1 async
unload uap_slow

echo "# 3. forced synchronous driver, async requested and named on the command line"
load uap_forcesync async_probe=1 delay_ms=50
check_driver uaptest uap_forcesync 1 0 sync
unload uap_forcesync

echo "# 4. module.async_probe=1 default, then an explicit async_probe=0 over it"
echo 1 >/sys/module/module/parameters/async_probe
load uap_other delay_ms=50
check_driver uapother uap_other 1 1 async
unload uap_other
load uap_other async_probe=0 delay_ms=50
check_driver uapother uap_other 0 0 sync
unload uap_other
echo 0 >/sys/module/module/parameters/async_probe

echo "# 5. async_probe of every driver on the test buses matches how its devices probed"
load uap_slow async_probe=1 delay_ms=10
load uap_forcesync delay_ms=10
wait_bound uaptest uap_slow
for d in /sys/bus/uaptest/devices/*; do
	drv=$(basename "$(readlink "$d/driver")")
	how=sync
	[ "$(cat "/sys/bus/uaptest/drivers/$drv/async_probe")" = 1 ] && how=async
	expect "$(basename "$d")" "$d/probed" "$how"
done
unload uap_slow
unload uap_forcesync

echo "# 6. /sys/kernel/async_pending: the probes, then 0; poll() on both edges"
expect "idle" $PENDING 0
load uap_slow async_probe=1 delay_ms=1500
expect "right after the load" $PENDING $NDEVS
out=$(python3 "$UAP_RUN/poll-pending.py" fall 10)
echo "# fall: $out"
case $out in
"before=$NDEVS notified=yes after=0 "*"probed=$NDEVS") ok "poll() woke when the count dropped to 0, every device probed" ;;
*) not_ok "poll() on the drop to 0: $out" ;;
esac
unload uap_slow
out=$(python3 "$UAP_RUN/poll-pending.py" rise 10 modprobe uap_slow async_probe=1 delay_ms=1000)
echo "# rise: $out"
case $out in
"before=0 notified=yes after="[1-9]*) ok "poll() woke when the count rose from 0, read it above 0" ;;
*) not_ok "poll() on the rise from 0: $out" ;;
esac
wait_bound uaptest uap_slow
unload uap_slow

echo "# 7. a deferred probe: not counted while it waits, counted while its retry runs"
echo uap_defer >/sys/bus/uaptest/add_device
dev=/sys/bus/uaptest/devices/uap_defer.$NDEVS
load uap_defer delay_ms=1500
[ -e "$dev/driver" ] && not_ok "uap_defer: $dev bound, expected its probe to defer" ||
	ok "uap_defer: $dev deferred"
expect "a device waiting on the deferred list" $PENDING 0
echo 1 >/sys/module/uap_defer/parameters/ready
expect "ready, nothing has triggered the retry" $PENDING 0
# uap_slow's successful probe triggers the retry, whose probe takes 1.5 s.
load uap_slow delay_ms=10
got=$(cat $PENDING)
[ -e "$dev/probed" ] && not_ok "uap_defer: retried before the check could see it (timing)" ||
	{ [ "$got" -ge 1 ] 2>/dev/null && ok "the retry triggered by a probe is counted while it runs: $PENDING = $got" ||
		not_ok "the retry triggered by a probe runs and $PENDING = $got, expected 1 or more"; }
out=$(UAP_KIND=uap_defer python3 "$UAP_RUN/poll-pending.py" fall 10)
echo "# deferred retry: $out"
case $out in
*"notified=yes after=0 "*"probed=1") ok "poll() woke when the count dropped to 0, the deferred device probed" ;;
*) not_ok "poll() after the deferred retry: $out" ;;
esac
expect "uap_defer" "$dev/probed" sync
unload uap_slow
unload uap_defer

echo "# 8. the driver's async_probe file goes with rmmod; a reader holding it gets an error"
load uap_slow delay_ms=10
exec 3<"/sys/bus/uaptest/drivers/uap_slow/async_probe"
unload uap_slow
if got=$(cat <&3 2>/dev/null); then
	not_ok "read of the removed driver's async_probe gave '$got'"
else
	ok "read of the removed driver's async_probe failed"
fi
exec 3<&-
unload uap_bus
[ -e /sys/bus/uaptest ] && not_ok "bus uaptest still registered" || ok "uap_bus unloaded"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
