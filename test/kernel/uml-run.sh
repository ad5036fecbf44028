#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot the patched UML kernel with the host's userspace as root, run one
# test script inside it as root, and exit with that script's status.
#
#   uml-run.sh [-k 'kernel args'] [-t timeout_s] test-script [file...]
#
# test-script runs under sh in $UAP_RUN, a fresh run dir in the cache
# that also holds copies of the listed files and is writable from inside
# (leave results there). Inside, /lib/modules/$(uname -r) is the test
# module tree, and /run, /tmp, /lib/modules are tmpfs. A -k word of the
# form NAME=value without a dot reaches the script as an environment
# variable (the kernel hands such words to init). The console goes
# to stdout and to $UAP_RUN/console.log. Exit: the script's status; 124
# on timeout; 125 when the kernel logged WARNING/BUG/Oops/panic or never
# reported a status.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

kargs="" timeout_s=300
while getopts k:t: opt; do
	case $opt in
	k) kargs=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	*) die "usage: $0 [-k 'kernel args'] [-t timeout_s] test-script [file...]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || die "usage: $0 [-k 'kernel args'] [-t timeout_s] test-script [file...]"

paths=$("$KTEST_DIR/build.sh" --print-paths) || die "kernel build failed"
eval "$paths"

mkdir -p "$UAP_CACHE/runs"
run=$(mktemp -d "$UAP_CACHE/runs/run.XXXXXX")
case "$run/" in /tmp/*) die "run dir $run must not be under /tmp (tmpfs inside UML)" ;; esac
cp "$1" "$run/test.sh"
shift
[ $# -eq 0 ] || cp "$@" "$run/"
cp "$KTEST_DIR/uml-init.sh" "$run/init.sh"
chmod +x "$run/init.sh"
# Keep the last 10 runs for post-mortems.
ls -1dt "$UAP_CACHE"/runs/run.*/ | tail -n +11 | xargs -r rm -rf

echo "uml-run: booting $UAP_KERNEL (run dir $run)"
rc=0
# UML backs its memory with a file in TMPDIR: prefer a tmpfs for it.
tmpdir=/tmp
[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && tmpdir=/dev/shm
TMPDIR=$tmpdir timeout -k 10 "$timeout_s" "$UAP_KERNEL" mem=512M \
	root=/dev/root rootfstype=hostfs rootflags=/ rw \
	init="$run/init.sh" con=null con0=fd:0,fd:1 \
	UAP_RUN="$run" UAP_KREL="$UAP_KREL" UAP_MODDIR="$UAP_MODDIR" $kargs \
	</dev/null 2>&1 | tee "$run/console.log" || rc=$?

if [ "$rc" = 124 ]; then
	echo "uml-run: FAIL: timed out after ${timeout_s}s"
	exit 124
fi
if grep -nE '(WARNING:|BUG:|Oops|Kernel panic|general protection fault|Call Trace)' \
	"$run/console.log"; then
	echo "uml-run: FAIL: kernel reported a problem (above)"
	exit 125
fi
if [ ! -s "$run/status" ]; then
	echo "uml-run: FAIL: test script reported no status (linux exit $rc)"
	exit 125
fi
status=$(cat "$run/status")
echo "uml-run: test script exited $status"
exit "$status"
