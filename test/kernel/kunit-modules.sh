#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs in the x86_64 SMP guest (qemu-smp.sh): loads the series' KUnit
# suites as modules, the way a distribution kernel with CONFIG_KUNIT=m
# runs them, then tallies the KTAP results they left in the kernel log.
# Prints one "ok"/"not ok" line per test case, then "N passed, N failed".
# A skipped case is a failure.

# Only the series' suite: the device-model suites of the same directory
# (DM_KUNIT_TEST) failed under DEBUG_KOBJECT_RELEASE in 6.12, where
# platform-device-test registers a second driver "test" while the first
# one's sysfs directory is still there.
pass=0 fail=0
for m in kunit async_probe_test; do
	modprobe "$m" || { echo "not ok - modprobe $m"; fail=$((fail + 1)); }
done

# Test case results are indented by four spaces, suites by none; the
# prefix is the time and, with CONFIG_PRINTK_CALLER, the task.
dmesg | sed -n 's/^\(\[[^]]*\]\)\{1,2\} //p' | grep -E '^    (not )?ok [0-9]+ ' >/tmp/kunit.results
while read -r status rest; do
	[ "$status" = not ] && rest=${rest#ok }
	set -- $rest
	name=$2
	case "$status $rest" in
	not*)
		echo "not ok - kunit $name"; fail=$((fail + 1)) ;;
	*"# SKIP"*)
		echo "not ok - kunit $name skipped: ${rest#*# SKIP}"; fail=$((fail + 1)) ;;
	*)
		echo "ok - kunit $name"; pass=$((pass + 1)) ;;
	esac
done </tmp/kunit.results
[ "$pass" -gt 0 ] || { echo "not ok - no KUnit results in the kernel log"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
