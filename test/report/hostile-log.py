#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Kernel logs made to cost the report the most time, on standard output.

    hostile-log.py SHAPE N

cubic: N finished init calls of a module x, then N async probes of a driver
  x, each on a bus of its own (N drivers named like N loads of one module);
chain: N probes back to back (a critical path N probes long);
parse: the module and task tables full (16384 each), then N lines that look
  up a module and N that look up a task, none of them there.
Used by run-report-tests.py (with the generous time bounds of the suite) and
test/bench/report-analysis.sh (the figures)."""
import sys


def ts(us):
    return f"[{us // 1000000:5d}.{us % 1000000:06d}] "


def cubic(n):
    t = 1000000
    for _ in range(n):
        yield ts(t) + "calling  x_init+0x0/0x10 [x] @ 100"
        yield ts(t + 10) + "initcall x_init+0x0/0x10 [x] returned 0 after 10 usecs"
        t += 100
    t += 1000000
    for i in range(n):
        yield ts(t) + f"b{i} d{i}: probing driver x asynchronously"
        yield ts(t + 50) + f"probe of d{i} returned 0 after 5 usecs"
        t += 100


def chain(n):
    t = 1000000
    for i in range(n):
        yield ts(t) + f"pfx d{i}: bus: 'b': really_probe: probing driver x with device"
        yield ts(t + 100) + f"probe of d{i} returned 0 after 100 usecs"
        t += 100


def parse(n):
    t = 1000000
    for i in range(16384):
        yield ts(t) + f"calling  m{i}_init+0x0/0x10 [m{i}] @ {i + 1}"
        yield ts(t) + f"t{i}[{i + 1}]: hello"
    for i in range(n):
        yield ts(t) + "initcall z_init+0x0/0x10 [z] returned 0 after 1 usecs"
        yield ts(t) + f"q[{100000 + i}]: hello"


def main():
    shape, n = sys.argv[1], int(sys.argv[2])
    out = sys.stdout
    for line in {"cubic": cubic, "chain": chain, "parse": parse}[shape](n):
        out.write(line + "\n")


if __name__ == "__main__":
    main()
