# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo's scenario for run-e2e.sh: 4 devices with a 1 s probe on a
# whitelisted bus; shows the timings and the kernel's read-back.
scenario_demo() {
	conf "$BUSES" 'options uap_slow delay_ms=1000'
	start_udevd
	load_bus ndevs=4 $SLOW_ONLY
	if [ "$RUNNER" = program ]; then
		"$STAGE/udev-async-probe" settle --timeout=30
		note "udev-async-probe settle returned $(($(now_ms) - t0)) ms after loading uap_bus; $(unbound uaptest uap_slow) device(s) unbound then"
	fi
	wait_bound uaptest uap_slow 30 || return
	ok "all 4 devices bound"
	for d in /sys/bus/uaptest/devices/uap_slow.*; do
		note "$(basename "$d"): probed $(cat "$d/probed") from $(($(cat "$d/probe_start_ms") - LOAD_UPTIME_MS)) to $(($(cat "$d/probe_end_ms") - LOAD_UPTIME_MS)) ms"
	done
	"$STAGE/udev-async-probe" status | grep '^uap_slow' | while read -r line; do
		note "udev-async-probe status: $line"
	done
}
