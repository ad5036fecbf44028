# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark scenario for run-e2e.sh: NDEVS devices with a DELAY_MS probe
# on the whitelisted bus; prints when udev settled, when the first probe
# started and when all were bound.
scenario_coldplug() {
	conf "$BUSES" "options uap_slow delay_ms=$DELAY_MS"
	start_udevd
	load_bus ndevs="$NDEVS" $SLOW_ONLY
	wait_bound uaptest uap_slow $((NDEVS * DELAY_MS / 500 + 60)) || return
	ok "all $NDEVS devices bound"
	echo "# RESULT runner=$RUNNER ndevs=$NDEVS delay_ms=$DELAY_MS settle_ms=$SETTLE_MS bound_ms=$BOUND_MS first_ms=$FIRST_START_MS"
}
