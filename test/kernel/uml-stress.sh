#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# stress-test.sh inside UML, on the test kernel of the other UML tests, or
# with --debug on the debug kernel: the series plus debug.config (lockdep,
# KASAN), built by build.sh in its own cache dir. The suite runs the plain
# one: the SMP lane (qemu-smp.sh) already runs the same loops under KASAN
# and lockdep, with real concurrency, and one debug kernel fewer keeps a
# cold run short.
#
#   uml-stress.sh [--debug] [uml-run.sh options]
lockdep=0
if [ "${1:-}" = --debug ]; then
	export UAP_CONFIG_EXTRA=debug.config
	lockdep=1
	shift
fi
exec "$(dirname "$0")/uml-run.sh" -t 900 -k "UAP_LOCKDEP=$lockdep" "$@" "$(dirname "$0")/stress-test.sh"
