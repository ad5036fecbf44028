# SPDX-License-Identifier: LGPL-2.1-or-later
# The end-to-end scenarios: one table, run by every runner it names.
#   program  Debian's systemd-udevd + the project's rules and program
#   builtin  systemd-udevd with udev-builtin/systemd/backport-252 + the
#            project's rules, which take the builtin form for it
#            (RUN{builtin}+="kmod load --async-probe", no program)
#   stock    Debian's systemd-udevd alone (the problem being solved)
# Sourced both by run-e2e.sh (for the table) and inside UML (for the
# scenario functions, with lib.sh).

# name              runners                 kernel arguments
E2E_TABLE='
whitelisted         program,builtin         -
unlisted            program,builtin         -
property-force      program,builtin         -
property-forbid     program,builtin         -
modprobe-opt-out    program,builtin         -
cmdline-off         program,builtin         udev_async_probe.enable=0
modules-load        program,builtin         -
forced-sync         program,builtin         -
timeout             stock,program,builtin   -
fault-missing       program                 -
fault-crash         program                 -
fault-insert        program                 -
journal-stuck       program                 -
insert-hang         program                 udev.event_timeout=30
insert-slow-kernel  program                 udev.event_timeout=30
run-full            program                 -
exec-count          program                 -
config-change       program                 -
settle-stock        stock                   -
builtin-form        builtin                 -
builtin-line-stock  program                 -
settle-hazard       program,builtin         -
settle-barrier      program,builtin         -
settle-timeout      program                 -
settle-exact        program,builtin         -
settle-chain        program,builtin         -
'

# Every scenario whitelists the test bus "uaptest", as an admin would,
# on top of the shipped configuration.
BUSES='options udev_async_probe buses=uaptest'
PROBE_MS='options uap_slow delay_ms=1000'
SLOW_ONLY='test_kinds=uap_slow other_kinds='
OTHER_ONLY='test_kinds= other_kinds=uap_other'

# 1. a whitelisted bus: async_probe=1, all devices probed in parallel
scenario_whitelisted() {
	conf "$BUSES" "$PROBE_MS"
	start_udevd
	load_bus ndevs=4 $SLOW_ONLY
	expect_driver uaptest uap_slow 1 1 async
	expect_parallel uaptest uap_slow
}

# 2. a bus not in buses=: plain load, probes one after another
scenario_unlisted() {
	conf "$BUSES" 'options uap_other delay_ms=500'
	start_udevd
	load_bus ndevs=4 $OTHER_ONLY
	expect_driver uapother uap_other 0 0 sync
	expect_serial uapother uap_other
}

# 3a. ENV{ASYNC_PROBE}="1" from an earlier rule: async on an unlisted bus
scenario_property_force() {
	conf "$BUSES" 'options uap_other delay_ms=500'
	rule 'SUBSYSTEM=="uapother", ENV{ASYNC_PROBE}="1"'
	start_udevd
	load_bus ndevs=4 $OTHER_ONLY
	expect_driver uapother uap_other 1 1 async
	expect_parallel uapother uap_other
}

# 3b. ENV{ASYNC_PROBE}="0": plain on a whitelisted bus
scenario_property_forbid() {
	conf "$BUSES" 'options uap_slow delay_ms=500'
	rule 'SUBSYSTEM=="uaptest", ENV{ASYNC_PROBE}="0"'
	start_udevd
	load_bus ndevs=4 $SLOW_ONLY
	expect_driver uaptest uap_slow 0 0 sync
	expect_serial uaptest uap_slow
}

# 4. options <driver> async_probe=0 wins over the bus list and the property
scenario_modprobe_opt_out() {
	conf "$BUSES" 'options uap_slow delay_ms=500 async_probe=0'
	rule 'SUBSYSTEM=="uaptest", ENV{ASYNC_PROBE}="1"'
	start_udevd
	load_bus ndevs=4 $SLOW_ONLY
	expect_driver uaptest uap_slow 0 0 sync
	expect_serial uaptest uap_slow
}

