# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark scenario for run-e2e.sh: NDEVS devices with a DELAY_MS probe
# on the whitelisted bus; prints when udev settled, when the barrier a
# boot script waits on returned (stock: that same udevadm settle; else
# udev-async-probe settle after it) and how many devices were still
# probing then, when the first probe started and when all were bound.
scenario_coldplug() {
	conf "$BUSES" "options uap_slow delay_ms=$DELAY_MS"
	start_udevd
	load_bus ndevs="$NDEVS" $SLOW_ONLY
	[ "$RUNNER" = stock ] || "$STAGE/udev-async-probe" settle --timeout=600 || not_ok "settle failed"
	barrier=$(($(now_ms) - t0))
	early=$(unbound uaptest uap_slow)
	wait_bound uaptest uap_slow $((NDEVS * DELAY_MS / 500 + 60)) || return
	ok "all $NDEVS devices bound"
	echo "# RESULT runner=$RUNNER ndevs=$NDEVS delay_ms=$DELAY_MS settle_ms=$SETTLE_MS bound_ms=$BOUND_MS first_ms=$FIRST_START_MS barrier_ms=$barrier early=$early"
}
