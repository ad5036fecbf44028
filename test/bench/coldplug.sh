#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Coldplug benchmark in User-Mode Linux with real systemd-udevd: N devices
# with a 1 s probe on a whitelisted bus, stock udev against udev with
# udev-async-probe (and the patched in-udevd builtin, where it builds).
# Prints one table of times and the ratios measured in this run.
#
#   coldplug.sh BUILD_DIR [N...]      (default N: 4 16 64)
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
build=$1
shift
counts=${*:-4 16 64}
probe_ms=${DELAY_MS:-1000}
runners=${RUNNERS:-stock program}

declare -A fig
for n in $counts; do
	for r in $runners; do
		out=$("$here/../e2e/run-e2e.sh" -f "$here/coldplug-scenario.sh" \
			-e NDEVS="$n" -e DELAY_MS="$probe_ms" "$build" "$r" coldplug 2>/dev/null) || {
			echo "$out" >&2
			echo "coldplug: $r with $n devices failed" >&2
			exit 1
		}
		line=$(echo "$out" | grep -o 'RESULT .*')
		for k in settle_ms bound_ms first_ms barrier_ms early; do
			fig[${k%_ms}.$r.$n]=$(echo "$line" | sed "s/.* $k=\([0-9]*\).*/\1/")
		done
		echo "coldplug: $line" >&2
	done
done

# table TITLE COLUMN...: a markdown table, one row per N. A COLUMN is
# "LABEL=KIND" (each runner's figure), "LABEL=KIND/stock" (each other
# runner's over stock's) or "LABEL=KIND/probe" (over the probe time).
table() {
	local col r n kind per v
	echo
	echo "$1"
	shift
	echo
	printf '| N |'
	for col in "$@"; do
		for r in $runners; do
			case ${col#*=} in */*) [ "$r" = stock ] && continue ;; esac
			printf ' %s %s |' "$r" "${col%%=*}"
		done
	done
	printf '\n|---|'
	for col in "$@"; do
		for r in $runners; do
			case ${col#*=} in */*) [ "$r" = stock ] && continue ;; esac
			printf -- '---|'
		done
	done
	echo
	for n in $counts; do
		printf '| %s |' "$n"
		for col in "$@"; do
			kind=${col#*=} per=
			case $kind in */*) per=${kind#*/} kind=${kind%/*} ;; esac
			for r in $runners; do
				v=${fig[$kind.$r.$n]}
				case $per in
				stock) [ "$r" = stock ] && continue; v=$(ratio "$v" "${fig[$kind.stock.$n]}" 2) ;;
				probe) [ "$r" = stock ] && continue; v=$(ratio "$v" "$probe_ms" 2) ;;
				esac
				printf ' %s |' "$v"
			done
		done
		echo
	done
}

table "Coldplug: N devices, ${probe_ms} ms probe each, on a whitelisted bus; ms from loading the bus until the first probe started (first), until \`udevadm settle\` returned (settle) and until every device was bound (bound)." \
	first=first settle=settle bound=bound "settle/stock=settle/stock" "bound/stock=bound/stock" "bound/probe=bound/probe"
table "Barrier: ms from loading the bus until the barrier a boot script waits on returned (stock: \`udevadm settle\`; else \`udev-async-probe settle\` after it), and how many devices were still probing then." \
	barrier=barrier "still probing=early" "barrier/stock=barrier/stock" "barrier/probe=barrier/probe"
