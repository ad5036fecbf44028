#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The captured boot logs of data/ in the other forms a user may hold, derived
from them (data/README.md says how), written to OUTDIR:

    derive-formats.py DATA_DIR/NAME OUTDIR

NAME.dmesg-T    `dmesg -T`: wall-clock time to the second, from NAME.dmesg
NAME.journal-k  `journalctl -k` (short): the journal's kernel lines, wall
                clock to the second, from NAME.journal
NAME.json       `journalctl -b -o json`: every entry of NAME.journal with the
                fields journald gives it: kernel lines (_TRANSPORT=kernel)
                where NAME.dmesg has the line too, the others from the
                journal transport of their program's unit

The boot's wall-clock time is made up (BOOTS below): the captures have only
the kernel's monotonic clock. Each form is derived from that clock as its
tool does it (dmesg -T and journalctl cut the seconds, they do not round).

journalctl's short forms print when journald received a line, not when the
kernel logged it: the kernel lines it reads from the ring buffer as it
starts all get its start time. So does the journal-k form here: a kernel
line's time is the later of its own and journald's start (the first line
of systemd-journald in NAME.journal), as are the JSON's
__MONOTONIC_TIMESTAMP and __REALTIME_TIMESTAMP of a kernel entry, whose
_SOURCE_MONOTONIC_TIMESTAMP is the kernel's own time. Not modelled: the
few microseconds to milliseconds a line takes to reach journald once it
runs, and a step of the wall clock (NTP), which moves every later line.

journalctl -o json prints each entry as compact JSON, its fields in no
fixed order (systemd 252: the order of a hash table); so does the json form
here, in an order shuffled per entry with a fixed seed."""
import datetime
import json
import os
import random
import re
import sys

# When each captured boot started (UTC), on the day of data/README.md.
BOOTS = {
    "uml-stock": "2026-11-27 01:05:40.612408",
    "uml-program": "2026-11-27 01:06:10.118263",
    "uml-program-nodebug": "2026-11-27 01:06:40.503117",
    "qemu-stock": "2026-11-27 02:11:20.437551",
    "qemu-program": "2026-11-27 02:13:21.781904",
    "qemu-slow-stock": "2026-12-06 18:57:19.352176",
    "qemu-slow-program": "2026-12-06 18:57:48.664093",
}
BOOT_ID = "3d1219c7c4c5404aaa1f6d2a48adfda4"
MACHINE_ID = "5e0a1b7c9d2f4e6a8b3c1d0e9f7a6b5c"

# The unit each program of the captures runs in.
UNITS = {
    "systemd": "init.scope",
    "systemd-journald": "systemd-journald.service",
    "systemd-modules-load": "systemd-modules-load.service",
    "systemd-udevd": "systemd-udevd.service",
    "udev-async-probe": "udev-async-probe-rules.service",   # the rules writer, in qemu-program
    "systemctl": "uap-report.service",
}

LINE = re.compile(r"^\[\s*(\d+)\.(\d{6})\] (.*)$")
PROGRAM = re.compile(r"^([^\s\[\]:]+)(?:\[(\d+)\])?: (.*)$")


def usec_of(m):
    return int(m.group(1)) * 1000000 + int(m.group(2))


def wall(boot, usec):
    return boot + datetime.timedelta(microseconds=usec)


def dmesg_t(boot, dmesg):
    out = []
    for line in dmesg:
        m = LINE.match(line)
        if not m:
            out.append(line)
            continue
        t = wall(boot, usec_of(m))
        # util-linux: "%a %b %e %H:%M:%S %Y", the day padded with a space
        out.append(f"[{t.strftime('%a %b')} {t.day:2d} {t.strftime('%H:%M:%S %Y')}] {m.group(3)}")
    return out


def journald_start(journal):
    """When systemd-journald started: its first line's time, 0 if none."""
    for line in journal:
        m = LINE.match(line)
        if m and " systemd-journald[" in m.group(3):
            return usec_of(m)
    return 0


def received(usec, start):
    """When journald received a kernel line logged at @usec."""
    return max(usec, start)


