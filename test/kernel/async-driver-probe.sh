#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest (qemu-smp.sh): the kernel's own
# test_async_driver_probe module (drivers/base/test), whose init fails
# when asynchronous and synchronous probes do not run as the driver core
# promises (parallel async probes per node, sync ones in the caller), on
# the kernel with the series. Prints "N passed, N failed".
# Its init prints "Test failed with E errors and W warnings"; busybox's
# modprobe then loads again with init_module(), which may pass, so the
# kernel log decides. A warning is an async probe that did not run on its
# device's NUMA node ("NUMA node mismatch"): on the two-node guest
# (qemu-smp.sh -n) the unbound workqueue's non-strict affinity lets that
# happen (the series does not change where async work runs), so such
# warnings alone are logged, not failed; any error fails.
pass=0 fail=0
modprobe test_async_driver_probe
rc=$?
sum() { sed -n "s/.*test_async_driver_probe: Test failed with \([0-9]*\) errors and \([0-9]*\) warnings.*/\\$1/p" | awk '{ s += $1 } END { print s + 0 }'; }
errors=$(dmesg | sum 1)
warnings=$(dmesg | sum 2)
mismatch=$(dmesg | grep -c 'NUMA node mismatch')
if [ "$errors" -eq 0 ] && [ "$warnings" -eq "$mismatch" ] && { [ "$rc" -eq 0 ] || [ "$mismatch" -gt 0 ]; }; then
	echo "ok - test_async_driver_probe: no error (modprobe exit $rc, $mismatch NUMA node mismatch warning(s))"
	pass=$((pass + 1))
else
	echo "not ok - test_async_driver_probe failed (modprobe exit $rc, $errors errors, $warnings warnings, $mismatch of them NUMA node mismatches):"
	dmesg | grep -iE 'test_async_driver_probe|async_driver|sync_driver|test failed' | grep -v kobject_release | tail -n 20 | sed 's/^/# /'
	fail=$((fail + 1))
fi
if grep -q '^test_async_driver_probe ' /proc/modules; then
	rmmod test_async_driver_probe || { echo "not ok - rmmod test_async_driver_probe"; fail=$((fail + 1)); }
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
