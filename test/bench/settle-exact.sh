#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# How exact `udev-async-probe settle` is on the patched UML kernel, whose
# /sys/kernel/async_pending (kernel-patch/core) it waits on: ROUNDS rounds
# (default 20) of NDEVS (default 4) devices with probes of a random length
# on a whitelisted bus, for each runner (program and builtin: the rules'
# two forms). Prints, per runner, the rounds where settle returned with a
# device still probing, how many were still probing at `udevadm settle`,
# and how long after the last probe ended settle returned (median, max).
#
#   settle-exact.sh BUILD_DIR
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
build=$1
rounds=${ROUNDS:-20}
ndevs=${NDEVS:-4}
runners=${RUNNERS:-program builtin}

median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'; }
echo "settle after udevadm settle: $rounds rounds of $ndevs devices, probes of 200-1500 ms (random per round), patched UML kernel"
echo
echo "| runner | rounds | settle returned early | still probing at udevadm settle (sum) | lag after last probe, median ms | max ms |"
echo "|---|---|---|---|---|---|"
for r in $runners; do
	out=$("$here/../e2e/run-e2e.sh" -f "$here/settle-exact-scenario.sh" \
		-e ROUNDS="$rounds" -e NDEVS="$ndevs" "$build" "$r" settle_rounds 2>/dev/null) || {
		echo "$out" >&2
		echo "settle-exact: $r failed" >&2
		exit 1
	}
	res=$(echo "$out" | grep -o 'RESULT .*')
	get() { echo "$res" | grep -o " $1=[0-9-]*" | cut -d= -f2; }
	n=$(echo "$res" | grep -c .)
	[ "$n" -eq "$rounds" ] || { echo "$out" >&2; echo "settle-exact: $r: $n of $rounds rounds" >&2; exit 1; }
	early=$(get early | awk '$1 > 0' | wc -l)
	at_udev=$(get at_udevadm_settle | awk '{ s += $1 } END { print s + 0 }')
	printf '| %s | %s | %s | %s of %s | %s | %s |\n' "$r" "$n" "$early" "$at_udev" \
		$((n * ndevs)) "$(get lag_ms | median)" "$(get lag_ms | sort -n | tail -n 1)"
done
