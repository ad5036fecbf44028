#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real udev-async-probe binary and real libkmod against a fixture
module tree, with an LD_PRELOAD trap in the kernel's place that records
each insert and its options. Prints TAP.

usage: run-fixture-tests.py PROGRAM TRAP.so SHIPPED_CONF_DIR
Environment: CC, DEPMOD; UAP_WRAPPER (e.g. valgrind ...) wraps PROGRAM.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
from tap import Tap, read_inserts  # noqa: E402

NIC = "pci:v00001234d00000001sv00000000sd00000000bc02sc00i00"
DUAL = "pci:v00001234d00000002sv00000000sd00000000bc02sc00i00"
BUILTIN = "pci:v00001234d00000003sv00000000sd00000000bc02sc00i00"
BLACK = "pci:v00001234d00000004sv00000000sd00000000bc02sc00i00"
OPT0 = "pci:v00001234d00000005sv00000000sd00000000bc02sc00i00"
OPT1 = "pci:v00001234d00000006sv00000000sd00000000bc02sc00i00"
INST = "pci:v00001234d00000007sv00000000sd00000000bc02sc00i00"
NOMOD = "pci:v0000FFFFd0000FFFFsv00000000sd00000000bc02sc00i00"
PLAT = "platform:fixplat"
USB = "usb:v1234p0001d0100dc00dsc00dp00ic03isc01ip02in00"

# Config every case has beside the shipped file (which sorts first).
BASE_CONF = """
softdep fix_nic pre: fix_soft
blacklist fix_black
options fix_opt0 async_probe=0
options fix_opt1 async_probe debug=1
install fix_inst echo "$CMDLINE_OPTS" > {root}/install.out
"""

NIC_ASYNC = ["fix_core", "fix_soft", "fix_nic async_probe=1"]
# A module that gets no async_probe=1 is left to udev's kmod load.
LEFT = []


def event(modalias, subsystem, **extra):
    env = {"ACTION": "add", "DEVPATH": "/devices/fixture/0", "MODALIAS": modalias}
    if subsystem:
        env["SUBSYSTEM"] = subsystem
    env.update(extra)
    return env


