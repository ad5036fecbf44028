#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run the series' KUnit suites (drivers/base/test/.kunitconfig) on UML in
# the patched tree, built in, build dir in the cache. Prints the kunit.py
# summary and a "N passed, N failed" line;
# fails on any failed, crashed or skipped test. No driver_async_probe= on
# the command line: the suite's driver_module_request expects none to
# name its driver.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

# kunit.py builds its own tree: only the patched source is needed.
UAP_KSRC=$(patched_source) || die "cannot apply the series"
W=$UAP_CACHE/kunit-7.2
mkdir -p "$W"
export CCACHE_DIR=$UAP_CACHE/ccache CCACHE_BASEDIR=$UAP_CACHE CCACHE_NOHASHDIR=1

exec 9>"$UAP_CACHE/build.lock"
flock 9

log=$W/kunit.log
t0=$(date +%s)
rc=0
(cd "$UAP_KSRC" && python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=drivers/base/test \
	--build_dir="$W/kunit" --jobs="$JOBS" \
	--make_options="CC=ccache gcc" \
	--timeout=600) >"$log" 2>&1 || rc=$?
note "kunit.py finished in $(( $(date +%s) - t0 )) s (exit $rc), log: $log"

# The parsed results, from the suite headers on.
sed -n '/=====.*=====/,$p' "$log" | sed -e 's/\x1b\[[0-9;]*m//g'
summary=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\[[0-9:]+\] Testing complete\.' | tail -n 1 || true)
[ -n "$summary" ] || { tail -n 40 "$log"; die "no KUnit results"; }
# A kernel warning during the run fails it, except the one that kunit.py's
# own UML config (arch_uml.config: PCI over virtio, no device) always gives.
problems=$(grep -nE '(WARNING:|BUG:|Oops|Kernel panic)' "$W/kunit/test.log" |
	grep -v 'arch/um/drivers/virt-pci.c' || true)
[ -z "$problems" ] || { echo "$problems"; echo "kunit: FAIL: kernel reported a problem (above)"; }
num() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
passed=$(num passed) failed=$(num failed) skipped=$(num skipped) crashed=$(num crashed)
# Every case can run here: a skip is a failure.
bad_skips=$skipped
echo "kunit: passed $passed, failed $failed, crashed $crashed, skipped $skipped ($bad_skips unexpected)"
echo "$passed passed, $((failed + crashed + bad_skips)) failed"
[ -z "$problems" ] && [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$crashed" -eq 0 ] && [ "$bad_skips" -eq 0 ] &&
	[ "$passed" -gt 0 ]
