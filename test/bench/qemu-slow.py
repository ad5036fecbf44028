#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The figures of test/bench/qemu-slow.sh, read from the kernel log each
boot wrote (guest/bench-init.sh): every time is on the kernel's clock, in
ms after the "uap-bench: trigger" line.

  qemu-slow.py boot REPORT DRIVER            one boot's figures, one line
  qemu-slow.py table BOOTS DEVICE DRIVER     the table and the goals (BOOTS:
                                             a file of "N RUNNER REPORT|-"
                                             lines, one a boot, in order)
  qemu-slow.py smoke BOOTS DEVICE DRIVER N   TAP: the smoke test's checks

A "bound" line is dd.c's dynamic debug "bus: 'pci': really_probe: bound
device to driver X"; a device's time is that of its last such line. The
PCI devices that stock binds are those with such a line on a stock boot
with the same N; a boot's "bound" is when the last of them was bound. A
probe's length is initcall_debug's "probe of DEV returned 0 after N
usecs".
"""
import re
import statistics
import sys

LINE = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")
BOUND = re.compile(r"^\S+ (\S+): bus: 'pci': really_probe: bound device to driver (\S+)$")
PROBE = re.compile(r"^probe of (\S+) returned 0 after (\d+) usecs$")
ASYNC = re.compile(r"^\S+ (\S+): probing driver (\S+) asynchronously$")
BARRIER = re.compile(r"^uap-bench: udev-async-probe settle returned (\d+)$")


class Boot:
    """One boot's kernel log, read."""

    def __init__(self, path):
        self.trigger = self.settle = self.barrier = self.barrier_rc = None
        self.bound = {}     # device: (ms, driver) of its last bound line
        self.probe = {}     # device: longest successful probe, ms
        self.asynced = set()  # (device, driver) probed asynchronously after the trigger
        self.runner = self.rules_form = None
        dmesg = False
        for raw in open(path, errors="replace"):
            raw = raw.rstrip("\n")
            if raw.startswith("runner "):
                self.runner = raw.split()[1]
            if raw.startswith("rules_form") and not dmesg:
                self.rules_form = raw[len("rules_form"):].strip() or None
            if raw == "dmesg-begin":
                dmesg = True
                continue
            if raw == "dmesg-end":
                break
            m = LINE.match(raw) if dmesg else None
            if not m:
                continue
            t, text = float(m.group(1)) * 1000, m.group(2)
            if text.startswith("uap-bench: trigger"):
                self.trigger = t
            elif text == "uap-bench: udevadm settle returned":
                self.settle = t
            elif b := BARRIER.match(text):
                self.barrier, self.barrier_rc = t, int(b.group(1))
            elif b := BOUND.match(text):
                self.bound[b.group(1)] = (t, b.group(2))
            elif p := PROBE.match(text):
                self.probe[p.group(1)] = max(self.probe.get(p.group(1), 0), int(p.group(2)) / 1000)
            elif (a := ASYNC.match(text)) and self.trigger is not None:
                self.asynced.add((a.group(1), a.group(2)))
        if self.trigger is None or self.settle is None:
            raise ValueError(f"{path}: no trigger or settle line in the kernel log")

    def rel(self, t):
        return None if t is None else t - self.trigger

    def devices(self, driver):
        """The PCI devices bound to DRIVER."""
        return sorted(d for d, (_, drv) in self.bound.items() if drv == driver)

    def bound_by(self, expected):
        """ms until the last of EXPECTED was bound (0 if all before the
        trigger), None if one never was."""
        if any(d not in self.bound for d in expected):
            return None
        return max([0.0] + [self.rel(self.bound[d][0]) for d in expected])

    def unbound_at(self, expected, t):
        """EXPECTED devices not bound yet at T (ms after the trigger)."""
        return sorted(d for d in expected if d not in self.bound or self.rel(self.bound[d][0]) > t)

    def longest_probe(self, driver):
        return max([self.probe.get(d, 0) for d in self.devices(driver)], default=0)


def read_boots(listing):
    """{(n, runner): [Boot or None, ...]} in boot order."""
    boots = {}
    for line in open(listing):
        n, runner, report = line.split()
        b = None
        if report != "-":
            try:
                b = Boot(report)
            except (OSError, ValueError) as e:
                print(f"qemu-slow.py: {e}", file=sys.stderr)
        boots.setdefault((int(n), runner), []).append(b)
    return boots


def stock_sets(boots):
    """N: the PCI devices bound on the stock boots with N devices."""
    sets = {}
    for (n, runner), bs in boots.items():
        if runner == "stock":
            sets[n] = sorted({d for b in bs if b for d in b.bound})
    return sets


def fmt(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.0f}"
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return "-" if a is None or not b else f"{a / b:.2f}"


