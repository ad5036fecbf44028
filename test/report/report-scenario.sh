# SPDX-License-Identifier: LGPL-2.1-or-later
# Scenario file for test/e2e/run-e2e.sh -f: a coldplug as at boot (the
# devices exist before udevd starts, then "udevadm trigger"), with a
# listed bus (uaptest: uap_slow), an unlisted one (uapother: uap_other)
# and a driver from modules-load.d (uap_forcesync); then "report --boot"
# checked against the test drivers' own record of every probe
# (check-report.py). Sourced inside UML after lib.sh and scenarios.sh.
#
# Needs check-report.py next to it in the run dir (run-e2e.sh -a).
# Variables (run-e2e.sh -e): OUT, a directory outside /tmp that keeps the logs, the reports and
# the drivers' records (capture.sh); JOURNAL=1 also runs
# systemd-journald and checks "report --journal".

REPORT_KINDS='test_kinds=uap_slow,uap_forcesync other_kinds=uap_other'

# The program as installed for the program runner, else from the stage.
report_program() {
	if [ -x /usr/lib/udev/udev-async-probe ]; then
		echo /usr/lib/udev/udev-async-probe
	else
		echo "$STAGE/udev-async-probe"
	fi
}

# journald reads /dev/kmsg itself; started first, it has the whole log.
# Volatile: the root is the host's, whose /var/log/journal it must not
# touch. It refuses to start without a cgroup hierarchy.
start_journald() {
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
	mkdir -p /run/systemd/journal /run/log/journal /run/systemd/journald.conf.d
	printf '[Journal]\nStorage=volatile\n' >/run/systemd/journald.conf.d/report.conf
	/lib/systemd/systemd-journald >/dev/null 2>&1 &
	for _ in $(seq 50); do
		[ -S /run/systemd/journal/socket ] && return 0
		sleep 0.1
	done
	not_ok "systemd-journald did not start"
}

# The drivers' records: DEVICE BUS PROBED START_MS END_MS per bound test device.
write_truth() {
	for d in /sys/bus/uaptest/devices/* /sys/bus/uapother/devices/*; do
		[ -e "$d/probed" ] || continue
		echo "${d##*/} $(basename "$(dirname "$(dirname "$d")")") $(cat "$d/probed")" \
			"$(cat "$d/probe_start_ms") $(cat "$d/probe_end_ms")"
	done
}

report_check() {
	prog=$(report_program) out=${OUT:-/run/report-out}
	mkdir -p "$out"
	write_truth >"$out/truth.txt"
	dmesg >"$out/dmesg.txt"
	# The ring buffer as /dev/kmsg hands it out, records with their dictionaries.
	python3 -c '
import os, sys
fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
while True:
    try:
        rec = os.read(fd, 16384)
    except BlockingIOError:
        break
    except BrokenPipeError:
        continue
    sys.stdout.buffer.write(rec)' >"$out/kmsg.txt"
	"$prog" status >"$out/status.txt" 2>&1
	cat /proc/cmdline >"$out/cmdline.txt"

	if "$prog" report --boot --json=pretty >"$out/live.json" 2>"$out/live.err"; then
		ok "report --boot"
	else
		not_ok "report --boot failed: $(cat "$out/live.err")"
	fi
	"$prog" report --boot --svg="$out/live.svg" >"$out/live.txt" 2>&1 || not_ok "report --boot --svg failed"
	check_report "$out/live.json" live
	# The paths only a running system takes (/dev/kmsg, sysfs, modprobe.d), under valgrind.
	if command -v valgrind >/dev/null; then
		if valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$prog" report --boot --json --svg=/dev/null >/dev/null 2>"$out/valgrind.txt"; then
			ok "report --boot under valgrind: no error, no leak"
		else
			sed 's/^/# /' "$out/valgrind.txt" | head -n 40
			not_ok "report --boot under valgrind"
		fi
	fi
	if [ "${JOURNAL:-0}" = 1 ]; then
		journalctl -b -o short-monotonic --no-pager -q >"$out/journal.txt" 2>&1
		if "$prog" report --journal --json=pretty >"$out/journal.json" 2>"$out/journal.err"; then
			ok "report --journal"
		else
			not_ok "report --journal failed: $(cat "$out/journal.err")"
		fi
		check_report "$out/journal.json" journal
		valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$prog" report --journal >/dev/null 2>"$out/valgrind-journal.txt" &&
			ok "report --journal under valgrind: no error, no leak" ||
			not_ok "report --journal under valgrind: $(head -c 2000 "$out/valgrind-journal.txt")"
	fi
}

# check_report JSON WHAT: the report against the drivers' records.
check_report() {
	if python3 ./check-report.py --runner="$RUNNER" "$1" "$out/truth.txt" >"$out/check-$2.txt" 2>&1; then
		ok "$2 report matches the drivers' records ($(grep -c '^ok' "$out/check-$2.txt") checks)"
	else
		sed 's/^/# /' "$out/check-$2.txt"
		not_ok "$2 report does not match the drivers' records"
	fi
}

# The boot up to every test device bound; COLDPLUG_MS: from "udevadm
# trigger" to the last probe's end, by the drivers' own records.
report_coldplug() {
	conf "$BUSES" 'options uap_slow delay_ms=400' 'options uap_forcesync delay_ms=150' \
		'options uap_other delay_ms=250'
	LOAD_UPTIME_MS=$(uptime_ms)
	modprobe uap_bus ndevs=3 $REPORT_KINDS || not_ok "modprobe uap_bus"
	mkdir -p /run/modules-load.d
	echo uap_forcesync >/run/modules-load.d/report.conf
	SYSTEMD_LOG_TARGET=kmsg SYSTEMD_LOG_LEVEL=info /lib/systemd/systemd-modules-load \
		/run/modules-load.d/report.conf || not_ok "systemd-modules-load failed"
	start_udevd
	trigger_ms=$(uptime_ms)
	udevadm trigger --action=add --subsystem-match=uaptest --subsystem-match=uapother
	udevadm settle -t 60
	wait_bound uaptest uap_slow && wait_bound uapother uap_other && wait_bound uaptest uap_forcesync ||
		return 1
	last=0
	for d in /sys/bus/uaptest/devices/* /sys/bus/uapother/devices/*; do
		e=$(cat "$d/probe_end_ms")
		[ "$e" -le "$last" ] || last=$e
	done
	COLDPLUG_MS=$((last - trigger_ms))
}

scenario_report_boot() {
	[ -f ./check-report.py ] || { not_ok "check-report.py not in the run dir (run-e2e.sh -a)"; return; }
	[ "${JOURNAL:-0}" != 1 ] || start_journald
	report_coldplug || return
	report_check
}

# For cost.sh: what the log holds and how long the boot took, nothing checked.
scenario_report_cost() {
	report_coldplug || return
	init_ms=$(dmesg | sed -n 's/^\[ *\([0-9]*\)\.\([0-9][0-9][0-9]\).*Run .* as init process.*/\1\2/p' | sed 's/^0*//')
	ok "coldplug done"
	echo "# RESULT lines=$(dmesg | wc -l) bytes=$(dmesg | wc -c) init_ms=${init_ms:-0} coldplug_ms=$COLDPLUG_MS"
}