def journal_entries(boot, journal, dmesg):
    """(usec, host, ident or None for the kernel, pid, text, in dmesg) per line."""
    in_dmesg = set()
    for line in dmesg:
        m = LINE.match(line)
        if m:
            in_dmesg.add((usec_of(m), m.group(3)))
    for line in journal:
        m = LINE.match(line)
        if not m:
            continue
        usec, rest = usec_of(m), m.group(3)
        host, _, rest = rest.partition(" ")
        if rest.startswith("kernel: "):
            yield usec, host, None, None, rest[len("kernel: "):], True
            continue
        p = PROGRAM.match(rest)
        if not p:
            continue
        yield usec, host, p.group(1), p.group(2), p.group(3), (usec, rest) in in_dmesg


def journal_k(boot, journal, dmesg):
    out, start = [], journald_start(journal)
    for usec, host, ident, pid, text, kernel in journal_entries(boot, journal, dmesg):
        if not kernel:
            continue
        t = wall(boot, received(usec, start)).strftime("%b %d %H:%M:%S")
        who = "kernel" if ident is None else ident + (f"[{pid}]" if pid else "")
        out.append(f"{t} {host} {who}: {text}")
    return out


def journal_json(boot, journal, dmesg):
    out, start = [], journald_start(journal)
    rnd = random.Random(1)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    for i, (usec, host, ident, pid, text, kernel) in enumerate(journal_entries(boot, journal, dmesg)):
        mono = received(usec, start) if kernel else usec
        real = int((wall(boot, mono) - epoch) / datetime.timedelta(microseconds=1))
        e = {
            "__CURSOR": f"s=9a1c4e2f0b7d4c1e8f3a6b5d2c0e1f7a;i={i + 1:x};b={BOOT_ID};m={mono:x};t={real:x};x=0",
            "__REALTIME_TIMESTAMP": str(real),
            "__MONOTONIC_TIMESTAMP": str(mono),
            "_BOOT_ID": BOOT_ID,
        }
        if kernel:
            e.update({"_TRANSPORT": "kernel", "PRIORITY": "6" if ident is None else "5",
                      "SYSLOG_FACILITY": "0" if ident is None else "3",
                      "SYSLOG_IDENTIFIER": ident or "kernel"})
            if pid:
                e["SYSLOG_PID"] = pid
            e["_SOURCE_MONOTONIC_TIMESTAMP"] = str(usec)
        else:
            unit = UNITS.get(ident, "user@1000.service")
            e.update({"_TRANSPORT": "journal", "PRIORITY": "6", "SYSLOG_FACILITY": "3",
                      "SYSLOG_IDENTIFIER": ident, "_PID": pid or "1", "_UID": "0", "_GID": "0",
                      "_COMM": ident[:15], "_EXE": f"/usr/lib/systemd/{ident}",
                      "_CMDLINE": f"/usr/lib/systemd/{ident}", "_SYSTEMD_CGROUP": f"/system.slice/{unit}",
                      "_SYSTEMD_UNIT": unit, "_SYSTEMD_SLICE": "system.slice"})
        e.update({"_HOSTNAME": host, "_MACHINE_ID": MACHINE_ID, "MESSAGE": text})
        keys = list(e)
        rnd.shuffle(keys)
        out.append(json.dumps({k: e[k] for k in keys}, ensure_ascii=False, separators=(",", ":")))
    return out


def main():
    base, outdir = sys.argv[1], sys.argv[2]
    name = os.path.basename(base)
    boot = datetime.datetime.fromisoformat(BOOTS[name]).replace(tzinfo=datetime.timezone.utc)
    dmesg = open(base + ".dmesg", encoding="utf-8", errors="surrogateescape").read().splitlines()
    forms = {"dmesg-T": dmesg_t(boot, dmesg)}
    if os.path.exists(base + ".journal"):
        journal = open(base + ".journal", encoding="utf-8", errors="surrogateescape").read().splitlines()
        forms["journal-k"] = journal_k(boot, journal, dmesg)
        forms["json"] = journal_json(boot, journal, dmesg)
    for form, lines in forms.items():
        with open(os.path.join(outdir, f"{name}.{form}"), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
