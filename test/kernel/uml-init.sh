#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 inside User-Mode Linux, started by uml-run.sh. The root is the
# host's / over hostfs, read-write: everything written here goes to tmpfs
# mounts, except the result files in $UAP_RUN (a run dir in the cache).
# Environment from the kernel command line: UAP_RUN, UAP_KREL, UAP_MODDIR.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=0755 tmpfs /run
# The test module tree as this kernel's /lib/modules/$(uname -r); the
# tmpfs comes first so nothing is created in the host's /lib/modules.
# Without it on the host (test/kernel/ci-prepare.sh makes it), mkdir
# would write to the host.
mount -t tmpfs -o mode=0755 tmpfs /lib/modules || {
	echo "uml-init: cannot mount a tmpfs on /lib/modules (missing on the host?)"
	echo 1 >"$UAP_RUN/status"
	poweroff -f
}
mkdir -p "/lib/modules/$UAP_KREL"
mount --bind "$UAP_MODDIR" "/lib/modules/$UAP_KREL"
# Last: a tmpfs on /tmp hides the host's /tmp, so nothing above may live
# there (uml-run.sh keeps the run dir out of /tmp for that reason).
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

echo "uml-init: running $UAP_RUN/test.sh on $(uname -r)"
cd "$UAP_RUN" && sh "$UAP_RUN/test.sh"
echo $? >"$UAP_RUN/status"
echo "uml-init: test exited $(cat "$UAP_RUN/status")"
sync
poweroff -f
