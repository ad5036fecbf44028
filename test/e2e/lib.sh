# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the end-to-end scenarios; sourced by the test script inside
# User-Mode Linux (see run-e2e.sh). POSIX sh: Debian's /bin/sh is dash.
#
# Environment: RUNNER (program | builtin | stock), STAGE (the project
# installed with DESTDIR, outside /tmp), UDEVD (the systemd-udevd to run).

PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "CHECK ok: $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "CHECK FAIL: $*"; }
note() { echo "# $*"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Boot time in ms, the clock the test drivers record their probes with.
uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

# Put a tmpfs over DIR holding symlinks to what DIR had, so files can be
# added to it without writing to the host's root.
overlay_dir() {
	orig=/run/e2e/orig$1
	mkdir -p "$orig"
	mount --bind "$1" "$orig"
	mount -t tmpfs -o mode=0755 tmpfs "$1"
	cp -rs "$orig/." "$1/"
}

# Install the project the way a package would, from the DESTDIR stage.
# run-e2e.sh leaves the three installed files at the top of $STAGE.
install_project() {
	overlay_dir /usr/lib/udev
	overlay_dir /usr/lib/modprobe.d
	cp "$STAGE/00-udev-async-probe.conf" /usr/lib/modprobe.d/ || exit 1
	[ "$RUNNER" != stock ] || return 0
	cp "$STAGE/udev-async-probe" /usr/lib/udev/ || exit 1
	cp "$STAGE/80-async-probe.rules" /usr/lib/udev/rules.d/ || exit 1
}

# conf LINE...: a modprobe.d file of the scenario's own, after the shipped one
conf() {
	mkdir -p /run/modprobe.d
	printf '%s\n' "$@" >>/run/modprobe.d/zz-e2e.conf
}

# rule LINE...: a udev rule that sorts before 80-async-probe.rules
rule() {
	mkdir -p /run/udev/rules.d
	printf '%s\n' "$@" >>/run/udev/rules.d/70-e2e.rules
}

# The project's runners generate the rules before udevd starts, as
# udev-async-probe-rules.service does at boot, for the udevd they run:
# the builtin form for the patched one, the program form for Debian's
# (UDEVD_FOR_RULES names another binary to take the form from; RULES_OPTS
# adds options, e.g. --no-kernel-cmdline as for an initramfs).
# SHIPPED_RULES=1 keeps the shipped fallback rules instead.
start_udevd() {
	if [ "$RUNNER" != stock ] && [ -z "${SHIPPED_RULES:-}" ] && [ -x /usr/lib/udev/udev-async-probe ]; then
		# shellcheck disable=SC2086 # RULES_OPTS: options, or none
		/usr/lib/udev/udev-async-probe rules --udevd="${UDEVD_FOR_RULES:-$UDEVD}" ${RULES_OPTS:-} \
			--output=/run/udev/rules.d/80-async-probe.rules ||
			not_ok "udev-async-probe rules failed"
		note "rules: $(grep '^# Form:' /run/udev/rules.d/80-async-probe.rules)"
	fi
	# UML boots the host's root, whose /.dockerenv (the CI host is a
	# container) makes systemd read PID 1's command line for the kernel's
	# (IMPORT{cmdline}): give udevd the kernel's own, as on a real boot.
	SYSTEMD_PROC_CMDLINE=$(cat /proc/cmdline) \
	SYSTEMD_LOG_TARGET=kmsg SYSTEMD_LOG_LEVEL=${UDEV_LOG_LEVEL:-info} \
		"$UDEVD" --daemon "$@" || { not_ok "systemd-udevd did not start"; return 1; }
	udevadm settle -t 30
}

# What the .path unit starts when it sees a modprobe.d change,
# udev-async-probe-rules-update.service: its ExecStart*= and ExecStop*=
# lines, as shipped.
run_rules_service() {
	grep -E '^Exec(Start|Stop)(Pre|Post)?=' "$STAGE/udev-async-probe-rules-update.service" | sed 's/^[^=]*=-\{0,1\}//' |
	while read -r cmd; do
		sh -c "$cmd" || not_ok "$cmd failed"
	done
}

# wrap_program 'ENV=... ': replace the installed program with a script
# that logs each run (DEVPATH) to /run/e2e-execs, then runs it with ENV.
wrap_program() {
	mv /usr/lib/udev/udev-async-probe /usr/lib/udev/udev-async-probe.real
	printf '#!/bin/sh\necho "$DEVPATH" >>/run/e2e-execs\n%s exec /usr/lib/udev/udev-async-probe.real "$@"\n' \
		"$1" >/usr/lib/udev/udev-async-probe
	chmod +x /usr/lib/udev/udev-async-probe
}

# load_bus [PARAM=VALUE...]: the test bus; its devices' uevents make udev
# load the drivers. Prints how long udev took to settle afterwards.
load_bus() {
	t0=$(now_ms)
	LOAD_UPTIME_MS=$(uptime_ms)
	modprobe uap_bus "$@" || not_ok "modprobe uap_bus $*"
	udevadm settle -t 120
	SETTLE_MS=$(($(now_ms) - t0))
	note "udevadm settle returned $SETTLE_MS ms after loading uap_bus $*"
}

# wait_bound BUS KIND [TIMEOUT_S]: every device of KIND has finished probe
# ("probed" appears when probe() returns). Sets BOUND_MS.
wait_bound() {
	limit=$(($(now_ms) + ${3:-60} * 1000))
	while :; do
		left=0
		for d in /sys/bus/$1/devices/$2.*; do
			[ -e "$d/probed" ] || left=$((left + 1))
		done
		if [ $left -eq 0 ]; then
			probe_span "$1" "$2"
			note "all $2 devices bound $BOUND_MS ms after loading uap_bus (probes started at $FIRST_START_MS ms)"
			return 0
		fi
		[ "$(now_ms)" -lt "$limit" ] || break
		sleep 0.05
	done
	not_ok "$left $2 device(s) on $1 left unbound after ${3:-60} s"
	return 1
}

# unbound BUS KIND: how many devices of KIND have not finished probing
unbound() {
	n=0
	for d in /sys/bus/$1/devices/$2.*; do
		[ -e "$d/probed" ] || n=$((n + 1))
	done
	echo $n
}

# probe_span BUS KIND: from the drivers' own records, when the first probe
# started and the last one ended, in ms after uap_bus was loaded.
probe_span() {
	first= last=0
	for d in /sys/bus/$1/devices/$2.*; do
		s=$(cat "$d/probe_start_ms") e=$(cat "$d/probe_end_ms")
		[ -n "$first" ] && [ "$s" -ge "$first" ] || first=$s
		[ "$e" -le "$last" ] || last=$e
	done
	FIRST_START_MS=$((first - LOAD_UPTIME_MS))
	BOUND_MS=$((last - LOAD_UPTIME_MS))
}

# expect_file FILE VALUE
expect_file() {
	got=$(cat "$1" 2>/dev/null || echo "<missing>")
	if [ "$got" = "$2" ]; then
		ok "$1 = $2"
	else
		not_ok "$1 = $got, expected $2"
	fi
}

# expect_driver BUS KIND MODULE_ASYNC DRIVER_ASYNC PROBED: the kernel's
# read-back for the module (requested) and the driver (decided), then how
# every device really probed.
expect_driver() {
	wait_bound "$1" "$2" || return 0
	expect_file "/sys/module/$2/async_probe_requested" "$3"
	expect_file "/sys/bus/$1/drivers/$2/async_probe" "$4"
	for d in /sys/bus/$1/devices/$2.*; do
		expect_file "$d/probed" "$5"
	done
}

# expect_parallel BUS KIND: every probe overlapped every other one.
expect_parallel() {
	max_start=0 min_end=
	for d in /sys/bus/$1/devices/$2.*; do
		s=$(cat "$d/probe_start_ms") e=$(cat "$d/probe_end_ms")
		[ "$s" -gt "$max_start" ] && max_start=$s
		[ -z "$min_end" ] || [ "$e" -lt "$min_end" ] && min_end=$e
	done
	if [ -n "$min_end" ] && [ "$max_start" -lt "$min_end" ]; then
		ok "$2 probes ran in parallel (last start $max_start < first end $min_end ms)"
	else
		not_ok "$2 probes did not all overlap (last start $max_start, first end $min_end ms)"
	fi
}

# expect_serial BUS KIND: no two probes overlapped.
expect_serial() {
	prev_end=0 n=0
	for se in $(for d in /sys/bus/$1/devices/$2.*; do
			echo "$(cat "$d/probe_start_ms"):$(cat "$d/probe_end_ms")"; done | sort -n); do
		s=${se%:*}
		if [ "$s" -lt "$prev_end" ]; then
			not_ok "$2 probes overlapped (start $s < previous end $prev_end ms)"
			return
		fi
		prev_end=${se#*:} n=$((n + 1))
	done
	ok "$2: $n probes ran one after another"
}

# expect_log PATTERN / expect_no_log PATTERN: in the kernel log, where
# udevd logs (SYSTEMD_LOG_TARGET=kmsg).
expect_log() {
	if dmesg | grep -qE "$1"; then ok "log has /$1/"; else not_ok "log lacks /$1/"; fi
}
expect_no_log() {
	if dmesg | grep -qE "$1"; then
		not_ok "log has /$1/: $(dmesg | grep -E "$1" | head -n 1)"
	else
		ok "log lacks /$1/"
	fi
}

finish() {
	echo "# $SCENARIO ($RUNNER): $PASS checks passed, $FAIL failed"
	[ $FAIL -eq 0 ] && [ $PASS -gt 0 ]
}