def cmd_boot(report, driver):
    b = Boot(report)
    slow = b.devices(driver)
    bound = b.bound_by(list(b.bound))
    parts = [f"settle {b.rel(b.settle):.0f} ms", f"last PCI bound {bound:.0f} ms"]
    if b.barrier is not None:
        parts.append(f"udev-async-probe settle {b.rel(b.barrier):.0f} ms (exit {b.barrier_rc})")
    parts.append(f"{len(slow)} {driver} bound, longest probe {b.longest_probe(driver):.0f} ms, "
                 f"{sum(1 for d in slow if (d, driver) in b.asynced)} asynchronously")
    print(", ".join(parts))


def cmd_table(listing, device, driver):
    boots = read_boots(listing)
    sets = stock_sets(boots)
    counts = sorted({n for n, _ in boots})
    runners = list(dict.fromkeys(r for _, r in boots))
    failed = [(n, r, i + 1) for (n, r), bs in boots.items() for i, b in enumerate(bs) if b is None]
    nboots = max(len(bs) for bs in boots.values())

    # One probe: the longest slow-device probe of each stock boot, where one
    # driver's probes run one after another; their median, as one slow boot
    # would set the bar for every runner.
    stock_probes = [b.longest_probe(driver) for (n, r), bs in boots.items() if r == "stock"
                    for b in bs if b and b.devices(driver)]
    probe = med(stock_probes) or 0
    project_probes = [b.longest_probe(driver) for (n, r), bs in boots.items() if r != "stock"
                      for b in bs if b]

    fig = {}
    for (n, r), bs in boots.items():
        expected = sets.get(n, [])
        ok = [b for b in bs if b]
        bound = [b.bound_by(expected) for b in ok]
        slow_bound = [b.bound_by(b.devices(driver)) if b.devices(driver) else None for b in ok]
        barrier = [b.rel(b.barrier) for b in ok]
        fig[n, r] = dict(
            settle=[b.rel(b.settle) for b in ok], bound=bound, barrier=barrier, slow_bound=slow_bound,
            gap=[None if a is None or c is None else a - c for a, c in zip(barrier, bound)],
            cost=[None if b.barrier is None else b.barrier - b.settle for b in ok],
            at_settle=[len(b.unbound_at(expected, b.rel(b.settle))) for b in ok],
            at_barrier=[None if b.barrier is None else len(b.unbound_at(expected, b.rel(b.barrier)))
                        for b in ok],
            at_end=[b.unbound_at(expected, float("inf")) for b in ok],
            rc=[b.barrier_rc for b in ok if b.barrier is not None],
            slow=[len(b.devices(driver)) for b in ok],
            asynced=[sum(1 for d in b.devices(driver) if (d, driver) in b.asynced) for b in ok])

    def added(n, r):
        a, z = med(fig.get((n, r), {}).get("bound", [])), med(fig.get((0, r), {}).get("bound", []))
        return None if a is None or z is None or n == 0 else a - z

    print(f"Slow probes on Debian 6.12 under qemu (TCG, 2 vCPUs): N x `-device {device}` "
          f"(driver {driver}) added to the qemu lane's machine, {nboots} boot(s) per N and runner, "
          "alternating; ms after `udevadm trigger`, median (min-max)")
    print()
    print(f"One {driver} probe (each stock boot's longest, initcall_debug; median (min-max) of "
          f"{len(stock_probes)} boots): {fmt(stock_probes)} ms; the longest in the project's boots: "
          f"{max(project_probes, default=0):.0f} ms")
    print()
    print(f"| N | runner | udevadm settle | all bound | {driver} bound | u-a-p settle "
          "| u-a-p settle - all bound | u-a-p settle - udevadm settle | unbound at udevadm settle "
          "| unbound at u-a-p settle | added | added / probe | bound / stock | added / stock "
          "| async probes |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|")
    for n in counts:
        for r in runners:
            f = fig.get((n, r))
            if not f:
                continue
            a = added(n, r)
            print(f"| {n} | {r} | {fmt(f['settle'])} | {fmt(f['bound'])} | {fmt(f['slow_bound'])} "
                  f"| {fmt(f['barrier'])} "
                  f"| {fmt(f['gap'])} | {fmt(f['cost'])} | {'/'.join(map(str, f['at_settle'])) or '-'} "
                  f"| {'/'.join('-' if x is None else str(x) for x in f['at_barrier']) or '-'} "
                  f"| {'-' if a is None else f'{a:.0f}'} | {ratio(a, probe)} "
                  f"| {ratio(med(f['bound']), med(fig.get((n, 'stock'), {}).get('bound', [])))} "
                  f"| {ratio(a, added(n, 'stock')) if (added(n, 'stock') or 0) > 0 else '-'} "
                  f"| {'/'.join(f'{x}:{y}' for x, y in zip(f['asynced'], f['slow']))} |")
    print()
    print("all bound: until every PCI device that stock binds (same N) was bound; "
          f"{driver} bound: until the last {driver} device was bound; u-a-p settle: "
          "udev-async-probe settle, run after udevadm settle; unbound: devices that stock binds "
          "not yet bound, per boot; added: all bound(N) - all bound(0), same runner; "
          f"async probes: the {driver} devices probed asynchronously : bound, per boot")
    if failed:
        print("boots without a report (left out): " + ", ".join(f"N={n} {r} #{i}" for n, r, i in failed))
    print()

    # The goals.
    def line(ok, text):
        print(f"{'PASS' if ok else 'MISS'}: {text}")

    for r in runners:
        if r == "stock":
            continue
        for n in counts:
            a = added(n, r)
            if n and a is not None:
                line(a <= 1.3 * probe,
                     f"{r}, N={n}: added {a:.0f} ms <= 1.3 x one probe ({1.3 * probe:.0f} ms); "
                     f"stock added {added(n, 'stock') or 0:.0f} ms")
        for n in counts:
            f = fig.get((n, r))
            if not f:
                continue
            gaps = f["gap"]
            ok = (f["barrier"] and None not in f["barrier"] and None not in gaps
                  and all(x == 0 for x in f["at_barrier"]) and all(0 <= g <= 1000 for g in gaps)
                  and all(rc == 0 for rc in f["rc"]))
            line(ok, f"{r}, N={n}: udev-async-probe settle returned 0 after every device was bound, "
                     f"within 1 s of the last (settle - bound: {fmt(gaps)} ms; "
                     f"unbound then: {'/'.join('-' if x is None else str(x) for x in f['at_barrier'])}; "
                     f"it returned {fmt(f['cost'])} ms after udevadm settle)")
    left = [f"N={n} {r}: {' '.join(d)}" for (n, r), f in fig.items() for d in f["at_end"] if d]
    line(not left and not failed, "no device that stock binds left unbound at the end of any boot"
         + (f" (left: {'; '.join(left)})" if left else "")
         + (" (some boots wrote no report)" if failed else ""))


