#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run the differential fuzz target (the project's option reader against the
# kernel model, see README.md) under libFuzzer with ASan and UBSan for
# SECONDS (default 60), and print the inputs run and the mismatches.
#
#   test/fuzz/run-fuzz.sh [SECONDS]
#
# The corpus is kept in $UAP_CACHE/fuzz/options between runs; a mismatch
# or a sanitizer report stops the run and leaves the input in
# $UAP_CACHE/fuzz/options/artifacts.
set -eu -o pipefail
. "$(dirname "$0")/../common.sh"

seconds=${1:-60}
case $seconds in
''|*[!0-9]*) die "usage: $0 [SECONDS]" ;;
esac
check_cache_dir
command -v clang >/dev/null || die "clang is missing; run test/deps.sh"

work=$UAP_CACHE/fuzz/options
mkdir -p "$work/corpus" "$work/artifacts"
src=$UAP_TOP/test/fuzz
core=$UAP_TOP/udev-builtin/core

bin=$work/fuzz-options-libfuzzer
clang -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$core" -I"$src" -o "$bin" \
	"$src/fuzz-options-libfuzzer.c" "$src/compare.c" "$src/kernel-model.c" \
	"$core/uap-param.c" "$core/uap-policy.c" "$core/uap-config.c" -lkmod

# options.corpus as seeds, one file per string (a Python bytes literal
# reads the dictionary's quoting); libFuzzer writes new inputs to the
# first corpus dir only.
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
python3 - "$src/options.corpus" "$seeds" <<'PY' || die "cannot read options.corpus"
import ast, hashlib, os, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line and not line.startswith("#"):
        s = ast.literal_eval("b" + line)
        with open(os.path.join(sys.argv[2], hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
PY

before=$(find "$work/artifacts" -type f | wc -l)
log=$work/last-run.log
note "running for $seconds s, log in $log"
rc=0
start=$SECONDS
"$bin" -max_total_time="$seconds" -print_final_stats=1 -max_len=512 \
	-dict="$src/options.dict" -artifact_prefix="$work/artifacts/" \
	"$work/corpus" "$seeds" >"$log" 2>&1 || rc=$?
took=$((SECONDS - start))

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
mismatches=$(grep -ac '^  options: ' "$log" || true)
after=$(find "$work/artifacts" -type f | wc -l)
echo "fuzz-options (libFuzzer): ${runs:-?} inputs in $took s, $mismatches mismatches, $((after - before)) new artifacts, exit $rc"
if [ "$rc" -ne 0 ] || [ "$mismatches" -ne 0 ]; then
	grep -a -B8 -A4 -m5 '^  options: \|ERROR: \|runtime error' "$log" >&2 || tail -n 30 "$log" >&2
	exit 1
fi
