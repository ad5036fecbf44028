#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside UML (uml-run.sh; uml-probe-domain.sh boots it) and in the
# x86_64 SMP guest (qemu-smp.sh, busybox). Asynchronous
# probes that a module requested (async_probe=1) against everything that
# must or must not wait for them, told apart by the driver's in_flight
# counter (probes running now), not by wall time alone:
#   1. a synchronous load of an unrelated module (uap_empty) returns while
#      they are still running; UAP_EXPECT=unpatched (a kernel without the
#      patch) expects the opposite: the load waited for all of them;
#   2. a probe queued when a device appears after the driver is waited
#      for, on both kernels: the load that adds a device waits for its probe;
#   3. wait_for_device_probe() (uap_waitprobe's init) waits for them;
#   4. rmmod of their module waits for them and leaves no device bound;
#   5. removing a device whose probe is running waits for it and unbinds;
#   6. a sync load still waits for PROBE_PREFER_ASYNCHRONOUS probes.
# Checks 2-6 hold on both kernels. In 1, both count the probes in
# /sys/kernel/async_pending (the count is in the core series). In 4, the
# driver's async_probe file, held open across rmmod, reads as an error
# (on the KASAN kernel with DEBUG_KOBJECT_RELEASE of qemu-smp.sh, a read
# of freed module memory would be reported).

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
# check DESCRIPTION TEST-EXPRESSION...; check_run DESCRIPTION COMMAND...
check() { d=$1; shift; if [ "$@" ]; then ok "$d"; else not_ok "$d"; fi; }
check_run() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

