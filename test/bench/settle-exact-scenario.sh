# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark scenario for run-e2e.sh: ROUNDS rounds of NDEVS devices on
# the whitelisted bus, each round with probes of a random length (200 to
# 1500 ms); after `udevadm settle`, `udev-async-probe settle`. Per round
# it prints how many devices were still probing when each returned and
# how long after the last probe ended (the drivers' own probe_end_ms, the
# clock of /proc/uptime) `udev-async-probe settle` returned.
scenario_settle_rounds() {
	conf "$BUSES"
	start_udevd
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		i=$((i + 1))
		delay=$((200 + $(od -An -N2 -tu2 /dev/urandom) % 1300))
		echo "options uap_slow delay_ms=$delay" >/run/modprobe.d/zz-round.conf
		LOAD_UPTIME_MS=$(uptime_ms)
		modprobe uap_bus ndevs="$NDEVS" $SLOW_ONLY
		udevadm settle -t 120
		at_udev=$(unbound uaptest uap_slow)
		"$STAGE/udev-async-probe" settle --timeout=60 2>/run/settle.err
		rc=$? ret=$(uptime_ms) early=$(unbound uaptest uap_slow)
		if [ "$rc" -ne 0 ] || [ "$early" -ne 0 ]; then
			not_ok "round $i: settle rc $rc with $early device(s) still probing"
			cat /run/settle.err
			wait_bound uaptest uap_slow 60 >/dev/null
		fi
		probe_span uaptest uap_slow
		echo "# RESULT round=$i delay_ms=$delay at_udevadm_settle=$at_udev early=$early lag_ms=$((ret - LOAD_UPTIME_MS - BOUND_MS)) bound_ms=$BOUND_MS"
		modprobe -r uap_slow uap_bus || not_ok "cannot unload the test modules"
		udevadm settle
	done
	ok "$ROUNDS rounds done"
}
