#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# stress-test.sh inside UML on the debug kernel: the series plus
# debug.config (lockdep, KASAN), built by build.sh in its own cache dir.
export UAP_CONFIG_EXTRA=debug.config
exec "$(dirname "$0")/uml-run.sh" -t 900 "$@" "$(dirname "$0")/stress-test.sh"