# 5. udev_async_probe.enable=0 on the kernel command line turns it all off;
# the builtin runner's rules are made without the command line, as for an
# initramfs, so that the rules themselves must read it (IMPORT{cmdline})
scenario_cmdline_off() {
	expect_file /proc/cmdline "$(cat /proc/cmdline)"
	grep -q 'udev_async_probe.enable=0' /proc/cmdline || not_ok "rescue switch missing from /proc/cmdline"
	conf "$BUSES" 'options uap_slow delay_ms=500'
	rule 'SUBSYSTEM=="uaptest", ENV{ASYNC_PROBE}="1"'
	opts=
	[ "$RUNNER" != builtin ] || opts=--no-kernel-cmdline
	RULES_OPTS=$opts start_udevd
	if [ "$RUNNER" = builtin ]; then
		grep -q 'RUN{builtin}' /run/udev/rules.d/80-async-probe.rules &&
			ok "the rules made without the command line load with the builtin" ||
			not_ok "the rules made without the command line do not use the builtin"
	fi
	load_bus ndevs=4 $SLOW_ONLY
	expect_driver uaptest uap_slow 0 0 sync
}

# 6. systemd-modules-load never goes through the policy: synchronous,
# and every device is bound by the time it returns
scenario_modules_load() {
	conf "$BUSES" 'options uap_slow delay_ms=500'
	modprobe uap_bus ndevs=4 $SLOW_ONLY
	mkdir -p /run/modules-load.d
	echo uap_slow >/run/modules-load.d/e2e.conf
	/lib/systemd/systemd-modules-load /run/modules-load.d/e2e.conf ||
		not_ok "systemd-modules-load failed"
	for d in /sys/bus/uaptest/devices/uap_slow.*; do
		expect_file "$d/probed" sync
	done
	start_udevd
	udevadm trigger --action=add --subsystem-match=uaptest
	udevadm settle -t 30
	expect_file /sys/module/uap_slow/async_probe_requested 0
	expect_file /sys/bus/uaptest/drivers/uap_slow/async_probe 0
}

# 7. PROBE_FORCE_SYNCHRONOUS beats the request, and nothing breaks
scenario_forced_sync() {
	conf "$BUSES" 'options uap_forcesync delay_ms=300'
	start_udevd
	load_bus ndevs=4 test_kinds=uap_forcesync other_kinds=
	expect_driver uaptest uap_forcesync 1 0 sync
}

# 8. the original bug: a probe longer than udev's event timeout
scenario_timeout() {
	conf "$BUSES" 'options uap_slow delay_ms=6000'
	start_udevd --event-timeout=3
	load_bus ndevs=1 $SLOW_ONLY
	if [ "$RUNNER" = stock ]; then
		expect_log 'uap_slow.0: Worker \[[0-9]+\] processing SEQNUM=[0-9]+ killed'
		expect_driver uaptest uap_slow 0 0 sync
		return
	fi
	expect_no_log 'killed|taking a long time'
	if [ "$SETTLE_MS" -lt 3000 ]; then
		ok "udev settled in $SETTLE_MS ms, inside the 3 s event timeout"
	else
		not_ok "udev took $SETTLE_MS ms to settle"
	fi
	expect_driver uaptest uap_slow 1 1 async
}

# 9. faults in the program: the stock rule still binds every device
scenario_fault_missing() {
	conf "$BUSES" 'options uap_slow delay_ms=300'
	rm /usr/lib/udev/udev-async-probe
	start_udevd
	load_bus ndevs=2 $SLOW_ONLY
	expect_driver uaptest uap_slow 0 0 sync
}

scenario_fault_crash() {
	conf "$BUSES" 'options uap_slow delay_ms=300'
	rm /usr/lib/udev/udev-async-probe
	printf '#!/bin/sh\nkill -SEGV $$\n' >/usr/lib/udev/udev-async-probe
	chmod +x /usr/lib/udev/udev-async-probe
	# A crashing program cannot generate rules either: the shipped ones stay.
	SHIPPED_RULES=1 UDEV_LOG_LEVEL=debug start_udevd
	load_bus ndevs=2 $SLOW_ONLY
	expect_log "uap_slow.0: Process 'udev-async-probe load' terminated by signal SEGV"
	expect_driver uaptest uap_slow 0 0 sync
}

