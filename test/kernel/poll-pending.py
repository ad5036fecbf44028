#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""poll() on /sys/kernel/async_pending, as a waiter would, inside UML.

  poll-pending.py fall TIMEOUT        the count is not 0 now: wait for the
                                      notification, read again
  poll-pending.py rise TIMEOUT CMD... the count is 0 now: run CMD, wait for
                                      the notification, read again

Prints "before=N notified=yes|no after=N ms=N probed=N": the value read
first, whether poll() reported POLLPRI within TIMEOUT seconds, the value
read after it, the wait, and how many devices of the kind in $UAP_KIND
(default uap_slow) had finished probing when the value was read again.
"""
import glob
import os
import select
import subprocess
import sys
import time

PENDING = "/sys/kernel/async_pending"


def read(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    return int(os.read(fd, 64).decode())


def main():
    mode, timeout = sys.argv[1], float(sys.argv[2])
    fd = os.open(PENDING, os.O_RDONLY)
    before = read(fd)
    p = select.poll()
    p.register(fd, select.POLLPRI | select.POLLERR)
    child = subprocess.Popen(sys.argv[3:]) if mode == "rise" else None
    t0 = time.monotonic()
    events = p.poll(timeout * 1000)
    ms = int((time.monotonic() - t0) * 1000)
    after = read(fd)
    kind = os.environ.get("UAP_KIND", "uap_slow")
    probed = len(glob.glob(f"/sys/bus/uaptest/devices/{kind}.*/probed"))
    if child:
        child.wait()
    notified = "yes" if any(e & select.POLLPRI for _, e in events) else "no"
    print(f"before={before} notified={notified} after={after} ms={ms} probed={probed}")


main()
