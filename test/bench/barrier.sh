#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The completion barrier in User-Mode Linux with real systemd-udevd: N
# devices with a 1 s probe on a whitelisted bus; ms from loading the bus
# until the barrier a boot script waits on returns (stock: udevadm settle;
# program and builtin: udev-async-probe settle), how many devices were
# still probing then (must be 0), and when the last one was bound. Ratios
# from this one run.
#
#   barrier.sh BUILD_DIR [N...]      (default N: 4 16 64; RUNNERS, DELAY_MS)
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
build=$1
shift
counts=${*:-4 16 64}
probe_ms=${DELAY_MS:-1000}
runners=${RUNNERS:-stock program builtin}

declare -A barrier bound early
for n in $counts; do
	for r in $runners; do
		out=$("$here/../e2e/run-e2e.sh" -f "$here/barrier-scenario.sh" \
			-e NDEVS="$n" -e DELAY_MS="$probe_ms" "$build" "$r" barrier 2>/dev/null) || {
			echo "$out" >&2
			die "$r with $n devices failed"
		}
		line=$(echo "$out" | grep -o 'RESULT .*')
		barrier[$r.$n]=$(echo "$line" | sed 's/.*barrier_ms=\([0-9]*\).*/\1/')
		bound[$r.$n]=$(echo "$line" | sed 's/.*bound_ms=\([0-9]*\).*/\1/')
		early[$r.$n]=$(echo "$line" | sed 's/.*early=\([0-9]*\).*/\1/')
		note "$line"
	done
done

echo
echo "Barrier: N devices, ${probe_ms} ms probe each, on a whitelisted bus; ms from loading the bus until"
echo "the barrier returned (stock: udevadm settle; else udev-async-probe settle), devices still"
echo "probing when it returned, and ms until the last device was bound."
echo
printf '| N |'
for r in $runners; do printf ' %s barrier | %s still probing | %s bound |' "$r" "$r" "$r"; done
for r in $runners; do
	[ "$r" = stock ] || printf ' %s/stock barrier | %s barrier / probe |' "$r" "$r"
done
echo
printf '|---|'
for r in $runners; do printf -- '---|---|---|'; done
for r in $runners; do [ "$r" = stock ] || printf -- '---|---|'; done
echo
for n in $counts; do
	printf '| %s |' "$n"
	for r in $runners; do printf ' %s | %s | %s |' "${barrier[$r.$n]}" "${early[$r.$n]}" "${bound[$r.$n]}"; done
	for r in $runners; do
		[ "$r" = stock ] && continue
		printf ' %s | %s |' "$(ratio "${barrier[$r.$n]}" "${barrier[stock.$n]}" 2)" \
			"$(ratio "${barrier[$r.$n]}" "$probe_ms" 2)"
	done
	echo
done
