#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The e2e settle scenarios (program runner) on a User-Mode Linux kernel
# without the pending count (patch 0006): the path udev-async-probe
# settle takes on kernels without it, a best effort that must say so and
# still find every device bound. Prints TAP. The kernel is the comparison
# kernel of uml-probe-domain.sh --unpatched (the series without 0003-0006,
# so like a stock kernel with the sysfs read-back only): one kernel build
# for both.
#
#   e2e-uncounted.sh BUILD_DIR [SCENARIO...]
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || die "usage: $0 BUILD_DIR [SCENARIO...]"
build=$1
shift
[ $# -gt 0 ] || set -- settle-best-effort settle-barrier settle-chain
check_cache_dir
UAP_SERIES=$(unpatched_series)
export UAP_SERIES
exec "$KTEST_DIR/../e2e/run-e2e.sh" "$build" program "$@"
