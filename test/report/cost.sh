#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the report's boot parameters cost: the scenario of
# report-scenario.sh booted BOOTS times (default 3) with each of
#   none | initcall_debug | initcall_debug dyndbg="file drivers/base/dd.c +p"
# on one kernel (the test kernel with CONFIG_DYNAMIC_DEBUG, so only the
# arguments differ), the program runner. Prints the kernel log's lines
# and bytes, when user space started and how long the coldplug took
# (udevadm trigger to the last probe's end), as medians, and the ratios
# to the run without arguments, all from this one run.
#
#   cost.sh BUILD_DIR [BOOTS]
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
[ $# -ge 1 ] || die "usage: $0 BUILD_DIR [BOOTS]"
build=$(cd "$1" && pwd) boots=${2:-3}
export UAP_CONFIG_EXTRA=../report/uml-dyndbg.config

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

declare -A res
labels=(none initcall_debug "initcall_debug+dyndbg")
args=("" initcall_debug 'initcall_debug dyndbg="file drivers/base/dd.c +p"')
for i in 0 1 2; do
	for b in $(seq "$boots"); do
		line=$("$UAP_TOP/test/e2e/run-e2e.sh" -f "$here/report-scenario.sh" -k "${args[$i]}" \
			"$build" program report-cost | grep -o 'RESULT .*' || true)
		[ -n "$line" ] || die "boot $b with '${args[$i]}' gave no result"
		res[$i]+="$line"$'\n'
	done
done

printf '%-24s %8s %9s %8s %12s %12s %12s\n' arguments lines bytes init_ms coldplug_ms "lines ratio" "coldplug ratio"
for i in 0 1 2; do
	for k in lines bytes init_ms coldplug_ms; do
		eval "$k=$(echo "${res[$i]}" | sed -n "s/.* $k=\([0-9]*\).*/\1/p" | median)"
	done
	if [ "$i" = 0 ]; then base_lines=$lines base_cold=$coldplug_ms; fi
	awk -v l="${labels[$i]}" -v n="$lines" -v b="$bytes" -v t="$init_ms" -v c="$coldplug_ms" \
		-v n0="$base_lines" -v c0="$base_cold" \
		'BEGIN { printf "%-24s %8s %9s %8s %12s %12.2f %12.2f\n", l, n, b, t, c, n / n0, c / c0 }' 
done
echo "medians of $boots boots each; spread (min-max coldplug_ms):"
for i in 0 1 2; do
	echo "  ${labels[$i]}: $(echo "${res[$i]}" | sed -n 's/.* coldplug_ms=\([0-9]*\).*/\1/p' | sort -n | sed -n '1p;$p' | xargs | tr ' ' '-')"
done