scenario_fault_insert() {
	conf "$BUSES" 'options uap_slow delay_ms=300'
	rm /usr/lib/udev/udev-async-probe
	printf '#!/bin/sh\nLD_PRELOAD=%s TRAP_FAIL=uap_slow=EINVAL exec %s "$@"\n' \
		"$STAGE/trap.so" "$STAGE/udev-async-probe" >/usr/lib/udev/udev-async-probe
	chmod +x /usr/lib/udev/udev-async-probe
	UDEV_LOG_LEVEL=debug start_udevd
	load_bus ndevs=2 $SLOW_ONLY
	expect_log "failed to insert 'uap_slow' with async_probe=1 .*Invalid argument"
	expect_driver uaptest uap_slow 0 0 sync
}

# 10. logging can never block: the journal socket exists but nobody reads
# it, and every event logs an error. The shipped fallback rules, so the
# program runs for every device.
scenario_journal_stuck() {
	conf "$BUSES" 'options uap_slow delay_ms=300'
	mkdir -p /run/systemd/journal
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
t = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
t.setblocking(False)
n = 0
try:
    while True:
        t.sendto(b"MESSAGE=filler\n", "/run/systemd/journal/socket"); n += 1
except BlockingIOError:
    pass
print(n, flush=True)
sys.stdout.close()
os.close(1)
import time
time.sleep(3600)' >/run/journal-fill &
	sleep 1
	note "journal socket filled with $(cat /run/journal-fill) datagrams, never read"
	wrap_program "LD_PRELOAD=$STAGE/trap.so TRAP_FAIL=uap_slow=EINVAL"
	SHIPPED_RULES=1 UDEV_LOG_LEVEL=debug start_udevd --event-timeout=20
	load_bus ndevs=2 $SLOW_ONLY
	expect_no_log 'killed|taking a long time'
	if [ "$SETTLE_MS" -lt 10000 ]; then
		ok "udev settled in $SETTLE_MS ms"
	else
		not_ok "udev took $SETTLE_MS ms to settle"
	fi
	expect_log "failed to insert 'uap_slow' with async_probe=1 .*Invalid argument"
	expect_driver uaptest uap_slow 0 0 sync
}

# 11. the program stalls before its insert reaches the kernel (the trap
# sleeps in user space), past udev's event timeout (30 s, from the kernel
# command line, where udevd and the program both read it): the program
# returns at its deadline (a third: 10 s), udev's kmod load binds the device
scenario_insert_hang() {
	conf "$BUSES" 'options uap_slow delay_ms=300'
	wrap_program "LD_PRELOAD=$STAGE/trap.so TRAP_SLEEP=uap_slow=600"
	UDEV_LOG_LEVEL=debug start_udevd
	load_bus ndevs=2 $SLOW_ONLY
	expect_no_log 'killed'
	if [ "$SETTLE_MS" -ge 10000 ] && [ "$SETTLE_MS" -lt 30000 ]; then
		ok "udev settled in $SETTLE_MS ms: after the program's 10 s deadline, inside the 30 s event timeout"
	else
		not_ok "udev took $SETTLE_MS ms to settle"
	fi
	expect_log 'Inserts still running after 10 s'
	expect_driver uaptest uap_slow 0 0 sync
}

# 12. /run is full: nothing the program writes there matters to the device
# (the shipped rules and an invalid configuration, so every event runs the
# program and tries to record its warning under /run)
scenario_run_full() {
	conf 'options udev_async_probe buses=uaptest bogus=1' 'options uap_slow delay_ms=300'
	SHIPPED_RULES=1 UDEV_LOG_LEVEL=debug start_udevd
	mount -o remount,size=4m /run || not_ok "cannot shrink /run"
	dd if=/dev/zero of=/run/e2e-fill bs=64k 2>/dev/null || true
	note "/run: $(df -k /run | awk 'NR == 2 { print $4 }') KiB left"
	load_bus ndevs=2 $SLOW_ONLY
	expect_no_log 'killed'
	expect_driver uaptest uap_slow 0 0 sync
	# The flag could not be written, so each event's run warned.
	warned=$(dmesg | grep -c 'Ignoring udev_async_probe options' || true)
	[ "$warned" -ge 2 ] && ok "the program ran and warned for each of the 2 events ($warned)" ||
		not_ok "the program warned $warned times, expected one per event"
	rm -f /run/e2e-fill
}

