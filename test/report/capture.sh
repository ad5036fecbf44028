#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Capture the report's test logs (data/) from real boots of the project's
# User-Mode Linux kernel with Debian's systemd-udevd, the scenario of
# report-scenario.sh, once per runner:
#   uml-stock.*, uml-program.*   the kernel with CONFIG_DYNAMIC_DEBUG
#                                (uml-dyndbg.config, its own cached build),
#                                booted with initcall_debug and
#                                dyndbg="file drivers/base/dd.c +p",
#                                systemd-journald running
#   uml-program-nodebug.*        the test kernel as every suite uses it,
#                                initcall_debug only
# Each boot leaves: .dmesg (dmesg), .kmsg (the /dev/kmsg records, first
# boot only), .journal (journalctl -b -o short-monotonic), .truth (the
# test drivers' own record of every probe: DEVICE BUS PROBED START_MS
# END_MS), and the live report's outcome in the cache.
#
#   capture.sh BUILD_DIR
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
[ $# -eq 1 ] || die "usage: $0 BUILD_DIR"
build=$(cd "$1" && pwd)
check_cache_dir
out=$UAP_CACHE/report-capture
data=$here/data
e2e=$UAP_TOP/test/e2e/run-e2e.sh
debug_args='initcall_debug dyndbg="file drivers/base/dd.c +p"'

# capture NAME RUNNER KERNEL_ARGS [ENV...]
capture() {
	local name=$1 runner=$2 kargs=$3
	shift 3
	rm -rf "${out:?}/$name"
	mkdir -p "$out/$name"
	env "$@" "$e2e" -f "$here/report-scenario.sh" -e REPORT_DIR="$here" -e OUT="$out/$name" \
		-e JOURNAL="${JOURNAL:-0}" -k "$kargs" "$build" "$runner" report-boot |
		tee "$out/$name/tap.txt"
	cp "$out/$name/dmesg.txt" "$data/$name.dmesg"
	cp "$out/$name/truth.txt" "$data/$name.truth"
	if [ -s "$out/$name/journal.txt" ]; then
		cp "$out/$name/journal.txt" "$data/$name.journal"
	fi
}

mkdir -p "$data"
JOURNAL=1 capture uml-stock stock "$debug_args" UAP_CONFIG_EXTRA=../report/uml-dyndbg.config
cp "$out/uml-stock/kmsg.txt" "$data/uml-stock.kmsg"
JOURNAL=1 capture uml-program program "$debug_args" UAP_CONFIG_EXTRA=../report/uml-dyndbg.config
capture uml-program-nodebug program initcall_debug
note "captured into $data: $(cd "$data" && ls | xargs)"
