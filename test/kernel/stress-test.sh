#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside UML on the test kernel or the debug kernel (lockdep + KASAN,
# uml-stress.sh [--debug]) and
# in the x86_64 SMP guest (qemu-smp.sh: KASAN, lockdep,
# DEBUG_KOBJECT_RELEASE, 4 CPUs). Load/unload loops while module-requested
# and PROBE_PREFER_ASYNCHRONOUS async probes are in flight: unrelated
# synchronous loads, wait_for_device_probe(), devices added and removed
# during probes, rmmod with probes pending. The checks here are only that
# every round ends clean; the runner fails the run on any kernel
# WARNING/BUG (lockdep reports and KASAN reports are both).

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

ROUNDS=${UAP_ROUNDS:-12}
BUS=/sys/bus/uaptest
echo "# kernel $(uname -r), $ROUNDS rounds"
# KASAN prints no banner on UML; build.sh checked debug.config instead.
# UAP_LOCKDEP=0: the plain UML test kernel (uml-stress.sh without --debug).
if [ "${UAP_LOCKDEP:-1}" = 1 ]; then
	[ -e /proc/lockdep ] && ok "lockdep is on" || not_ok "lockdep is off"
fi

# drivers_gone: up to 5 s for the last round's drivers to leave /sys/bus.
# With DEBUG_KOBJECT_RELEASE (qemu-smp.sh's kernel) a driver's directory
# goes when its delayed kobject release runs, 1-4 s after rmmod; loading
# the module again before then fails with -EEXIST and a sysfs warning.
drivers_gone() {
	j=0
	while [ -n "$(ls -d $BUS/drivers/* /sys/bus/uapother/drivers/* 2>/dev/null)" ] &&
		[ $j -lt 50 ]; do
		sleep 0.1
		j=$((j + 1))
	done
	[ $j -lt 50 ] || not_ok "drivers still in /sys/bus 5 s after rmmod"
}

modprobe uap_bus ndevs=4 test_kinds=uap_slow,uap_prefer ||
	{ echo "not ok - modprobe uap_bus"; exit 1; }
i=0
while [ $i -lt $ROUNDS ]; do
	drivers_gone
	delay=$((50 + i * 37 % 400))
	modprobe uap_slow async_probe=1 delay_ms=$delay
	modprobe uap_other async_probe=1 delay_ms=$delay
	modprobe uap_prefer async_probe=1 delay_ms=$delay &
	[ $i -lt 8 ] && echo uap_slow >$BUS/add_device
	modprobe uap_empty &
	[ $((i % 3)) -eq 0 ] && modprobe uap_waitprobe &
	[ $((i % 2)) -eq 1 ] && (echo "uap_slow.$((i % 4))" >$BUS/remove_device) 2>/dev/null &
	sleep "0.0$((i % 10))"
	rmmod uap_slow || not_ok "round $i: rmmod uap_slow"
	wait
	rmmod uap_other || not_ok "round $i: rmmod uap_other"
	rmmod uap_prefer || not_ok "round $i: rmmod uap_prefer"
	rmmod uap_empty || not_ok "round $i: rmmod uap_empty"
	rmmod uap_waitprobe 2>/dev/null
	n=$(ls -d $BUS/devices/*/driver /sys/bus/uapother/devices/*/driver 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] && ok "round $i (probe ${delay} ms): nothing left bound" ||
		not_ok "round $i: $n devices still bound"
	i=$((i + 1))
done
rmmod uap_bus || not_ok "rmmod uap_bus"
[ -e $BUS ] && not_ok "bus uaptest still registered" || ok "uap_bus unloaded"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