# 13. generated rules: no device on an unlisted bus runs the program
scenario_exec_count() {
	conf "$BUSES" 'options uap_slow delay_ms=300' 'options uap_other delay_ms=300'
	wrap_program ""
	start_udevd
	load_bus ndevs=4 test_kinds=uap_slow other_kinds=uap_other
	expect_driver uaptest uap_slow 1 1 async
	expect_driver uapother uap_other 0 0 sync
	execs=$(grep -c . /run/e2e-execs 2>/dev/null || echo 0)
	others=$(grep -c uap_other /run/e2e-execs 2>/dev/null || true)
	note "program runs: $execs ($(sort /run/e2e-execs 2>/dev/null | xargs))"
	if [ "$execs" -eq 4 ] && [ "${others:-0}" -eq 0 ]; then
		ok "the program ran for the 4 listed devices only"
	else
		not_ok "the program ran $execs times, ${others:-0} for the unlisted bus"
	fi
}

# 14. a configuration change takes effect as the units apply it: the
# .path unit starts the rules service, whose commands are run as shipped
scenario_config_change() {
	conf "$BUSES" 'options uap_other delay_ms=300'
	wrap_program ""
	start_udevd
	conf 'options udev_async_probe buses=uaptest,uapother'
	run_rules_service
	grep -q 'SUBSYSTEM=="uaptest|uapother"' /run/udev/rules.d/80-async-probe.rules &&
		ok "regenerated rules list uapother" || not_ok "rules not regenerated"
	load_bus ndevs=4 $OTHER_ONLY
	expect_driver uapother uap_other 1 1 async
	expect_parallel uapother uap_other
}

# 15. the promise boot scripts rely on: after udevadm settle, every
# coldplugged device has its driver (stock udev: synchronous probes)
scenario_settle_stock() {
	conf "$BUSES" 'options uap_slow delay_ms=500'
	start_udevd
	load_bus ndevs=4 $SLOW_ONLY
	left=$(unbound uaptest uap_slow)
	[ "$left" -eq 0 ] && ok "after udevadm settle all 4 devices are bound" ||
		not_ok "$left devices unbound after udevadm settle"
}

# 16. the hazard: with async probing, udevadm settle returns first
scenario_settle_hazard() {
	conf "$BUSES" 'options uap_slow delay_ms=1500'
	start_udevd
	load_bus ndevs=4 $SLOW_ONLY
	left=$(unbound uaptest uap_slow)
	[ "$left" -gt 0 ] && ok "after udevadm settle $left of 4 devices are still probing (the barrier is needed)" ||
		not_ok "every device was bound when udevadm settle returned: the hazard did not show"
	wait_bound uaptest uap_slow 30 >/dev/null
}

# 17. the barrier: every device bound when settle returns, 20 times, with
# random probe times
scenario_settle_barrier() {
	conf "$BUSES"
	start_udevd
	bad=0 i=0
	while [ $i -lt 20 ]; do
		i=$((i + 1))
		delay=$((200 + $(od -An -N2 -tu2 /dev/urandom) % 1300))
		echo "options uap_slow delay_ms=$delay" >/run/modprobe.d/zz-round.conf
		t0=$(now_ms)
		modprobe uap_bus ndevs=4 $SLOW_ONLY
		"$STAGE/udev-async-probe" settle --timeout=60 2>/run/settle.err
		rc=$? took=$(($(now_ms) - t0)) left=$(unbound uaptest uap_slow)
		probed=$(cat /sys/bus/uaptest/devices/uap_slow.*/probed 2>/dev/null | sort -u | xargs)
		note "round $i: probes of $delay ms, settle rc $rc after $took ms, $left unbound, probed $probed"
		if [ "$rc" -ne 0 ] || [ "$left" -ne 0 ]; then
			bad=$((bad + 1))
			cat /run/settle.err
		fi
		modprobe -r uap_slow uap_bus || not_ok "cannot unload the test modules"
		udevadm settle
	done
	[ $bad -eq 0 ] && ok "20 rounds: every device bound when settle returned" ||
		not_ok "$bad of 20 rounds: settle returned with devices unbound or failed"
}