# name, args, event env, {conf, cmdline, fail, live}, rc, inserts, stderr regex
CASES = [
    # DESIGN 2.3 rule 4: the bus list
    ("listed bus from udev event: async, deps and softdeps plain",
     ["load"], event(NIC, "pci"), {}, 0, NIC_ASYNC, r"inserted 'fix_nic' with async_probe=1 \(bus-listed"),
    ("listed bus from argument", ["load", NIC], None, {}, 0, NIC_ASYNC, None),
    ("a successful load is silent at the default log level",
     ["load"], event(NIC, "pci"), {"level": "info"}, 0, NIC_ASYNC, r"^$"),
    ("unlisted bus: left to kmod load", ["load"], event(PLAT, "platform"), {}, 0, LEFT,
     r"leaving 'fix_plat' to udev's kmod load \(bus-unlisted"),
    ("bus is SUBSYSTEM, not the modalias prefix",
     ["load"], event(NIC, "platform"), {}, 0, LEFT, r"bus-unlisted"),
    ("buses=* lists every bus", ["load", USB], None, {"conf": "options udev_async_probe buses=*"},
     0, ["fix_usb async_probe=1"], None),
    ("one modalias, two modules: each decided and loaded", ["load", DUAL], None, {}, 0,
     ["fix_dual_a async_probe=1", "fix_dual_b async_probe=1"], None),
    ("several modaliases in one call", ["load", NIC, PLAT], None, {}, 0, NIC_ASYNC, None),
    # rule 3: the device property
    ("ASYNC_PROBE=1 forces async on an unlisted bus",
     ["load"], event(PLAT, "platform", ASYNC_PROBE="1"), {}, 0, ["fix_plat async_probe=1"], r"device-property"),
    ("ASYNC_PROBE=0 forbids async on a listed bus",
     ["load"], event(NIC, "pci", ASYNC_PROBE="0"), {}, 0, LEFT, r"device-property"),
    ("ASYNC_PROBE that is no boolean: plain",
     ["load"], event(NIC, "pci", ASYNC_PROBE="maybe"), {}, 0, LEFT, r"device-property-invalid"),
    ("arguments ignore the event's ASYNC_PROBE",
     ["load", NIC], event(NIC, "pci", ASYNC_PROBE="0"), {}, 0, NIC_ASYNC, None),
    # rule 2: the admin's own async_probe
    ("options m async_probe=0 wins", ["load"], event(OPT0, "pci", ASYNC_PROBE="1"), {}, 0,
     LEFT, r"module-options"),
    ("options m async_probe is not given a second one", ["load", OPT1], None, {}, 0,
     LEFT, r"module-options"),
    ("kernel command line m.async_probe=0 wins", ["load", NIC], None,
     {"cmdline": "root=/dev/vda fix_nic.async_probe=0"}, 0, LEFT, r"module-options"),
    # rule 1 and configuration
    ("enable=0: plain", ["load", NIC], None, {"conf": "options udev_async_probe enable=0"}, 0, LEFT,
     r"\(disabled"),
    ("enable=0 beats ASYNC_PROBE=1", ["load"], event(PLAT, "platform", ASYNC_PROBE="1"),
     {"conf": "options udev_async_probe enable=0"}, 0, LEFT, r"\(disabled"),
    ("rescue switch on the kernel command line", ["load", NIC], None,
     {"cmdline": "root=/dev/vda udev_async_probe.enable=0"}, 0, LEFT, r"\(disabled"),
    ("command line re-enables after a file disabled it", ["load", NIC], None,
     {"conf": "options udev_async_probe enable=0", "cmdline": "udev-async-probe.enable=1"}, 0, NIC_ASYNC, None),
    ("duplicated keys: last wins", ["load", USB], None,
     {"conf": "options udev_async_probe buses=usb buses=pci,usb enable=0 enable=1"}, 0,
     ["fix_usb async_probe=1"], None),
    ("unknown key: one warning, plain", ["load", NIC], None,
     {"conf": "options udev_async_probe enabel=0", "level": "info"}, 0, LEFT,
     r"^udev-async-probe: Ignoring udev_async_probe options, loading synchronously: unknown key 'enabel=0'\n"),
    ("malformed enable=: warning, plain", ["load", NIC], None,
     {"conf": "options udev_async_probe enable=maybe"}, 0, LEFT, r"invalid boolean 'enable=maybe'"),
    ("malformed buses=: warning, plain", ["load", NIC], None,
     {"conf": "options udev_async_probe buses=pci;usb"}, 0, LEFT, r"invalid bus list 'buses=pci;usb'"),
    ("no configuration at all: nothing async", ["load", NIC], None, {"no_shipped": True}, 0, LEFT, None),
    # modules that are not to be inserted
    ("modalias with no module: quiet success", ["load"], event(NOMOD, "pci"), {"level": "info"}, 0, [], r"^$"),
    ("blacklisted module: not loaded, said at debug level", ["load"], event(BLACK, "pci"), {}, 0, [],
     r"Module 'fix_black' is blacklisted in modprobe.d"),
    ("blacklisted module: nothing said at the default level", ["load"], event(BLACK, "pci"),
     {"level": "info"}, 0, [], r"^$"),
    ("built-in module: nothing to do", ["load", BUILTIN], None, {"level": "info"}, 0, [], r"^$"),
    ("live module: nothing to do", ["load", NIC], None, {"live": ["fix_nic"], "level": "info"}, 0, [], r"^$"),
    ("live dependency is skipped, target still async", ["load", NIC], None, {"live": ["fix_core"]}, 0,
     ["fix_soft", "fix_nic async_probe=1"], None),
    ("install command gets async_probe=1 in $CMDLINE_OPTS", ["load", INST], None, {}, 0, [], None),
    # failing inserts
    ("insert fails with EINVAL", ["load", NIC], None, {"fail": "fix_nic=EINVAL"}, 1,
     ["fix_core", "fix_soft", "fix_nic async_probe=1 -> EINVAL"],
     r"failed to insert 'fix_nic' with async_probe=1 .*: Invalid argument"),
    ("insert fails with ENOEXEC", ["load"], event(NIC, "pci"), {"fail": "fix_nic=ENOEXEC"}, 1,
     ["fix_core", "fix_soft", "fix_nic async_probe=1 -> ENOEXEC"], r"Exec format error"),
    ("insert races with another loader (EEXIST): success", ["load", NIC], None,
     {"fail": "fix_nic=EEXIST"}, 0, ["fix_core", "fix_soft", "fix_nic async_probe=1 -> EEXIST"], r"^(?!.*failed)"),
    ("dependency fails: target not inserted", ["load", NIC], None, {"fail": "fix_core=ENOMEM"}, 1,
     ["fix_core -> ENOMEM"], r"failed to insert 'fix_nic'"),
    ("one failure does not stop the next module", ["load", DUAL], None, {"fail": "fix_dual_a=EPERM"}, 1,
     ["fix_dual_a async_probe=1 -> EPERM", "fix_dual_b async_probe=1"], r"Operation not permitted"),
    # bad input: nothing loaded, exit 2
    ("MODALIAS missing from the event", ["load"], {"ACTION": "add", "SUBSYSTEM": "pci"}, {}, 2, [],
     r"MODALIAS is not set"),
    ("empty MODALIAS", ["load"], event("", "pci"), {}, 2, [], r"malformed MODALIAS"),
    ("MODALIAS longer than a uevent", ["load", "pci:" + "v" * 3000], None, {}, 2, [],
     r"malformed MODALIAS \"pci:v{60}\.\.\.\": Argument list too long"),
    ("MODALIAS with a space", ["load", "pci:v1234 d5678"], None, {}, 2, [], r"malformed MODALIAS"),
    ("MODALIAS with control characters", ["load", "pci:\x01\x1b[2J"], None, {}, 2, [], r"malformed MODALIAS"),
    ("MODALIAS with non-ASCII bytes", ["load", "pci:caf\u00e9"], None, {}, 2, [], r"malformed MODALIAS"),
    ("one bad argument: nothing loaded at all", ["load", NIC, "bad alias"], None, {}, 2, [], r"malformed"),
    ("MODALIAS without a bus prefix: plain", ["load", "fixplat"], None, {"level": "info"}, 0, [], r"^$"),
    ("module indexes missing: clear error, nothing loaded", ["load", NIC], None, {"no_indexes": True, "level": "info"}, 1, [],
     r"Failed to load module indexes from .*: No such file or directory"),
    ("libkmod's debug logging (-vv) keeps errno intact for libkmod", ["load", "-vv", NIC], None,
     {"no_indexes": True, "level": "info"}, 1, [],
     r"libkmod: .*Failed to load module indexes from .*: No such file or directory"),
    ("libkmod's chatter is not shown at -v", ["load", "-v", NIC], None, {"level": "info"}, 0, NIC_ASYNC,
     r"^(?!.*libkmod: )"),
    ("unknown command", ["frobnicate"], None, {}, 2, [], r"Unknown command 'frobnicate'"),
    ("no command", [], None, {}, 2, [], r"Missing command"),
    ("explain takes exactly one argument", ["explain"], None, {}, 2, [], r"takes one"),
    ("status takes no argument", ["status", "x"], None, {}, 2, [], r"takes no arguments"),
]


