#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The README's first screen, as a new user reads it (TAP):

- it fits a screen (60 lines) and leaves no placeholder;
- every figure it gives (seconds, ratios) is one the benchmark script
  printed, as docs/benchmarks.md quotes its output (tables, the one-probe
  line, per-boot lines, PASS/MISS lines): ms there, s (one decimal) or
  x (a ratio column) here; prose figures count for nothing;
- every command it shows runs: the program's read-only commands as
  written (the fixture module tree and the LD_PRELOAD trap in the
  kernel's place; a device path this machine lacks replaced by one of its
  own devices), the boot switch on a faked kernel command line, the file
  that turns it off read back by the program, and the commands that would
  change the system (update-initramfs, the demo, the tests) with --help.

usage: readme-test.py PROGRAM TRAP.so SHIPPED_CONF_DIR README BENCHMARKS
"""
import os
import re
import shutil
import subprocess
import sys
import xml.dom.minidom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import NIC  # noqa: E402
from runner import Runner, event  # noqa: E402

SCREEN = 60
FIGURE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?) ?(s|ms|x)(?![\w])")


def host_device():
    """A device of this machine's sysfs with a modalias: (syspath, modalias)."""
    for bus in sorted(os.listdir("/sys/bus")) if os.path.isdir("/sys/bus") else []:
        devices = os.path.join("/sys/bus", bus, "devices")
        for d in sorted(os.listdir(devices)) if os.path.isdir(devices) else []:
            path = os.path.realpath(os.path.join(devices, d))
            try:
                with open(os.path.join(path, "modalias")) as f:
                    return path, f.read().strip()
            except OSError:
                continue
    return None


def commands(text):
    """The indented command lines of the text, comments cut off."""
    out = []
    for line in text.splitlines():
        if line.startswith("    ") and line.strip():
            out.append(re.sub(r"\s+#.*$", "", line.strip()))
    return out


def measured_figures(text):
    """The figures of the script's own output lines in TEXT, in the forms
    the README may give them."""
    known = set()
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith(("|", "One ", "PASS:", "MISS:", "qemu-slow.sh: N=")):
            continue
        for m in re.finditer(r"(?<![\w.])(\d+)(\.\d+)?(?![\w.])", line):
            if m.group(2):
                known.add((m.group(0), "x"))
            else:
                known.add((m.group(1), "ms"))
                known.add((f"{int(m.group(1)) / 1000:.1f}", "s"))
    return known


def figures_case(r, screen, benchmarks):
    left = [m.group(0) for m in re.finditer(r"FIGURE_\w+|TBD|XXX", screen)]
    r.report("the first screen has no placeholder", [f"placeholder {w}" for w in left])
    bench = open(benchmarks).read()
    start = bench.find("### Figures")
    known = measured_figures(bench[start:] if start >= 0 else "")
    problems = []
    for m in FIGURE.finditer(screen):
        if (m.group(1), m.group(2)) not in known:
            problems.append(f"{m.group(0)!r} is not among the figures measured in {os.path.basename(benchmarks)}")
    found = len(list(FIGURE.finditer(screen)))
    if found == 0:
        problems.append("no figure found: the first screen must say how much it helps")
    r.report(f"the first screen's {found} figures are the benchmark document's", problems)


