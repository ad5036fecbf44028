#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest (qemu-smp.sh): the kernel's own
# test_async_driver_probe module (drivers/base/test), whose init fails
# when asynchronous and synchronous probes do not run as the driver core
# promises (parallel async probes per node, sync ones in the caller), on
# the kernel with the series. Prints "N passed, N failed".
pass=0 fail=0
# busybox's modprobe loads again with init_module() when finit_module()
# fails, so a failed init can be followed by a load that passed: the
# kernel log tells.
if modprobe test_async_driver_probe &&
	! dmesg | grep -q 'test_async_driver_probe: Test failed'; then
	echo "ok - test_async_driver_probe loaded: its checks passed"
	pass=$((pass + 1))
	rmmod test_async_driver_probe || { echo "not ok - rmmod test_async_driver_probe"; fail=$((fail + 1)); }
else
	echo "not ok - test_async_driver_probe failed:"
	dmesg | grep -iE 'test_async_driver_probe|async_driver|sync_driver|test failed' | tail -n 20 | sed 's/^/# /'
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