class Runner(Tap):
    def __init__(self, program, trap, shipped, wrapper):
        super().__init__()
        self.program, self.trap, self.shipped, self.wrapper = program, trap, shipped, wrapper
        self.tmp = tempfile.mkdtemp(prefix="uap-fixture-")
        self.tree = os.path.join(self.tmp, "tree")
        fixture.build(self.tree, cc=os.environ.get("CC", "cc"), depmod=os.environ.get("DEPMOD", "depmod"))

    def prepare(self, opts):
        case = tempfile.mkdtemp(dir=self.tmp)
        fake = os.path.join(case, "fake")
        os.makedirs(os.path.join(fake, "proc"))
        os.makedirs(os.path.join(fake, "sys", "module"))
        with open(os.path.join(fake, "proc", "cmdline"), "w") as f:
            f.write(opts.get("cmdline", "root=/dev/vda") + "\n")
        with open(os.path.join(fake, "proc", "modules"), "w") as f:
            for m in opts.get("live", []):
                f.write(f"{m} 16384 0 - Live 0x0000000000000000\n")
        for m in opts.get("live", []):
            os.makedirs(os.path.join(fake, "sys", "module", m))
            with open(os.path.join(fake, "sys", "module", m, "initstate"), "w") as f:
                f.write("live\n")
        conf = os.path.join(case, "conf")
        os.makedirs(conf)
        with open(os.path.join(conf, "zz-case.conf"), "w") as f:
            f.write(BASE_CONF.format(root=case) + opts.get("conf", "") + "\n")
        return case, fake, conf

    def run(self, args, env_extra, opts):
        case, fake, conf = self.prepare(opts)
        tree = os.path.join(case, "missing") if opts.get("no_indexes") else self.tree
        cmd = [self.program, "-d", tree, "-S", fixture.KVER]
        if not opts.get("no_shipped"):
            cmd += ["-C", self.shipped]
        cmd += ["-C", conf] + args
        env = {"PATH": os.environ["PATH"], "SYSTEMD_LOG_TARGET": "console",
               "SYSTEMD_LOG_LEVEL": opts.get("level", "debug"),
               "TRAP_LOG": os.path.join(case, "inserts"), "LD_PRELOAD": self.trap}
        if not opts.get("real_sys"):
            env["TRAP_ROOT"] = fake
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        if "fail" in opts:
            env["TRAP_FAIL"] = opts["fail"]
        if env_extra:
            env.update(env_extra)
        p = subprocess.run(shlex.split(self.wrapper) + cmd, env=env, capture_output=True)
        return p, read_inserts(env["TRAP_LOG"]), case

    def report(self, name, problems, p=None):
        err = p.stderr.decode(errors="replace").splitlines() if p is not None else []
        super().report(name, problems, [f"stderr: {line}" for line in err])

    def case(self, name, args, env_extra, opts, rc, inserts, stderr_re):
        p, got, case = self.run(args, env_extra, opts)
        problems = []
        if p.returncode != rc:
            problems.append(f"exit status {p.returncode}, expected {rc}")
        if got != inserts:
            problems.append(f"inserts {got}, expected {inserts}")
        err = p.stderr.decode(errors="replace")
        if stderr_re is not None and not re.search(stderr_re, err, re.S):
            problems.append(f"stderr does not match {stderr_re!r}")
        if name.startswith("install command"):
            try:
                out = open(os.path.join(case, "install.out")).read().strip()
            except FileNotFoundError:
                out = None
            if out != "async_probe=1":
                problems.append(f"install command saw {out!r}, expected 'async_probe=1'")
        self.report(name, problems, p)


