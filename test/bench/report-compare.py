#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two builds of udev-async-probe against each other on random kernel logs:
a change meant to keep the report as it was (a rewrite of the analysis)
must give the same JSON, byte for byte, on every log.

    report-compare.py OLD NEW [LOGS [SEED]]

The logs (default 2000) mix, at random times, module loads ("calling" /
"initcall", some never finished, names with '-' and '_'), drivers named
like those modules on several buses, async scheduling by a driver's attach
and by device_add(), the driver core's start lines, probes that fail,
programs' lines (pids shared with the loads), and journal forms; plus the
captured logs of test/report/data, the forms derive-formats.py makes of
them, and the hostile logs at small sizes.
Prints one line per difference and a summary; exit 1 on any difference."""
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "report", "data")
TOOLS = ["systemd-udevd", "systemd-modules-load", "udev-async-probe", "(udev-worker)", "modprobe", "bash"]


def random_log(rnd):
    style = rnd.choice(["", "<6>", "<14>", "caller", "<7>caller"])

    def ts(us):
        level = style.replace("caller", "")
        caller = f"[T{rnd.randint(1, 300)}]" if "caller" in style else ""
        return f"{level}[{us // 1000000:5d}.{us % 1000000:06d}]{caller} "

    names = [rnd.choice(["x", "y", "snd-hda", "snd_hda", "usb_storage", "usb-storage", "e1000", "ahci"])
             for _ in range(rnd.randint(1, 6))]
    buses = ["pci", "usb", "b1", "b2", "platform"][:rnd.randint(1, 5)]
    lines, t = [], rnd.randint(0, 2000000)
    running = []
    for _ in range(rnd.randint(1, 120)):
        t += rnd.choice([0, 0, 1, 5, 100, 1000, 20000, 300000])
        k = rnd.random()
        if k < 0.2:
            name = rnd.choice(names)
            pid = rnd.randint(1, 12)
            lines.append(ts(t) + f"calling  {name.replace('-', '_')}_init+0x0/0x10 [{name}] @ {pid}")
            running.append((name, t))
        elif k < 0.35 and running:
            name, start = running.pop(rnd.randrange(len(running)))
            if rnd.random() < 0.85:
                lines.append(ts(t) + f"initcall {name.replace('-', '_')}_init+0x0/0x10 [{name}] returned "
                             f"{rnd.choice([0, 0, -19])} after {t - start} usecs")
        elif k < 0.42:
            name = rnd.choice(names)
            lines.append(ts(t) + f"initcall {name}_init+0x0/0x10 [{name}] returned 0 after "
                         f"{rnd.randint(0, 500000)} usecs")
        elif k < 0.55:
            dev, bus = f"d{rnd.randint(0, 15)}", rnd.choice(buses)
            drv = rnd.choice(names + ["other", "z"])
            lines.append(ts(t) + f"{bus} {dev}: probing driver {drv} asynchronously")
        elif k < 0.6:
            dev, bus = f"d{rnd.randint(0, 15)}", rnd.choice(buses)
            lines.append(ts(t) + f"{bus} {dev}: scheduling asynchronous probe")
        elif k < 0.72:
            dev, bus = f"d{rnd.randint(0, 15)}", rnd.choice(buses)
            drv = rnd.choice(names + ["other", "z"])
            lines.append(ts(t) + f"{bus} {dev}: bus: '{bus}': really_probe: probing driver {drv} with device")
        elif k < 0.9:
            dev = f"d{rnd.randint(0, 15)}"
            lines.append(ts(t) + f"probe of {dev} returned {rnd.choice([0, 0, 0, -19, -517])} after "
                         f"{rnd.choice([0, 1, 50, 1000, rnd.randint(0, t)])} usecs")
        elif k < 0.95:
            tool = rnd.choice(TOOLS)
            pid = rnd.randint(1, 12)
            text = f"Inserted module '{rnd.choice(names)}'" if rnd.random() < 0.5 else "hello"
            lines.append(ts(t) + f"{tool}[{pid}]: {text}")
        elif k < 0.97:
            lines.append(ts(t) + "Run /init as init process")
        else:
            lines.append(ts(t) + f"{rnd.choice(buses)} d{rnd.randint(0, 15)}: async probe completed")
    return "\n".join(lines) + "\n"


def report(prog, conf, path):
    p = subprocess.run([prog, "-C", conf, "report", f"--dmesg={path}", "--json=short"],
                       capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def main():
    old, new = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    diffs = compared = 0
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "conf")
        os.mkdir(conf)
        logs = []
        for i in range(count):
            path = os.path.join(d, f"random-{i}.log")
            with open(path, "w") as f:
                f.write(random_log(rnd))
            logs.append(path)
        for shape, n in (("cubic", 300), ("chain", 300), ("parse", 1000)):
            path = os.path.join(d, f"{shape}-{n}.log")
            with open(path, "wb") as f:
                f.write(subprocess.run([sys.executable, os.path.join(HERE, "..", "report", "hostile-log.py"),
                                        shape, str(n)], capture_output=True, check=True).stdout)
            logs.append(path)
        logs += sorted(os.path.join(DATA, f) for f in os.listdir(DATA)
                       if f.rsplit(".", 1)[-1] in ("dmesg", "journal", "kmsg"))
        derived = os.path.join(d, "derived")
        os.mkdir(derived)
        for base in sorted({f.rsplit(".", 1)[0] for f in os.listdir(DATA) if f.endswith(".dmesg")}):
            subprocess.run([sys.executable, os.path.join(HERE, "..", "report", "derive-formats.py"),
                            os.path.join(DATA, base), derived], check=True)
        logs += sorted(os.path.join(derived, f) for f in os.listdir(derived))
        for path in logs:
            a, b = report(old, conf, path), report(new, conf, path)
            compared += 1
            if a != b:
                diffs += 1
                print(f"differ: {path}: exit {a[0]}/{b[0]}, {len(a[1])}/{len(b[1])} bytes")
                if diffs <= 3:
                    with open(path) as f:
                        print("".join("  " + line for line in f.readlines()[:60]))
    print(f"{compared} logs, {diffs} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
