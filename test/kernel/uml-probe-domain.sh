#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# probe-domain-test.sh inside UML: module-requested async probes are not
# waited for by other modules' loads, and are by wait_for_device_probe(),
# rmmod and device removal.
#
#   uml-probe-domain.sh              the patched kernel (the series)
#   uml-probe-domain.sh --unpatched  the core series without the RFC, built
#                                    in its own cache dir; expects the old
#                                    ordering (loads wait)
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"
args=()
if [ "${1:-}" = --unpatched ]; then
	check_cache_dir
	export UAP_KSERIES=core
	args=(-k UAP_EXPECT=unpatched)
fi
exec "$KTEST_DIR/uml-run.sh" -t 300 "${args[@]}" "$KTEST_DIR/probe-domain-test.sh"