def explain_cases(r):
    p, inserts, _ = r.run(["explain", NIC], None, {})
    out = p.stdout.decode()
    problems = [] if p.returncode == 0 and inserts == [] else [f"rc {p.returncode}, inserts {inserts}"]
    want = f"{NIC} (bus pci)\n  fix_nic: async, load with async_probe=1 (bus-listed: bus is in buses=)\n"
    if not out.startswith(want) or not re.search(r"\n  udev rules \(.*\): .*\n$", out):
        problems.append(f"stdout {out!r}, expected {want!r} and the udev rules line")
    r.report("explain MODALIAS: one line per module with the rule, nothing loaded", problems, p)

    p, _, _ = r.run(["explain", "--json", DUAL], None,
                    {"live": ["fix_dual_b"], "conf": "options fix_dual_a async_probe=0 x=\"a b\""})
    problems = []
    try:
        j = json.loads(p.stdout)
        mods = {m["module"]: m for m in j["modules"]}
        if j["bus"] != "pci" or j["config"] != {"enable": True, "buses": "pci", "error": None}:
            problems.append(f"header {j}")
        if mods["fix_dual_a"] != {"module": "fix_dual_a", "state": "loadable", "async": False,
                                  "append": False, "rule": "module-options",
                                  "options": "async_probe=0 x=\"a b\"", "loaded_async_probe": None}:
            problems.append(f"fix_dual_a {mods['fix_dual_a']}")
        if (mods["fix_dual_b"]["state"], mods["fix_dual_b"]["rule"]) != ("live", "bus-listed"):
            problems.append(f"fix_dual_b {mods['fix_dual_b']}")
    except (ValueError, KeyError) as e:
        problems.append(f"bad JSON ({e}): {p.stdout!r}")
    r.report("explain --json: state, decision, rule and options per module", problems, p)

    p, _, _ = r.run(["explain", "--json=pretty", NIC], None, {"conf": "options udev_async_probe bogus"})
    try:
        j = json.loads(p.stdout)
        ok = j["config"]["error"] == "unknown key 'bogus'" and j["modules"][0]["rule"] == "config-invalid"
    except (ValueError, KeyError, IndexError):
        ok = False
    r.report("explain --json reports an invalid configuration", [] if ok else [repr(p.stdout)], p)

    p, _, _ = r.run(["explain", NOMOD], None, {})
    ok = p.returncode == 0 and "\n  no module matches\n  udev rules" in p.stdout.decode()
    r.report("explain of a modalias nothing matches", [] if ok else [repr(p.stdout)], p)

    p, _, _ = r.run(["explain", BLACK], None, {})
    ok = "\n  fix_black: blacklisted, not loaded\n" in p.stdout.decode()
    r.report("explain marks a blacklisted module", [] if ok else [repr(p.stdout)], p)

    p, _, _ = r.run(["explain", "/sys/devices/no/such/device"], None, {})
    ok = p.returncode == 2 and b"No device at /sys/devices/no/such/device" in p.stderr
    r.report("explain of a missing SYSPATH fails clearly", [] if ok else [f"rc {p.returncode}"], p)


