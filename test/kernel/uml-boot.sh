#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# UML boot test: the async_probe read-back files against real probes.
exec "$(dirname "$0")/uml-run.sh" -k "driver_async_probe=uap_forcesync" \
	"$(dirname "$0")/boot-test.sh" "$(dirname "$0")/poll-pending.py"
