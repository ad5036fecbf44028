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

declare -A settle bound first
for n in $counts; do
	for r in $runners; do
		out=$("$here/../e2e/run-e2e.sh" -f "$here/coldplug-scenario.sh" \
			-e NDEVS="$n" -e DELAY_MS="$probe_ms" "$build" "$r" coldplug 2>/dev/null) || {
			echo "$out" >&2
			echo "coldplug: $r with $n devices failed" >&2
			exit 1
		}
		line=$(echo "$out" | grep -o 'RESULT .*')
		settle[$r.$n]=$(echo "$line" | sed 's/.*settle_ms=\([0-9]*\).*/\1/')
		bound[$r.$n]=$(echo "$line" | sed 's/.*bound_ms=\([0-9]*\).*/\1/')
		first[$r.$n]=$(echo "$line" | sed 's/.*first_ms=\([0-9]*\).*/\1/')
		echo "coldplug: $line" >&2
	done
done

echo
echo "Coldplug: N devices, ${probe_ms} ms probe each, on a whitelisted bus; ms from loading the bus"
echo "until the first probe started (first), until \`udevadm settle\` returned (settle) and until"
echo "every device was bound (bound)."
echo
printf '| N |'
for r in $runners; do printf ' %s first | %s settle | %s bound |' "$r" "$r" "$r"; done
for r in $runners; do
	[ "$r" = stock ] || printf ' %s/stock settle | %s/stock bound | %s bound / probe |' "$r" "$r" "$r"
done
echo
printf '|---|'
for r in $runners; do printf -- '---|---|---|'; done
for r in $runners; do [ "$r" = stock ] || printf -- '---|---|---|'; done
echo
for n in $counts; do
	printf '| %s |' "$n"
	for r in $runners; do printf ' %s | %s | %s |' "${first[$r.$n]}" "${settle[$r.$n]}" "${bound[$r.$n]}"; done
	for r in $runners; do
		[ "$r" = stock ] && continue
		printf ' %s | %s | %s |' "$(ratio "${settle[$r.$n]}" "${settle[stock.$n]}" 2)" \
			"$(ratio "${bound[$r.$n]}" "${bound[stock.$n]}" 2)" \
			"$(ratio "${bound[$r.$n]}" "$probe_ms" 2)"
	done
	echo
done
