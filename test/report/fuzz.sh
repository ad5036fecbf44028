#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the report parser's libFuzzer target (clang, ASan + UBSan) and run
# it on a corpus made from the captured logs in data/. The target keeps at
# most 64 probes, module loads and tasks (256 devices), so that inputs of a
# few KiB reach the limits and the shapes that cost the most time at them.
#
#   fuzz.sh [-r RUNS | -t SECONDS] [-s SEED] OUTDIR
#
# -r: that many inputs, deterministic with the seed (meson test runs it
# so); -t: as long as that, for a real fuzzing session. OUTDIR holds the
# binary, the corpus and any crash; exit 77 (skip) without clang's
# libFuzzer. Crashes are kept in OUTDIR/crashes.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
src=$UAP_TOP/udev-builtin
room=$src/report

runs=20000 seconds= seed=1
while getopts r:t:s: opt; do
	case $opt in
	r) runs=$OPTARG ;;
	t) seconds=$OPTARG runs= ;;
	s) seed=$OPTARG ;;
	*) die "usage: $0 [-r RUNS | -t SECONDS] [-s SEED] OUTDIR" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || die "usage: $0 [-r RUNS | -t SECONDS] [-s SEED] OUTDIR"
out=$1
mkdir -p "$out"

if ! command -v clang >/dev/null ||
	! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
		clang -x c -fsanitize=fuzzer - -o "$out/probe-fuzzer" 2>/dev/null; then
	echo "1..0 # SKIP clang with libFuzzer not found"
	exit 77
fi

clang -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$src" -I"$room" -I"$src/core" \
	-DREPORT_MAX_PROBES=64 -DREPORT_MAX_DEVICES=256 -DREPORT_MAX_MODULES=64 -DREPORT_MAX_TASKS=64 \
	"$here/fuzz-report.c" "$room/model.c" "$room/parse.c" "$room/journal.c" \
	"$room/analyze.c" "$room/overlap.c" "$room/output.c" "$room/svg.c" "$room/listing.c" "$room/compare.c" "$src/json.c" "$src/utf8.c" \
	"$src/core/uap-config.c" "$src/core/uap-param.c" \
	$(pkg-config --cflags --libs libkmod expat) -o "$out/fuzz-report"

# Seeds: the captured logs in pieces of about 2 KiB, cut at line ends, and
# the inputs in fuzz-seeds/ (shapes mutation does not find in 20000 runs).
rm -rf "$out/corpus" "$out/crashes"
mkdir -p "$out/corpus" "$out/crashes"
cp "$here"/fuzz-seeds/* "$out/corpus/"
for f in "$here"/data/*.dmesg "$here"/data/*.kmsg "$here"/data/*.journal; do
	[ -f "$f" ] || continue
	awk -v dir="$out/corpus" -v name="$(basename "$f")" '
		{ buf = buf $0 "\n"; if (length(buf) > 2048) { n++; printf "%s", buf > (dir "/" name "." n); close(dir "/" name "." n); buf = "" } }
		END { if (buf != "") { n++; printf "%s", buf > (dir "/" name "." n) } }' "$f"
done

args=(-seed="$seed" -max_len=8192 -timeout=10 -rss_limit_mb=2048
	-artifact_prefix="$out/crashes/" -print_final_stats=1)
if [ -n "$runs" ]; then
	args+=(-runs="$runs")
else
	args+=(-max_total_time="$seconds")
fi
n=$(find "$out/corpus" -type f | wc -l)
echo "# fuzz-report: $n seed inputs, ${runs:+$runs runs}${seconds:+$seconds s}, seed $seed"
if "$out/fuzz-report" "${args[@]}" "$out/corpus" >"$out/fuzz.log" 2>&1; then
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' "$out/fuzz.log" | tail -n 3 | sed 's/^/# /'
	echo "1..1"
	echo "ok 1 - fuzz-report: no crash, leak or undefined behaviour"
else
	tail -n 40 "$out/fuzz.log" | sed 's/^/# /'
	echo "1..1"
	echo "not ok 1 - fuzz-report: see $out/fuzz.log and $out/crashes"
	exit 1
fi