def cmd_smoke(listing, device, driver, n):
    boots = read_boots(listing)
    sets = stock_sets(boots)
    expected = sets.get(n, [])
    t = failed = 0

    def tap(ok, text):
        nonlocal t, failed
        t += 1
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {t} - {text}")

    stock = (boots.get((n, "stock")) or [None])[0]
    project = [(r, bs[0]) for (m, r), bs in boots.items() if m == n and r != "stock"]
    for r, b in [("stock", stock)] + project:
        tap(b is not None, f"{r} boot with {n} x {device}: the guest wrote its report")
    for r, b in project:
        left = expected if b is None else b.unbound_at(expected, float("inf"))
        tap(bool(expected) and not left,
            f"{r}: every PCI device bound on the stock boot is bound ({len(expected)}: "
            f"{' '.join(expected)}){' - not: ' + ' '.join(left) if left else ''}")
    for r, b in [("stock", stock)] + project:
        slow = b.devices(driver) if b else []
        tap(len(slow) == n, f"{r}: {n} {driver} devices bound ({' '.join(slow) or 'none'})")
    # The rules the project generated: udevd's builtin where it has --async-probe.
    for r, b in project:
        want = "builtin" if r == "builtin" else "program"
        got = b.rules_form if b else None
        tap(got == want, f"{r}: the generated rules take the {want} form (got {got or 'none'})")
    for r, b in project:
        slow = b.devices(driver) if b else []
        asynced = [d for d in slow if (d, driver) in b.asynced]
        tap(len(slow) == n and len(asynced) == n,
            f"{r}: every {driver} device probed asynchronously ({len(asynced)} of {n})")
        left = None if b is None or b.barrier is None else b.unbound_at(expected, b.rel(b.barrier))
        tap(b is not None and b.barrier_rc == 0 and left == [],
            f"{r}: udev-async-probe settle returned 0 with every device bound"
            + ("" if b is None or b.barrier is None else
               f" (exit {b.barrier_rc}, unbound then: {' '.join(left) or 'none'})"))
    for r, b in project:
        if b is None:
            continue
        slow = b.devices(driver)
        bound = b.bound_by(expected)
        print(f"# {r}: {sum(1 for d in slow if (d, driver) in b.asynced)} of {len(slow)} {driver} "
              f"probes asynchronous; udev-async-probe settle "
              + ("not run" if b.barrier is None else f"exit {b.barrier_rc}, " + (
                 "with devices unbound" if bound is None
                 else f"{b.rel(b.barrier) - bound:.0f} ms after the last bound")))
    print(f"1..{t}")
    return 1 if failed else 0


def main():
    cmd = sys.argv[1]
    if cmd == "boot":
        cmd_boot(sys.argv[2], sys.argv[3])
    elif cmd == "table":
        cmd_table(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "smoke":
        sys.exit(cmd_smoke(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    else:
        sys.exit(f"usage: {sys.argv[0]} boot REPORT DRIVER | table BOOTS DEVICE DRIVER "
                 "| smoke BOOTS DEVICE DRIVER N")


if __name__ == "__main__":
    main()