expect=${UAP_EXPECT:-patched}
NDEVS=4
BUS=/sys/bus/uaptest
# ms since boot; busybox date has no %N, so from /proc/uptime (10 ms).
now_ms() {
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + 1${up#*.} * 10 - 1000))
}
# in_flight [DRIVER]: probes of DRIVER (uap_slow) running now.
in_flight() { cat "$BUS/drivers/${1:-uap_slow}/in_flight" 2>/dev/null || echo 0; }

# wait_in_flight N [DRIVER]: up to 10 s for N probes to be running.
wait_in_flight() {
	i=0
	while [ "$(in_flight "$2")" -ne "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(in_flight "$2")" -eq "$1" ]
}

# Number of uap_slow devices with a bound, finished probe / bound at all.
n_probed() { ls -d $BUS/devices/uap_slow.*/probed 2>/dev/null | wc -l; }
n_bound() { ls -d $BUS/devices/uap_slow.*/driver 2>/dev/null | wc -l; }
n_async_done() { dmesg | grep -c 'uap_slow\.[0-9]*: probed async'; }

# driver_gone DRIVER: up to 5 s for its directory under /sys/bus to go.
# With DEBUG_KOBJECT_RELEASE (qemu-smp.sh's kernel) it goes only when the
# driver's delayed kobject release runs, 1-4 s after rmmod; loading the
# module again before then fails with -EEXIST and a sysfs warning.
driver_gone() {
	i=0
	while [ -e "$BUS/drivers/$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ ! -e "$BUS/drivers/$1" ] || not_ok "$BUS/drivers/$1 still there 5 s after rmmod"
	[ $i -eq 0 ] || echo "# $BUS/drivers/$1 went $((i * 100)) ms after rmmod"
}
# unload MODULE: rmmod it and wait for its driver's directory to go.
unload() { rmmod "$1" || not_ok "rmmod $1 failed"; driver_gone "$1"; }

# timed CMD...: run it, leave its duration in $ms.
timed() {
	t0=$(now_ms)
	"$@" || not_ok "$* failed"
	ms=$(($(now_ms) - t0))
}

echo "# kernel $(uname -r), expecting the $expect behaviour"
modprobe uap_bus ndevs=$NDEVS test_kinds=uap_slow,uap_prefer ||
	{ echo "not ok - modprobe uap_bus"; exit 1; }
ALL=$NDEVS	# uap_slow devices, grows in 2

echo "# 1. sync load of uap_empty while $NDEVS async probes of 3 s run"
modprobe uap_slow async_probe=1 delay_ms=3000
check_run "uap_slow: $ALL probes running" wait_in_flight $ALL
pending=/sys/kernel/async_pending
check "async_pending counts the $ALL probes" "$(cat $pending)" -eq $ALL
timed modprobe uap_empty
left=$(in_flight) probed=$(n_probed)
echo "# modprobe uap_empty took $ms ms; then $left in flight, $probed probed"
if [ "$expect" = patched ]; then
	check "uap_empty init completed while $NDEVS probes still in flight" "$left" -eq $NDEVS
	check "no probe finished before uap_empty's load returned" "$probed" -eq 0
else
	check "unpatched: uap_empty's load waited for every probe" "$left" -eq 0
	check "unpatched: all $NDEVS probed when it returned" "$probed" -eq $NDEVS
fi
check_run "uap_slow: all probes finish" wait_in_flight 0
# in_flight drops inside probe(), the count once the async function returns
i=0
while [ "$(cat $pending 2>/dev/null || echo 0)" -ne 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "async_pending back to 0" "$(cat $pending)" -eq 0
unload uap_empty

echo "# 2. a device added after the async driver: loads wait for its probe"
echo 2500 >/sys/module/uap_slow/parameters/delay_ms
echo uap_slow >$BUS/add_device
ALL=$((NDEVS + 1))
check_run "uap_slow: probe of the added device running" wait_in_flight 1
timed modprobe uap_empty
left=$(in_flight)
echo "# modprobe uap_empty took $ms ms; then $left in flight"
check "uap_empty's load waited for the added device's probe" "$left" -eq 0
check_run "uap_slow: probe finishes" wait_in_flight 0
unload uap_empty
unload uap_slow

echo "# 3. wait_for_device_probe() in a module's init waits for them"
modprobe uap_slow async_probe=1 delay_ms=2000
check_run "uap_slow: $ALL probes running" wait_in_flight $ALL
timed modprobe uap_waitprobe
left=$(in_flight) probed=$(n_probed)
echo "# modprobe uap_waitprobe took $ms ms; then $left in flight, $probed probed"
check "wait_for_device_probe() returned with no probe in flight" "$left" -eq 0
check "all $ALL uap_slow devices probed when it returned" "$probed" -eq $ALL
unload uap_waitprobe

echo "# 4. rmmod of the module while its $ALL probes run"
unload uap_slow
modprobe uap_slow async_probe=1 delay_ms=2000
check_run "uap_slow: $ALL probes running" wait_in_flight $ALL
before=$(n_async_done)
exec 3<$BUS/drivers/uap_slow/async_probe
timed rmmod uap_slow
after=$(n_async_done)
# With DEBUG_KOBJECT_RELEASE, rmmod returns once the module's own delayed
# release has run; the driver's may come before or after it (1-4 s each).
# Only a read before it reads where module memory is gone while the
# driver's kobject lives on: say which this run did.
if [ -e "$BUS/drivers/uap_slow" ]; then
	echo "# the read comes before the driver kobject's delayed release (its directory is still there)"
else
	echo "# the read comes after the driver's directory has gone"
fi
if got=$(cat <&3 2>/dev/null); then
	not_ok "the driver's async_probe, held open across rmmod, read '$got'"
else
	ok "the driver's async_probe, held open across rmmod, reads as an error"
fi
exec 3<&-
# after the read: it must come before the delayed release
driver_gone uap_slow
echo "# rmmod uap_slow took $ms ms; $((after - before)) probes completed meanwhile"
check "rmmod waited for all $ALL probes to complete" $((after - before)) -ge $ALL
check "rmmod took at least 1 s of the 2 s probes" "$ms" -ge 1000
check "no uap_slow device left bound" "$(n_bound)" -eq 0
check "uap_slow module gone" ! -e /sys/module/uap_slow

echo "# 5. a device removed while its probe runs"
modprobe uap_slow async_probe=1 delay_ms=2000
check_run "uap_slow: $ALL probes running" wait_in_flight $ALL
timed sh -c "echo uap_slow.1 >$BUS/remove_device"
echo "# remove_device took $ms ms"
check "uap_slow.1 removed" ! -e $BUS/devices/uap_slow.1
check_run "uap_slow: other probes finish" wait_in_flight 0
check "the other $((ALL - 1)) devices bound" "$(n_probed)" -eq $((ALL - 1))
unload uap_slow

echo "# 6. PROBE_PREFER_ASYNCHRONOUS probes are still waited for by other loads"
# async_probe=1 only so that uap_prefer's own load does not wait for them
modprobe uap_prefer async_probe=1 delay_ms=2000
check_run "uap_prefer: $NDEVS probes running" wait_in_flight $NDEVS uap_prefer
timed modprobe uap_empty
left=$(in_flight uap_prefer)
echo "# modprobe uap_empty took $ms ms; then $left uap_prefer probes in flight"
check "uap_empty's load waited for the PROBE_PREFER_ASYNCHRONOUS probes" "$left" -eq 0
check "uap_empty's load took at least 1 s of the 2 s probes" "$ms" -ge 1000
unload uap_empty
unload uap_prefer
rmmod uap_bus
check "uap_bus unloaded" ! -e $BUS

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