# 18. the timeout names what is still pending
scenario_settle_timeout() {
	conf "$BUSES" 'options uap_slow delay_ms=8000'
	start_udevd
	load_bus ndevs=2 $SLOW_ONLY
	t0=$(now_ms)
	"$STAGE/udev-async-probe" settle --timeout=2 2>/run/settle.err
	rc=$? took=$(($(now_ms) - t0))
	sed 's/^/# settle: /' /run/settle.err
	[ "$rc" -eq 1 ] && [ "$took" -lt 4000 ] && ok "settle --timeout=2 gave up after $took ms" ||
		not_ok "settle --timeout=2: rc $rc after $took ms"
	# Probes that have started show in their module; devices not yet started by name.
	grep -q "Module 'uap_slow': 2 .*probe" /run/settle.err && ok "the timeout names uap_slow and its 2 probes" ||
		not_ok "the timeout does not name the pending module and its probes"
	wait_bound uaptest uap_slow 30 >/dev/null
}

# 11b. an insert that is slow in the kernel itself: a forced-synchronous
# driver probing 2 x 8 s. The program returns at its 10 s deadline; kmod
# load's insert of the same module then waits in the kernel for the one
# left running, as a second loader of a module always does, and returns
# when it is live: the event ends, inside udev's 30 s, with the devices
# bound by the program's load.
scenario_insert_slow_kernel() {
	conf "$BUSES" 'options uap_forcesync delay_ms=8000'
	UDEV_LOG_LEVEL=debug start_udevd
	load_bus ndevs=2 test_kinds=uap_forcesync other_kinds=
	expect_no_log 'killed'
	expect_log 'Inserts still running after 10 s'
	if [ "$SETTLE_MS" -ge 15000 ] && [ "$SETTLE_MS" -lt 30000 ]; then
		ok "udev settled in $SETTLE_MS ms: when the load left running ended, inside the 30 s event timeout"
	else
		not_ok "udev took $SETTLE_MS ms to settle"
	fi
	expect_driver uaptest uap_forcesync 1 0 sync
}

# 19. on a kernel with the count of pending asynchronous work (the
# series' core, /sys/kernel/async_pending), settle is exact: the kernel
# counts the probes (and any other asynchronous work: at least 3)
scenario_settle_exact() {
	conf "$BUSES" 'options uap_slow delay_ms=3000'
	start_udevd
	load_bus ndevs=3 $SLOW_ONLY
	f=/sys/kernel/async_pending
	left=$(unbound uaptest uap_slow)
	pending=$(cat $f 2>/dev/null || echo missing)
	[ "$left" -eq 3 ] && [ "$pending" -ge 3 ] 2>/dev/null &&
		ok "after udevadm settle 3 probes are still running and $f = $pending" ||
		not_ok "after udevadm settle: $left unbound, $f = $pending (expected 3 and at least 3)"
	t0=$(now_ms)
	"$STAGE/udev-async-probe" settle --timeout=60 >/run/settle.out 2>&1
	rc=$? took=$(($(now_ms) - t0)) left=$(unbound uaptest uap_slow)
	sed 's/^/# settle: /' /run/settle.out
	[ "$rc" -eq 0 ] && [ "$left" -eq 0 ] && ok "settle returned after $took ms with every device bound" ||
		not_ok "settle: rc $rc after $took ms, $left unbound"
	grep -qi 'best effort' /run/settle.out && not_ok "settle says it settled as a best effort" ||
		ok "settle does not call itself a best effort (exact mode)"
	expect_file $f 0
}

