# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark scenario for run-e2e.sh: NDEVS devices with a DELAY_MS probe
# on the whitelisted bus; the barrier a boot script would wait on (stock:
# udevadm settle; otherwise udev-async-probe settle), when it returned,
# how many devices were still probing then, and when all were bound.
scenario_barrier() {
	conf "$BUSES" "options uap_slow delay_ms=$DELAY_MS"
	start_udevd
	t0=$(now_ms)
	LOAD_UPTIME_MS=$(uptime_ms)
	modprobe uap_bus ndevs="$NDEVS" $SLOW_ONLY || not_ok "modprobe uap_bus"
	if [ "$RUNNER" = stock ]; then
		udevadm settle -t 600
	else
		"$STAGE/udev-async-probe" settle --timeout=600 || not_ok "settle failed"
	fi
	barrier=$(($(now_ms) - t0))
	early=$(unbound uaptest uap_slow)
	wait_bound uaptest uap_slow $((NDEVS * DELAY_MS / 500 + 60)) || return
	ok "all $NDEVS devices bound"
	echo "# RESULT runner=$RUNNER ndevs=$NDEVS barrier_ms=$barrier bound_ms=$BOUND_MS early=$early"
}