def program_cases(r, cmds):
    seen = set()
    for cmd in cmds:
        words = cmd.split()
        if words and words[0] == "sudo":
            words = words[1:]
        if not words or words[0] != "udev-async-probe":
            continue
        verb, args = words[1], words[2:]
        seen.add(verb)
        opts, cwd_files = {}, []
        if verb == "explain":
            path = args[0]
            if not os.path.exists(path):
                dev = host_device()
                if dev is None:
                    r.skip(f"README: {cmd}", "no device with a modalias in this machine's sysfs")
                    continue
                args = [dev[0]] + args[1:]
            opts["real_sys"] = True
        if verb == "report":
            # The first screen's report reads this boot's /dev/kmsg and writes an SVG.
            opts["real_sys"] = True
            args = [a.replace("boot.svg", os.path.join(r.tmp, "boot.svg")) for a in args]
            cwd_files = [os.path.join(r.tmp, "boot.svg")]
        p, inserts, _ = r.run([verb] + args, None, opts)
        problems = [] if p.returncode == 0 else [f"exit status {p.returncode}"]
        if inserts:
            problems.append(f"inserted {inserts}: the command must only look")
        if verb == "explain" and not re.search(rb"\b(async|sync|no module)", p.stdout):
            problems.append(f"says neither async nor sync: {p.stdout[:300]!r}")
        for f in cwd_files:
            try:
                xml.dom.minidom.parse(f)
            except (OSError, Exception) as e:
                problems.append(f"{os.path.basename(f)}: {e}")
        r.report(f"README: {cmd}", problems, p)
    for verb in ("explain", "status", "report"):
        if verb not in seen:
            r.report(f"the first screen shows {verb}", ["not shown"])


def off_switch_cases(r, screen, cmds):
    # For one boot: the kernel command line, as the program reads it.
    m = re.search(r"`(udev_async_probe\.enable=0)`", screen)
    if m is None:
        r.report("the first screen names the boot switch", ["no udev_async_probe.enable=0"])
    else:
        p, inserts, _ = r.run(["load"], event(NIC, "pci"), {"cmdline": "root=/dev/vda " + m.group(1)})
        ok = p.returncode == 0 and inserts == []
        r.report(f"README: {m.group(1)} on the kernel command line: a PCI device's event inserts nothing "
                 "(kmod load then loads it plainly)",
                 [] if ok else [f"rc {p.returncode}, inserts {inserts}"], p)
    # For good: the file it writes, read back from a directory of its own.
    for cmd in cmds:
        m = re.match(r"echo '([^']+)' *>(/etc/modprobe\.d/\S+)$", cmd)
        if not m:
            continue
        conf = os.path.join(r.tmp, "etc-modprobe.d")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, os.path.basename(m.group(2))), "w") as f:
            f.write(m.group(1) + "\n")
        p = subprocess.run([r.program, "-C", r.shipped, "-C", conf, "config"], capture_output=True)
        first = p.stdout.decode().splitlines()[:1]
        ok = p.returncode == 0 and first and first[0].startswith("enable=0")
        r.report(f"README: {cmd}: the configuration then reads enable=0",
                 [] if ok else [f"rc {p.returncode}", repr(p.stdout[:300])], p)


def help_cases(r, top, cmds):
    for cmd in cmds:
        words = cmd.split()
        if words and words[0] == "sudo":
            words = words[1:]
        if not words or words[0] in ("udev-async-probe", "echo"):
            continue
        prog = words[0]
        if prog.startswith("test/"):
            argv = ["bash", os.path.join(top, prog), "--help"]
        elif shutil.which(prog, path=os.environ["PATH"] + ":/usr/sbin:/sbin"):
            argv = [shutil.which(prog, path=os.environ["PATH"] + ":/usr/sbin:/sbin"), "-h"]
        else:
            r.skip(f"README: {cmd} (with -h)", f"{prog} is not installed here")
            continue
        p = subprocess.run(argv, capture_output=True, timeout=60)
        out = p.stdout + p.stderr
        ok = p.returncode == 0 and re.search(rb"[Uu]sage", out)
        r.report(f"README: {cmd} (with --help)", [] if ok else [f"rc {p.returncode}", repr(out[:300])])


def main():
    program, trap, shipped, readme, benchmarks = sys.argv[1:6]
    r = Runner(program, trap, shipped)
    try:
        text = open(readme).read()
        lines = text.splitlines()
        r.report(f"the README fits one screen ({len(lines)} lines)",
                 [] if len(lines) <= SCREEN else [f"{len(lines)} lines, more than {SCREEN}"])
        screen = "\n".join(lines[:SCREEN])
        cmds = commands(screen)
        figures_case(r, screen, benchmarks)
        program_cases(r, cmds)
        off_switch_cases(r, screen, cmds)
        help_cases(r, os.path.dirname(os.path.abspath(readme)), cmds)
    finally:
        shutil.rmtree(r.tmp)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