# 20. a chain: each uap_parent probe (async, 1 s) adds two uap_other
# devices on the second bus, whose module udev loads (async: that bus is
# listed too) and whose probes take 1 s more. settle must return only when
# the children are bound, 2 s or more after the load, over several rounds:
# in odd rounds the children wait for udev to load uap_other; in even
# rounds uap_other is loaded (async_probe=1) right after uap_bus, during
# the parents' probes, so the kernel queues the children's probes from the
# parents' probes and counts them before those end.
scenario_settle_chain() {
	conf 'options udev_async_probe buses=uaptest,uapother' \
		'options uap_parent delay_ms=1000 children=2' 'options uap_other delay_ms=1000'
	start_udevd
	bad=0 i=0
	while [ $i -lt 6 ]; do
		i=$((i + 1))
		t0=$(now_ms)
		modprobe uap_bus ndevs=2 test_kinds=uap_parent other_kinds=
		[ $((i % 2)) -eq 1 ] || modprobe uap_other async_probe=1 ||
			not_ok "modprobe uap_other async_probe=1 failed"
		"$STAGE/udev-async-probe" settle --timeout=60 >/run/settle.out 2>&1
		rc=$? took=$(($(now_ms) - t0))
		parents=$(unbound uaptest uap_parent) children=$(unbound uapother uap_other)
		n=$(ls -d /sys/bus/uapother/devices/uap_other.* 2>/dev/null | wc -l)
		probed=$(cat /sys/bus/uapother/devices/uap_other.*/probed 2>/dev/null | sort -u | xargs)
		note "round $i: settle rc $rc after $took ms; $parents parents and $children of $n children unbound; children probed $probed"
		if [ "$rc" -ne 0 ] || [ "$parents" -ne 0 ] || [ "$n" -ne 4 ] || [ "$children" -ne 0 ] ||
			[ "$took" -lt 2000 ]; then
			bad=$((bad + 1))
			sed 's/^/# settle: /' /run/settle.out
		fi
		modprobe -r uap_parent uap_other uap_bus || not_ok "cannot unload the test modules"
		udevadm settle
	done
	[ $bad -eq 0 ] && ok "6 rounds: every parent and all 4 children bound when settle returned" ||
		not_ok "$bad of 6 rounds: settle returned early or failed"
}

# 22. the builtin form: the rules load through udevd's own kmod builtin,
# and no program runs for any device
scenario_builtin_form() {
	conf "$BUSES" 'options uap_slow delay_ms=300' 'options uap_other delay_ms=300'
	wrap_program ""
	UDEV_LOG_LEVEL=debug start_udevd
	grep -q '^SUBSYSTEM=="uaptest", RUN{builtin}+="kmod load --async-probe"' /run/udev/rules.d/80-async-probe.rules &&
		ok "the generated rules take the builtin form for $UDEVD" ||
		not_ok "the generated rules are not in the builtin form: $(grep RUN /run/udev/rules.d/80-async-probe.rules | xargs)"
	load_bus ndevs=4 test_kinds=uap_slow other_kinds=uap_other
	expect_driver uaptest uap_slow 1 1 async
	expect_driver uapother uap_other 0 0 sync
	# udevd's own word that its builtin inserted the module with the option.
	expect_log "Inserted module 'uap_slow' with async_probe=1"
	execs=$(grep -c . /run/e2e-execs 2>/dev/null || true)
	[ "${execs:-0}" -eq 0 ] && ok "the program ran for no device" ||
		not_ok "the program ran $execs times"
}

# 23. a stock udevd given the builtin form (an older udevd put back under
# rules made for a patched one): it takes "--async-probe" for a module
# name and loads nothing for that line; 80-drivers.rules' kmod load then
# binds every device, synchronously
scenario_builtin_line_stock() {
	conf "$BUSES" 'options uap_slow delay_ms=300'
	printf 'ELF\0%%s: expected: load [--async-probe] [module]\0' >/run/e2e-patched-udevd
	UDEVD_FOR_RULES=/run/e2e-patched-udevd start_udevd
	grep -q 'RUN{builtin}+="kmod load --async-probe"' /run/udev/rules.d/80-async-probe.rules &&
		ok "the rules are in the builtin form, read by Debian's stock udevd" ||
		not_ok "the rules are not in the builtin form"
	load_bus ndevs=2 $SLOW_ONLY
	expect_no_log 'killed'
	expect_driver uaptest uap_slow 0 0 sync
}
