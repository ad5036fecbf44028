#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# probe-domain-test.sh inside UML on the patched kernel: module-requested
# async probes are not waited for by other modules' loads, and are by
# wait_for_device_probe(), rmmod and device removal. Extra arguments go to
# uml-run.sh (test/bench/sync-load-latency.sh passes
# -k UAP_EXPECT=unpatched with UAP_SERIES set to the unpatched series).
exec "$(dirname "$0")/uml-run.sh" -t 300 "$@" "$(dirname "$0")/probe-domain-test.sh"