def host_device():
    """A device of this machine's own sysfs that has a modalias, if any."""
    for bus in sorted(os.listdir("/sys/bus")):
        devices = os.path.join("/sys/bus", bus, "devices")
        for d in sorted(os.listdir(devices)) if os.path.isdir(devices) else []:
            path = os.path.realpath(os.path.join(devices, d))
            try:
                with open(os.path.join(path, "modalias")) as f:
                    return path, f.read().strip(), bus
            except OSError:
                continue
    return None


def sysfs_cases(r):
    dev = host_device()
    if dev is None:
        r.skip("explain SYSPATH", "no device with a modalias in this machine's sysfs")
        return
    path, modalias, bus = dev
    p, inserts, _ = r.run(["explain", path], None, {"real_sys": True})
    want = f"{modalias} (bus {bus})\n"
    ok = p.returncode == 0 and p.stdout.decode().startswith(want) and inserts == []
    r.report(f"explain SYSPATH reads MODALIAS and SUBSYSTEM through libudev ({path})",
             [] if ok else [f"rc {p.returncode}", f"stdout {p.stdout!r}", f"expected start {want!r}"], p)
    p, _, _ = r.run(["explain", path[len("/sys"):]], None, {"real_sys": True})
    ok = p.returncode == 0 and p.stdout.decode().startswith(want)
    r.report("explain takes a devpath without /sys, as udevadm does", [] if ok else [repr(p.stdout)], p)


def modprobe_config_case(r):
    modprobe = os.path.join(os.path.dirname(os.environ.get("DEPMOD", "/sbin/depmod")), "modprobe")
    p = subprocess.run([modprobe, "-C", r.shipped, "-c"], capture_output=True)
    problems = []
    if p.returncode != 0 or p.stderr:
        problems.append(f"modprobe -c: rc {p.returncode}, stderr {p.stderr!r}")
    if b"options udev_async_probe enable=1 buses=pci\n" not in p.stdout:
        problems.append("modprobe -c does not show the shipped options")
    r.report("modprobe -c shows the shipped configuration and libkmod reports no error", problems)


def status_cases(r):
    def prepare_sysfs(case_fake):
        m = os.path.join(case_fake, "sys", "module")
        for name, value in (("fix_nic", "1\n"), ("fix_plat", "0\n")):
            os.makedirs(os.path.join(m, name, "drivers"), exist_ok=True)
            with open(os.path.join(m, name, "async_probe"), "w") as f:
                f.write(value)
        os.symlink("../../../bus/fixbus/drivers/fix_nic", os.path.join(m, "fix_nic", "drivers", "fixbus:fix_nic"))
        d = os.path.join(case_fake, "sys", "bus", "fixbus", "drivers", "fix_nic")
        os.makedirs(d)
        with open(os.path.join(d, "probe_type"), "w") as f:
            f.write("async\n")

    orig = r.prepare

    def prepare(opts):
        case, fake, conf = orig(opts)
        prepare_sysfs(fake)
        return case, fake, conf
    r.prepare = prepare
    try:
        live = {"live": ["fix_nic", "fix_plat", "fix_core"]}
        p, _, _ = r.run(["status"], None, live)
        lines = p.stdout.decode().splitlines()
        want = [f"{'fix_nic':<24} async_probe=1 fixbus/fix_nic=async",
                f"{'fix_plat':<24} async_probe=0",
                f"{'fix_core':<24} async_probe=unknown"]
        r.report("status: read-back where the kernel has it, unknown where not",
                 [] if lines == want else [f"{lines!r}"], p)
        p, _, _ = r.run(["status", "--json"], None, live)
        try:
            j = json.loads(p.stdout)
            ok = j[0] == {"module": "fix_nic", "async_probe": True,
                          "drivers": [{"bus": "fixbus", "driver": "fix_nic", "probe_type": "async"}]} \
                and j[1]["async_probe"] is False and j[2]["async_probe"] is None
        except (ValueError, KeyError, IndexError):
            ok = False
        r.report("status --json", [] if ok else [repr(p.stdout)], p)
    finally:
        r.prepare = orig


def main():
    program, trap, shipped = sys.argv[1:4]
    r = Runner(os.path.abspath(program), os.path.abspath(trap), os.path.abspath(shipped),
               os.environ.get("UAP_WRAPPER", ""))
    try:
        for c in CASES:
            r.case(*c)
        explain_cases(r)
        sysfs_cases(r)
        modprobe_config_case(r)
        status_cases(r)
    finally:
        shutil.rmtree(r.tmp)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
