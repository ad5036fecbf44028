#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# How long "udev-async-probe report" takes on the logs that cost it the
# most (test/report/hostile-log.py), at growing sizes up to the limits of
# one boot: the figures behind the generous bounds of the report suite.
# Prints SHAPE N BYTES SECONDS (wall, median of ROUNDS runs) per line.
#
#   report-analysis.sh PROGRAM [ROUNDS]     e.g. build/udev-builtin/udev-async-probe
#
# SPECS="SHAPE:N ..." picks the logs (default: all of the list below).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
[ $# -ge 1 ] || die "usage: $0 PROGRAM [ROUNDS]"
prog=$(readlink -f "$1") rounds=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/conf"	# no configuration: every bus unlisted

median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '%-6s %7s %10s %8s\n' shape n bytes seconds
for spec in ${SPECS:-cubic:1000 cubic:4000 cubic:16384 chain:16384 parse:100000 parse:400000}; do
	shape=${spec%:*} n=${spec#*:}
	python3 "$UAP_TOP/test/report/hostile-log.py" "$shape" "$n" >"$tmp/log"
	for r in $(seq "$rounds"); do
		s=$(date +%s%N)
		"$prog" -C "$tmp/conf" report --dmesg="$tmp/log" --json=short >/dev/null
		echo $(( ($(date +%s%N) - s) / 1000000 ))
	done | median >"$tmp/ms"
	printf '%-6s %7s %10s %8.2f\n' "$shape" "$n" "$(stat -c %s "$tmp/log")" "$(awk '{ print $1 / 1000 }' "$tmp/ms")"
done
