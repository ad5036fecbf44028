#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check a "udev-async-probe report --json" of a test/report scenario boot
against the test drivers' own record of each probe (truth file lines:
DEVICE BUS PROBED START_MS END_MS, from sysfs), and against itself.

    check-report.py [--runner=stock|program] REPORT.json TRUTH.txt

Prints one "ok"/"not ok" line per check; exits 1 on any failure."""
import argparse
import json
import sys

# The report's probe spans really_probe() (sysfs links, devres, the
# driver's probe()); the drivers record probe() alone, in whole ms.
SLACK_MS = 25

failed = 0
count = 0


def check(cond, what):
    global failed, count
    count += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " - " + what)


def overlap_all(probes):
    return max(p["start_usec"] for p in probes) < min(p["end_usec"] for p in probes)


def serial(probes, tick):
    probes = sorted(probes, key=lambda p: p["start_usec"])
    return all(a["end_usec"] <= b["start_usec"] + tick for a, b in zip(probes, probes[1:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", default=None)
    ap.add_argument("report")
    ap.add_argument("truth")
    a = ap.parse_args()

    rep = json.load(open(a.report, encoding="utf-8"))
    truth = {}
    for line in open(a.truth, encoding="utf-8"):
        dev, bus, probed, start, end = line.split()
        truth[dev] = (bus, probed, int(start), int(end))
    check(len(truth) > 0, f"the drivers recorded {len(truth)} probes")
    check(rep["initcall_debug"], "the log has initcall_debug's lines")
    knows_mode = rep["dyndbg"] or rep["sysfs"]
    # Back to back, on the log's clock (User-Mode Linux ticks at 10 ms).
    tick = max(1000, rep["tick_usec"] if rep["tick_usec"] <= 20000 else 1000)

    by_dev = {}
    for p in rep["probes"]:
        by_dev.setdefault(p["device"], []).append(p)

    for dev, (bus, probed, start, end) in sorted(truth.items()):
        ps = [p for p in by_dev.get(dev, []) if p["result"] == 0]
        check(len(ps) == 1, f"{dev}: one successful probe in the report (got {len(ps)})")
        if len(ps) != 1:
            continue
        p = ps[0]
        kind = dev.rsplit(".", 1)[0]
        if knows_mode:
            check(p["driver"] == kind, f"{dev}: driver {p['driver']} = {kind}")
            check(p["bus"] == bus, f"{dev}: bus {p['bus']} = {bus}")
        else:
            check(p["driver"] is None and p["bus"] in (None, bus),
                  f"{dev}: driver {p['driver']}, bus {p['bus']}: only what the log tells")
        ds, de = p["start_usec"] / 1000 - start, p["end_usec"] / 1000 - end
        check(abs(ds) <= SLACK_MS and abs(de) <= SLACK_MS,
              f"{dev}: {p['start_usec'] / 1000:.1f}-{p['end_usec'] / 1000:.1f} ms matches the driver's "
              f"{start}-{end} ms (off by {ds:+.1f}/{de:+.1f} ms)")
        if knows_mode:
            check(p["mode"] == probed, f"{dev}: mode {p['mode']} = {probed} ({p['mode_how']})")
        else:
            check(p["mode"] == "unknown", f"{dev}: mode {p['mode']} is unknown: nothing in the log tells")

    if not knows_mode:
        # The log has only initcall_debug's "probe of" lines: no driver, no guess.
        check(all(d["driver"] is None and d["loader"] == "unknown" for d in rep["drivers"]),
              "without the driver core's lines or sysfs, no driver or loader is named")
        check(all(b["movable_probes"] == 0 and b["saved_usec"] == 0 for b in rep["buses"]),
              "and no saving is estimated")
        return finish(rep, tick)

    drivers = {d["driver"]: d for d in rep["drivers"] if d["driver"]}
    fs = drivers.get("uap_forcesync")
    check(fs is not None and fs["loader"] == "modules-load.d",
          f"uap_forcesync loaded by modules-load.d ({fs and fs['loader']}: {fs and fs['loader_how']})")
    for name in ("uap_slow", "uap_other"):
        d = drivers.get(name)
        want = {"udev", "udev-async-probe"}
        if a.runner == "stock" or name == "uap_other":
            want = {"udev"}
        if a.runner == "program" and name == "uap_slow" and rep["sysfs"]:
            want = {"udev-async-probe"}
        check(d is not None and d["loader"] in want,
              f"{name} loaded by {d and d['loader']} ({d and d['loader_how']}), one of {sorted(want)}")
        check(d is not None and d["module"] == name, f"{name} is module {d and d['module']}")

    slow = [p for p in rep["probes"] if p["driver"] == "uap_slow" and p["result"] == 0]
    if a.runner == "program":
        check(overlap_all(slow), "program: the uap_slow probes overlap")
    elif a.runner == "stock":
        check(serial(slow, tick), "stock: the uap_slow probes ran one after another")

    buses = {b["bus"]: b for b in rep["buses"]}
    other = buses.get("uapother")
    test = buses.get("uaptest")
    check(test is not None and test["listed"], "uaptest is listed")
    check(other is not None and not other["listed"], "uapother is not listed")
    if other and knows_mode:
        ops = [p for p in rep["probes"] if p["bus"] == "uapother" and p["mode"] == "sync"]
        durs = [p["duration_usec"] for p in ops]
        check(other["movable_probes"] == len(ops) == 3, f"uapother: {other['movable_probes']} movable probes")
        check(other["movable_usec"] == sum(durs), f"uapother: movable {other['movable_usec']} us = their sum")
        check(other["saved_usec"] == sum(durs) - max(durs, default=0),
              f"uapother: saved {other['saved_usec']} us = sum - longest")

    if test and knows_mode:
        # uap_slow: udev's load on a listed bus; sync only where the program did not run.
        want = 3 if a.runner == "stock" else 0
        check(test["listed_sync_probes"] == want,
              f"uaptest: {test['listed_sync_probes']} sync probes of udev's loads on the listed bus, {want} expected")
    return finish(rep, tick)


def finish(rep, tick):
    crit = rep["critical_path"]["probes"]
    last_end = max(p["end_usec"] for p in rep["probes"])
    check(crit and crit[-1]["end_usec"] == last_end, "the critical path ends with the probe that ended last")
    check(all(a["end_usec"] <= b["start_usec"] + tick for a, b in zip(crit, crit[1:])),
          "the critical path's probes follow one another")
    flagged = sum(1 for p in rep["probes"] if p["critical"])
    check(flagged == len(crit), f"{flagged} probes flagged critical = {len(crit)} on the path")

    print(f"# {count - failed} of {count} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
