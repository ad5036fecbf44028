#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real kernel as the oracle for the module option reader: one UML
# boot loads uap_empty with each string of test/fuzz/options.corpus as
# its modprobe.d options (by the program, by modprobe, and raw) and
# compares /sys/module/uap_empty/async_probe_requested with what the program says
# and with the kernel model of test/fuzz (options-oracle.c).
#
#   uml-options.sh BUILD_DIR
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 BUILD_DIR"
build=$(cd "$1" && pwd)
# uml-run.sh copies the files into its run dir, outside the guest's /tmp.
exec "$KTEST_DIR/uml-run.sh" -t 300 "$KTEST_DIR/options-test.sh" \
	"$build/udev-builtin/udev-async-probe" "$build/test/kernel/options-oracle" \
	"$REPO_DIR/test/fuzz/options.corpus"
