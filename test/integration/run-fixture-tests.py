#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real udev-async-probe binary and real libkmod against a fixture
module tree, with an LD_PRELOAD trap in the kernel's place that records
each insert and its options. Prints TAP.

usage: run-fixture-tests.py PROGRAM TRAP.so SHIPPED_CONF_DIR
Environment: CC, DEPMOD; UAP_WRAPPER (e.g. valgrind ...) wraps PROGRAM.
"""
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import BLACK, BUILTIN, DUAL, INST, KVER, NIC, NOMOD, OPT0, OPT1, PLAT, USB  # noqa: E402
from runner import Runner, event, fake_udevadm  # noqa: E402
from tap import read_inserts  # noqa: E402



NIC_ASYNC = ["fix_core", "fix_soft", "fix_nic async_probe=1"]
# A module that gets no async_probe=1 is left to udev's kmod load.
LEFT = []


# name, args, event env, {conf, cmdline, fail, live}, rc, inserts, stderr regex
CASES = [
    # policy rule 4: the bus list
    ("listed bus from udev event: async, deps and softdeps plain",
     ["load"], event(NIC, "pci"), {}, 0, NIC_ASYNC, r"inserted 'fix_nic' with async_probe=1 \(bus-listed"),
    ("listed bus from argument", ["load", NIC], None, {}, 0, NIC_ASYNC, None),
    ("a successful async insert is one line at the default log level: module, device, rule",
     ["load"], event(NIC, "pci"), {"level": "info"}, 0, NIC_ASYNC,
     r"^udev-async-probe: /devices/fixture/0: inserted 'fix_nic' with async_probe=1 "
     r"\(bus-listed: bus is in buses=\)\n$"),
    ("unlisted bus: left to kmod load", ["load"], event(PLAT, "platform"), {}, 0, LEFT,
     r"leaving 'fix_plat' to udev's kmod load \(bus-unlisted"),
    ("bus is SUBSYSTEM, not the modalias prefix",
     ["load"], event(NIC, "platform"), {}, 0, LEFT, r"bus-unlisted"),
    ("buses=* lists every bus", ["load", USB], None, {"conf": "options udev_async_probe buses=*"},
     0, ["fix_usb async_probe=1"], None),
    ("one modalias, two modules: each decided and loaded", ["load", DUAL], None, {}, 0,
     ["fix_dual_a async_probe=1", "fix_dual_b async_probe=1"], None),
    ("run by hand, several modaliases: the plain one is inserted plainly", ["load", NIC, PLAT], None, {}, 0,
     NIC_ASYNC + ["fix_plat"], r"inserted 'fix_plat' \(bus-unlisted"),
    ("run by hand, a plain decision is a plain insert (no kmod load follows)", ["load", NIC], None,
     {"conf": "options udev_async_probe enable=0"}, 0, ["fix_core", "fix_soft", "fix_nic"], r"\(disabled"),
    ("run by hand, the module's own async_probe is kept as it is", ["load", OPT1], None, {}, 0,
     ["fix_opt1 async_probe debug=1"], r"module-options"),
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
    ("options m async_probe is not given a second one", ["load"], event(OPT1, "pci"), {}, 0,
     LEFT, r"module-options"),
    ("kernel command line m.async_probe=0 wins", ["load"], event(NIC, "pci"),
     {"cmdline": "root=/dev/vda fix_nic.async_probe=0"}, 0, LEFT, r"module-options"),
    # rule 1 and configuration
    ("enable=0: plain", ["load"], event(NIC, "pci"), {"conf": "options udev_async_probe enable=0"}, 0, LEFT,
     r"\(disabled"),
    ("enable=0 beats ASYNC_PROBE=1", ["load"], event(PLAT, "platform", ASYNC_PROBE="1"),
     {"conf": "options udev_async_probe enable=0"}, 0, LEFT, r"\(disabled"),
    ("rescue switch on the kernel command line", ["load"], event(NIC, "pci"),
     {"cmdline": "root=/dev/vda udev_async_probe.enable=0"}, 0, LEFT, r"\(disabled"),
    ("command line re-enables after a file disabled it", ["load", NIC], None,
     {"conf": "options udev_async_probe enable=0", "cmdline": "udev-async-probe.enable=1"}, 0, NIC_ASYNC, None),
    ("duplicated keys: last wins", ["load", USB], None,
     {"conf": "options udev_async_probe buses=usb buses=pci,usb enable=0 enable=1"}, 0,
     ["fix_usb async_probe=1"], None),
    ("unknown key: one warning, plain", ["load"], event(NIC, "pci"),
     {"conf": "options udev_async_probe enabel=0", "level": "info"}, 0, LEFT,
     r"^udev-async-probe: Ignoring udev_async_probe options, loading synchronously: unknown key 'enabel=0'\n"),
    ("malformed enable=: warning, plain", ["load"], event(NIC, "pci"),
     {"conf": "options udev_async_probe enable=maybe"}, 0, LEFT, r"invalid boolean 'enable=maybe'"),
    ("malformed buses=: warning, plain", ["load"], event(NIC, "pci"),
     {"conf": "options udev_async_probe buses=pci;usb"}, 0, LEFT, r"invalid bus list 'buses=pci;usb'"),
    ("no configuration at all: nothing async", ["load"], event(NIC, "pci"), {"no_shipped": True}, 0, LEFT, None),
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
    ("insert races with another loader (EEXIST): success, and not claimed as ours", ["load", NIC], None,
     {"fail": "fix_nic=EEXIST"}, 0, ["fix_core", "fix_soft", "fix_nic async_probe=1 -> EEXIST"],
     r"^(?!.*(failed|inserted 'fix_nic')).*Module 'fix_nic' was loaded by another loader meanwhile"),
    ("dependency fails: target not inserted", ["load", NIC], None, {"fail": "fix_core=ENOMEM"}, 1,
     ["fix_core -> ENOMEM"], r"failed to insert 'fix_nic'"),
    ("one failure does not stop the next module", ["load", DUAL], None, {"fail": "fix_dual_a=EPERM"}, 1,
     ["fix_dual_a async_probe=1 -> EPERM", "fix_dual_b async_probe=1"], r"Operation not permitted"),
    ("the module's init finds no device (ENODEV): a notice, not a failure", ["load", NIC], None,
     {"fail": "fix_nic=ENODEV", "level": "notice"}, 0,
     ["fix_core", "fix_soft", "fix_nic async_probe=1 -> ENODEV"], r"no device for 'fix_nic'"),
    ("module_blacklist= on the kernel command line (EPERM) is named as such", ["load", NIC], None,
     {"fail": "fix_nic=EPERM", "cmdline": "root=/dev/vda module_blacklist=fix_x,fix-nic"}, 0,
     ["fix_core", "fix_soft", "fix_nic async_probe=1 -> EPERM"],
     r"Module 'fix_nic' is blocked by module_blacklist= on the kernel command line"),
    ("a control character in a module's options reaches no message raw", ["load", NIC], None,
     {"fail": "fix_nic=EINVAL", "conf": "options fix_nic x=\x1b[2J"}, 1,
     ["fix_core", "fix_soft", "fix_nic x=\x1b[2J async_probe=1 -> EINVAL"], r"failed to insert 'fix_nic'"),
    ("--timeout takes seconds", ["load", "--timeout=1s", NIC], None, {}, 2, [], r"Invalid --timeout value '1s'"),
    ("load has no --json", ["load", "--json", NIC], None, {}, 2, [], r"unrecognized option"),
    # bad input: nothing loaded, exit 2
    ("MODALIAS missing from the event", ["load"], {"ACTION": "add", "SUBSYSTEM": "pci"}, {}, 2, [],
     r"MODALIAS is not set"),
    ("empty MODALIAS", ["load"], event("", "pci"), {}, 2, [], r"malformed MODALIAS"),
    ("MODALIAS longer than a uevent", ["load", "pci:" + "v" * 3000], None, {}, 2, [],
     r"malformed MODALIAS \"pci:v{60}\.\.\.\": Argument list too long"),
    ("MODALIAS with a space, as a platform device's name gives it: looked up",
     ["load"], event("platform:Fixed MDIO bus", "platform"), {"level": "info"}, 0, [], r"^$"),
    ("MODALIAS with control characters", ["load", "pci:\x01\x1b[2J"], None, {}, 2, [], r"malformed MODALIAS"),
    ("MODALIAS with a newline", ["load"], event("pci:v1234\nd5678", "pci"), {}, 2, [], r"malformed MODALIAS"),
    ("one bad argument: nothing loaded at all", ["load", NIC, "bad\talias"], None, {}, 2, [], r"malformed"),
    ("MODALIAS without a bus prefix: plain", ["load", "fixplat"], None, {"level": "info"}, 0, [], r"^$"),
    ("module indexes missing: clear error, nothing loaded", ["load", NIC], None, {"no_indexes": True, "level": "info"}, 1, [],
     r"Failed to load module indexes from .*: No such file or directory"),
    # libkmod's messages are shown at -vv; up to kmod 33 (bookworm's 30) it
    # logs the failing open() between the call and its read of errno, from
    # kmod 34 (trixie) its debug messages are compiled out: either way the
    # error names ENOENT.
    ("libkmod's debug logging (-vv) keeps errno intact for libkmod", ["load", "-vv", NIC], None,
     {"no_indexes": True, "level": "info"}, 1, [],
     r"^(?=.*libkmod: ).*Failed to load module indexes from [^\n]*: No such file or directory"),
    ("libkmod's chatter is not shown at -v", ["load", "-v", NIC], None, {"level": "info"}, 0, NIC_ASYNC,
     r"^(?!.*libkmod: )"),
    ("unknown command", ["frobnicate"], None, {}, 2, [], r"Unknown command 'frobnicate'"),
    ("no command", [], None, {}, 2, [], r"Missing command"),
    ("explain takes exactly one argument", ["explain"], None, {}, 2, [], r"takes one"),
    ("status takes no argument", ["status", "x"], None, {}, 2, [], r"takes no arguments"),
    # The module's own options, read as Linux 6.12 reads module parameters.
    # What libkmod 30 hands over, checked with kmod_module_get_options() on
    # Debian 12: a modprobe.d line ends at '\n' only, so a CRLF file leaves a
    # '\r' at the end of each options string; tabs become spaces; quotes and
    # bytes such as 0xA0 pass unchanged; a backslash is dropped before the
    # byte it precedes ("\\\r\n" is no line continuation); all lines for one
    # module are joined with single spaces, the command line's m.k=v last.
    # The CRLF cases are in option_bytes_cases(), below.
    ("options m \"async_probe=0\" quoted whole: the kernel's opt-out, nothing appended",
     ["load"], event(NIC, "pci"), {"conf": 'options fix_nic "async_probe=0"'}, 0, LEFT,
     r"'fix_nic' to udev's kmod load \(module-options:"),
    ("options ending inside an open quote: nothing appended, left to kmod load",
     ["load"], event(NIC, "pci"), {"conf": 'options fix_nic x="a b'}, 0, LEFT,
     r"'fix_nic' to udev's kmod load \(module-options-unsafe:"),
    ("a stray quote in the last value: nothing appended, even with ASYNC_PROBE=1",
     ["load"], event(NIC, "pci", ASYNC_PROBE="1"), {"conf": 'options fix_nic x=a"b'}, 0, LEFT,
     r"module-options-unsafe"),
    ("options stopping at a bare --: nothing appended",
     ["load"], event(NIC, "pci"), {"conf": "options fix_nic x=1 --"}, 0, LEFT, r"module-options-unsafe"),
    # The kernel ignores any other spelling of async_probe; the admin meant it.
    ("async-probe=0 with a dash: the admin's opt-out, inserted plainly, the file named",
     ["load", NIC], None, {"conf": "options fix_nic async-probe=0", "level": "info"}, 0,
     ["fix_core", "fix_soft", "fix_nic async-probe=0"],
     r"'fix_nic'[^\n]*'async-probe=0' in /\S*/conf/zz-case\.conf\b"),
    ("Async_probe=0 for a udev event: left to kmod load, the file named",
     ["load"], event(NIC, "pci", ASYNC_PROBE="1"), {"conf": "options fix_nic Async_probe=0", "level": "info"},
     0, LEFT, r"'fix_nic'[^\n]*'Async_probe=0' in /\S*/conf/zz-case\.conf\b"),
    ("a misspelled async_probe on the kernel command line: named as such",
     ["load"], event(NIC, "pci"), {"cmdline": "root=/dev/vda fix_nic.ASYNC-PROBE=0", "level": "info"}, 0, LEFT,
     r"'fix_nic'[^\n]*'ASYNC-PROBE=0' in the kernel command line"),
    ("the exact async_probe beside a misspelled one: the kernel's value, no warning",
     ["load"], event(NIC, "pci"), {"conf": "options fix_nic async-probe=0 async_probe=1", "level": "info"},
     0, LEFT, r"^$"),
    ("async_probe=nope is false to the kernel's kstrtobool(): nothing appended",
     ["load"], event(NIC, "pci"), {"conf": "options fix_nic async_probe=nope"}, 0, LEFT, r"\(module-options:"),
]


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
                                  "options": "async_probe=0 x=\"a b\"", "loaded_async_probe": None,
                                  "pending": None, "requested": None}:
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

    # Module options are bytes from a file: whatever they hold, the JSON is UTF-8.
    p, _, _ = r.run(["explain", "--json", DUAL], None, {"conf": "options fix_dual_a x=caf\u00e9\udcff\x1b"})
    try:
        j = json.loads(p.stdout.decode("utf-8", errors="strict"))
        opts = {m["module"]: m["options"] for m in j["modules"]}
        ok = opts["fix_dual_a"] == "x=caf\u00e9\ufffd\x1b" and b"\x1b" not in p.stdout
    except (ValueError, KeyError) as e:
        ok = False
    r.report("explain --json is valid UTF-8 and escapes control characters, whatever the options hold",
             [] if ok else [repr(p.stdout)], p)

    # An initramfs built while booted with the rescue switch must not inherit it.
    opts = {"cmdline": "root=/dev/vda udev_async_probe.enable=0 udev_async_probe.buses=usb"}
    p1, _, _ = r.run(["rules"], None, opts)
    p2, _, _ = r.run(["rules", "--no-kernel-cmdline"], None, opts)
    ok = b"RUN" not in p1.stdout and b'SUBSYSTEM=="pci", RUN' in p2.stdout and b"enable=1 buses=pci" in p2.stdout
    r.report("rules --no-kernel-cmdline: the files' configuration, not the running kernel's switches",
             [] if ok else [repr(p1.stdout), repr(p2.stdout)], p2)

    # A C1 control (U+009B, the 8-bit CSI) and a backslash that would pass for an
    # escape (libkmod takes a backslash to escape the next byte: two make one).
    p, _, _ = r.run(["config"], None, {"conf": "options udev_async_probe buses=pci x=\u009b[2J\\\\x1b"})
    out = p.stdout.decode()
    ok = "x=\\x9b[2J\\x5cx1b" in out and "\u009b" not in out
    r.report("config escapes C1 controls and backslashes from the configuration", [] if ok else [repr(out)], p)

    for mode, lines in (("short", 1), ("pretty", 9)):
        p, _, _ = r.run(["config", f"--json={mode}"], None, {})
        try:
            json.loads(p.stdout)
            ok = (p.stdout.count(b"\n") == 1) == (lines == 1) and p.stdout.count(b"\n") >= lines
        except ValueError:
            ok = False
        r.report(f"config --json={mode}", [] if ok else [repr(p.stdout)], p)
    p, _, _ = r.run(["config", "--json=yaml"], None, {})
    r.report("--json= takes short, pretty or off", [] if p.returncode == 2 and b"Invalid --json=" in p.stderr
             else [f"rc {p.returncode}"], p)

    p, _, _ = r.run(["explain", NOMOD], None, {})
    ok = p.returncode == 0 and "\n  no module matches\n  udev rules" in p.stdout.decode()
    r.report("explain of a modalias nothing matches", [] if ok else [repr(p.stdout)], p)

    p, _, _ = r.run(["explain", BLACK], None, {})
    ok = "\n  fix_black: blacklisted, not loaded\n" in p.stdout.decode()
    r.report("explain marks a blacklisted module", [] if ok else [repr(p.stdout)], p)

    p, _, _ = r.run(["explain", "/sys/devices/no/such/device"], None, {})
    ok = p.returncode == 2 and b"No device at /sys/devices/no/such/device" in p.stderr
    r.report("explain of a missing SYSPATH fails clearly", [] if ok else [f"rc {p.returncode}"], p)


def config_line(out, key):
    """config's line for KEY ("enable=..."), or None."""
    return next((line for line in out.splitlines() if line.startswith(key + "=")), None)


def config_cases(r):
    """The configuration mistakes a user makes, as config and rules report them."""
    conf = "options udev_async_probe enable=maybe"
    p, _, _ = r.run(["config"], None, {"conf": conf})
    line = config_line(p.stdout.decode(), "enable")
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    if line is None or not line.startswith("enable=maybe") or "invalid" not in line:
        problems.append(f"enable line {line!r}, expected enable=maybe marked invalid")
    r.report("config shows enable=maybe as written, marks it invalid, exits 1", problems, p)

    p, _, _ = r.run(["config", "--json"], None, {"conf": conf})
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    try:
        e = json.loads(p.stdout)["enable"]
        if (e["value"], e["written"], e["error"]) != (None, "maybe", "invalid boolean"):
            problems.append(f"enable {e}")
    except (ValueError, KeyError, TypeError) as ex:
        problems.append(f"bad JSON ({ex}): {p.stdout!r}")
    r.report("config --json: enable=maybe has no value, is written \"maybe\", is an invalid boolean",
             problems, p)

    conf = "options udev_async_probe enabel=1"
    p, _, case = r.run(["config", "--json"], None, {"conf": conf})
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    try:
        j = json.loads(p.stdout)
        want = [{"source": os.path.join(case, "conf", "zz-case.conf"), "word": "enabel=1",
                 "error": "unknown key"}]
        if j["problems"] != want:
            problems.append(f"problems {j['problems']}, expected {want}")
    except (ValueError, KeyError) as ex:
        problems.append(f"bad JSON ({ex}): {p.stdout!r}")
    r.report("config --json: a typo key is a problem named with its file, exit 1", problems, p)

    p, _, _ = r.run(["config"], None, {"conf": conf})
    out = p.stdout.decode()
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    if not re.search(r"zz-case\.conf: unknown key 'enabel=1'", out):
        problems.append(f"stdout does not name the file and the key: {out!r}")
    r.report("config: a typo key (enabel=1) is named with its file, exit 1", problems, p)

    p, _, _ = r.run(["rules"], None, {"conf": conf})
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    if b"RUN{" in p.stdout or b"invalid (unknown key 'enabel=1')" not in p.stdout:
        problems.append(f"not the safe rules: {p.stdout!r}")
    r.report("rules with a typo key: the safe rules on stdout, exit 1", problems, p)

    out_file = os.path.join(r.tmp, "typo.rules")
    p, _, _ = r.run(["rules", f"--output={out_file}"], None, {"conf": conf})
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    try:
        text = open(out_file).read()
        if "RUN{" in text or "invalid (unknown key 'enabel=1')" not in text:
            problems.append(f"not the safe rules: {text!r}")
    except OSError as ex:
        problems.append(f"no rules written: {ex}")
    r.report("rules --output with a typo key: writes the safe rules, then exits 1", problems, p)

    for conf, word in (("options udev_async_probe buses=PCI", "buses=PCI"),
                       ("options udev_async_probe buses=pci,Usb", "buses=pci,Usb")):
        p, _, _ = r.run(["config"], None, {"conf": conf})
        line = config_line(p.stdout.decode(), "buses")
        problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
        if line is None or not line.startswith(word) or "invalid" not in line:
            problems.append(f"buses line {line!r}, expected {word} marked invalid")
        r.report(f"config: {word} (bus names are lower case) is invalid, exit 1", problems, p)

    p, _, _ = r.run(["-C", "/nonexistent/modprobe.d", "config"], None, {})
    problems = [] if p.returncode == 0 else [f"exit status {p.returncode}, expected 0"]
    if not re.search(rb"/nonexistent/modprobe\.d.*No such file or directory", p.stderr):
        problems.append("no warning about the missing -C path")
    r.report("-C with a path that does not exist: a warning", problems, p)

    conf = {"conf": "options udev_async_probe buses=pci,nosuchbus", "sys_bus": ["pci"]}
    p, _, _ = r.run(["config"], None, conf)
    out = p.stdout.decode()
    problems = [] if p.returncode == 0 else [f"exit status {p.returncode}, expected 0"]
    if not re.search(r"nosuchbus.*/sys/bus/nosuchbus", out) or "/sys/bus/pci" in out:
        problems.append(f"no note of nosuchbus alone: {out!r}")
    r.report("config notes a listed bus the running kernel does not have", problems, p)
    p, _, _ = r.run(["config", "--json"], None, conf)
    try:
        absent = json.loads(p.stdout)["buses"]["absent"]
    except (ValueError, KeyError) as ex:
        absent = repr(ex)
    r.report("config --json lists the absent buses", [] if absent == ["nosuchbus"] else [f"absent {absent}"], p)
    for args, ev in ((["rules"], None), (["load"], event(NIC, "pci"))):
        p, _, _ = r.run(args, ev, conf)
        ok = p.returncode == 0 and b"nosuchbus" not in p.stderr
        r.report(f"{args[0]} says nothing of a bus the kernel does not have (yet)",
                 [] if ok else [f"rc {p.returncode}"], p)


def deadline_cases(r):
    """udev waits for the process it started, not for its children: the
    parent must exit at the deadline while the insert finishes later."""
    for args, ev, cmdline, limit, desc in (
            (["load", "--timeout=1", NIC], None, "root=/dev/vda", 1, "--timeout=1"),
            (["load"], event(NIC, "pci"), "root=/dev/vda udev.event_timeout=9", 3,
             "udev event, a third of udev.event_timeout=9"),
            (["load"], event(NIC, "pci"), "udev.event_timeout=60 rd.udev.event_timeout=6", 2,
             "udev event, the smaller of udev.event_timeout= and rd.udev.event_timeout=")):
        sleep = limit + 2
        t0 = time.monotonic()
        p, inserts, case = r.run(args, ev, {"sleep": f"fix_nic={sleep}", "detach": True,
                                            "level": "info", "cmdline": cmdline})
        took = time.monotonic() - t0
        slack = 6 if r.wrapper else 1.5
        problems = []
        if p.returncode != 1:
            problems.append(f"exit status {p.returncode}, expected 1")
        if not limit <= took < limit + slack:
            problems.append(f"returned after {took:.2f} s, expected {limit} s")
        if inserts != ["fix_core", "fix_soft"]:
            problems.append(f"inserts when it returned: {inserts}")
        if not re.search(rf"Inserts still running after {limit} s", p.stderr.decode()):
            problems.append("no message about the inserts left running")
        deadline = time.monotonic() + sleep + 10
        while time.monotonic() < deadline and read_inserts(os.path.join(case, "inserts"))[2:] == []:
            time.sleep(0.1)
        later = read_inserts(os.path.join(case, "inserts"))
        if later != NIC_ASYNC:
            problems.append(f"inserts afterwards {later}, expected {NIC_ASYNC}")
        r.report(f"an insert slower than the deadline ({desc}): returns in time, the insert goes on",
                 problems, p)


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
        # The series' read-back, async_probe_requested; async_probe is its
        # name in series v3, read where the new one is not there.
        for name, requested, v3 in (("fix_nic", "1\n", None), ("fix_plat", None, "0\n"),
                                    ("fix_soft", "0\n", "1\n")):
            os.makedirs(os.path.join(m, name, "drivers"), exist_ok=True)
            for file, value in (("async_probe_requested", requested), ("async_probe", v3)):
                if value is not None:
                    with open(os.path.join(m, name, file), "w") as f:
                        f.write(value)
        os.symlink("../../../bus/fixbus/drivers/fix_nic", os.path.join(m, "fix_nic", "drivers", "fixbus:fix_nic"))
        d = os.path.join(case_fake, "sys", "bus", "fixbus", "drivers", "fix_nic")
        os.makedirs(d)
        with open(os.path.join(d, "async_probe"), "w") as f:
            f.write("1\n")

    orig = r.prepare

    def prepare(opts):
        case, fake, conf = orig(opts)
        prepare_sysfs(fake)
        return case, fake, conf
    r.prepare = prepare
    try:
        live = {"live": ["fix_nic", "fix_plat", "fix_core", "fix_soft"]}
        p, _, _ = r.run(["status"], None, live)
        lines = p.stdout.decode().splitlines()
        want = [f"{'fix_nic':<24} async_probe=1 fixbus/fix_nic=async",
                f"{'fix_plat':<24} async_probe=0",
                f"{'fix_core':<24} async_probe=unknown",
                f"{'fix_soft':<24} async_probe=0"]
        r.report("status: the read-back async_probe_requested where the kernel has it, async_probe (series v3) "
                 "where not, unknown where neither",
                 [] if lines == want else [f"{lines!r}"], p)
        p, _, _ = r.run(["status", "--json"], None, live)
        try:
            j = json.loads(p.stdout)
            ok = j[0] == {"module": "fix_nic", "async_probe": True, "kernel_async_probe": True,
                          "requested": None, "disagreement": False, "pending": None, "running": 0,
                          "drivers": [{"bus": "fixbus", "driver": "fix_nic", "async_probe": True}]} \
                and j[1]["async_probe"] is False and j[2]["async_probe"] is None \
                and j[3]["kernel_async_probe"] is False \
                and (j[1]["pending"], j[1]["running"]) == (None, 0)
        except (ValueError, KeyError, IndexError):
            ok = False
        r.report("status --json", [] if ok else [repr(p.stdout)], p)

        for name, modalias, want, loaded in ((("fix_nic", NIC, "already loaded with async probing", True),
                                              ("fix_plat", PLAT, "already loaded without async probing", False))):
            p, _, _ = r.run(["explain", modalias], None, live)
            problems = [] if f"  {name}: {want}," in p.stdout.decode() else [repr(p.stdout)]
            p, _, _ = r.run(["explain", "--json", modalias], None, live)
            try:
                m = json.loads(p.stdout)["modules"][0]
                if (m["module"], m["loaded_async_probe"], m["pending"]) != (name, loaded, None):
                    problems.append(f"JSON {m}")
            except (ValueError, KeyError, IndexError) as e:
                problems.append(f"bad JSON ({e}): {p.stdout!r}")
            r.report(f"explain of live {name}: {want} (the kernel's read-back)", problems, p)
    finally:
        r.prepare = orig


def option_bytes_cases(r):
    """CRLF lines, byte for byte; read_inserts() reads text, where Python
    takes a '\r' for a line end."""
    conf = {"conf": "options fix_nic debug=1\r"}
    p, _, case = r.run(["load", NIC], None, conf)
    with open(os.path.join(case, "inserts"), "rb") as f:
        raw = f.read()
    want = b"fix_core\nfix_soft\nfix_nic debug=1\r async_probe=1\n"
    r.report("CRLF line: the '\\r' reaches the kernel, where it separates; async_probe=1 after it",
             [] if raw == want else [f"trap log {raw!r}, expected {want!r}"], p)

    conf = {"conf": "options fix_nic async_probe=0\r"}
    p, inserts, _ = r.run(["explain", "--json", NIC], None, conf)
    problems = [] if inserts == [] else [f"inserts {inserts}"]
    try:
        m = json.loads(p.stdout)["modules"][0]
        if (m["options"], m["async"], m["append"], m["rule"]) != ("async_probe=0\r", False, False,
                                                                 "module-options"):
            problems.append(f"module {m}")
    except (ValueError, KeyError, IndexError) as e:
        problems.append(f"bad JSON ({e}): {p.stdout!r}")
    r.report("CRLF async_probe=0: libkmod keeps the '\\r', the policy reads 0 and appends nothing",
             problems, p)

    for what, options in (("CRLF async_probe=0", "async_probe=0\r"),
                          ("async_probe=nope", "async_probe=nope"),
                          ("async_probe=of", "async_probe=of")):
        p, _, _ = r.run(["explain", NIC], None, {"conf": f"options fix_nic {options}"})
        ok = re.search(r"fix_nic: sync\b[^\n]*\(module-options:", p.stdout.decode()) is not None
        r.report(f"explain: {what} reads as sync, as the kernel reads it",
                 [] if ok else [repr(p.stdout)], p)


def settle_udevadm_cases(r):
    """settle runs udevadm settle for udev's queue: when that fails at once,
    it must neither spin nor blame the queue."""
    runs = os.path.join(r.tmp, "udevadm-runs")
    failing = fake_udevadm(r, "udevadm-fails", f"echo \"$*\" >> {runs}; exit 1")
    p, _, _ = r.run(["settle", "--timeout=3"], {"PATH": failing + ":" + os.environ["PATH"]},
                    {"level": "info", "timeout": 60})
    n = len(open(runs).read().splitlines()) if os.path.exists(runs) else 0
    err = p.stderr.decode()
    problems = []
    if p.returncode != 1:
        problems.append(f"exit status {p.returncode}, expected 1")
    # Generous: the backoff (100 ms doubling to 1 s) allows 6 runs in 3 s.
    if not 2 <= n <= 10:
        problems.append(f"udevadm ran {n} times in 3 s, expected 2 to 10")
    if "udevadm settle failed (exit status 1)" not in err:
        problems.append("the timeout does not say that udevadm settle failed")
    if "queue is not empty" in err:
        problems.append("the timeout blames udev's queue")
    r.report("settle with an udevadm that fails at once: retried with a backoff, named as the failure",
             problems, p)

    empty = os.path.join(r.tmp, "no-udevadm")
    os.makedirs(empty)
    t0 = time.monotonic()
    p, _, _ = r.run(["settle", "--timeout=30"], {"PATH": empty}, {"level": "info", "timeout": 60})
    took = time.monotonic() - t0
    lines = p.stderr.decode().splitlines()
    problems = []
    if p.returncode != 1:
        problems.append(f"exit status {p.returncode}, expected 1")
    if took > (10 if r.wrapper else 3):
        problems.append(f"returned after {took:.1f} s, expected at once")
    if len(lines) != 1 or "udevadm" not in lines[0]:
        problems.append(f"{len(lines)} lines on stderr, expected one error naming udevadm")
    r.report("settle without udevadm in PATH: one error, exits at once", problems, p)

    slow = fake_udevadm(r, "udevadm-times-out", 'sleep "${2#--timeout=}"; exit 1')
    p, _, _ = r.run(["settle", "--timeout=1"], {"PATH": slow + ":" + os.environ["PATH"]},
                    {"level": "info", "timeout": 60})
    err = p.stderr.decode()
    ok = p.returncode == 1 and "udev's event queue is not empty" in err and "failed" not in err
    r.report("settle with an udevadm settle that times out: the queue is named",
             [] if ok else [f"exit status {p.returncode}"], p)


ASYNC_PENDING = "sys/kernel/async_pending"
# Another device of fix_nic, bound.
PCI_BOUND = "0000:00:1f.3"


def settle_boot(r, name, count, coming=False):
    """A fake boot for settle: load inserted fix_nic with async_probe=1 for
    0000:00:1f.2 (its record), which has no driver yet, while PCI_BOUND,
    another of its devices, has one; the kernel's count of pending
    asynchronous work reads COUNT (None: no such file, a dict: a directory
    there). COMING: fix_plat's init still runs."""
    root = fake_boot(r, name, live=["fix_core", "fix_soft", "fix_nic", "fix_plat"])
    nic = os.path.join(root, "sys/module/fix_nic")
    os.makedirs(os.path.join(nic, "drivers"))
    os.symlink("../../../bus/pci/drivers/fix_nic", os.path.join(nic, "drivers", "pci:fix_nic"))
    os.makedirs(os.path.join(root, "sys/bus/pci/drivers/fix_nic"))
    for dev in ("0000:00:1f.2", PCI_BOUND):
        d = os.path.join(root, "sys/bus/pci/devices", dev)
        os.makedirs(d)
        with open(os.path.join(d, "modalias"), "w") as f:
            f.write(NIC + "\n")
    os.symlink("../../drivers/fix_nic", os.path.join(root, "sys/bus/pci/devices", PCI_BOUND, "driver"))
    os.makedirs(os.path.join(root, REQUESTED))
    with open(os.path.join(root, REQUESTED, "fix_nic"), "w") as f:
        f.write(f"DEVPATH={PCI_DEVPATH}\nMODALIAS={NIC}\nUAP_RULE=bus-listed\n"
                f"MODULE_SYSFS_INO={os.stat(nic).st_ino}\n")
    if coming:
        with open(os.path.join(root, "sys/module/fix_plat/initstate"), "w") as f:
            f.write("coming\n")
    path = os.path.join(root, ASYNC_PENDING)
    os.makedirs(os.path.dirname(path))
    if isinstance(count, dict):
        os.makedirs(path)
    elif count is not None:
        with open(path, "w") as f:
            f.write(count)
    return root, path


def set_count(path, value, marker=None):
    """The count file now reads VALUE, written in place as sysfs changes
    (a reader never sees it empty); MARKER is made first."""
    if marker:
        open(marker, "w").close()
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def settle_count_cases(r):
    """settle with the kernel's count of pending asynchronous work,
    /sys/kernel/async_pending: the barrier is udev's queue empty and the
    count 0, seen in one pass; a count that cannot be read is no zero."""
    runs = os.path.join(r.tmp, "settle-udevadm-runs")

    def run(root, timeout, script="exit 0", level="info"):
        if os.path.exists(runs):
            os.unlink(runs)
        udevadm = fake_udevadm(r, "udevadm-settle-count", f"echo run >> {runs}; {script}")
        t0 = time.monotonic()
        before = os.times()
        p, _, _ = r.run(["settle", f"--timeout={timeout}"], {"PATH": udevadm + ":" + os.environ["PATH"],
                                                            "TRAP_ROOT": root},
                        {"level": level, "timeout": 60})
        after = os.times()
        cpu = after.children_user + after.children_system - before.children_user - before.children_system
        n = len(open(runs).read().splitlines()) if os.path.exists(runs) else 0
        return p, time.monotonic() - t0, cpu, n

    root, _ = settle_boot(r, "settle-count-0", "0\n")
    p, took, _, n = run(root, 30)
    err = p.stderr.decode()
    problems = [] if p.returncode == 0 else [f"exit status {p.returncode}, expected 0"]
    if took > (10 if r.wrapper else 3):
        problems.append(f"returned after {took:.1f} s, expected at once")
    if n < 1:
        problems.append("udevadm settle never ran: udev's queue was not checked")
    if "best effort" in err:
        problems.append("settled as a best effort, not by the kernel's count")
    r.report("settle, the kernel's count 0 and udev's queue empty: exits 0 at once, not as a best effort",
             problems, p)

    root, path = settle_boot(r, "settle-count-drops", "2\n")
    marker = os.path.join(root, "dropped")
    timer = threading.Timer(1.0, set_count, (path, "0\n", marker))
    timer.start()
    try:
        p, took, _, n = run(root, 30)
        dropped = os.path.exists(marker)
    finally:
        timer.cancel()
    err = p.stderr.decode()
    problems = [] if p.returncode == 0 else [f"exit status {p.returncode}, expected 0"]
    if not dropped:
        problems.append(f"returned after {took:.2f} s, while the count still read 2")
    if took > (15 if r.wrapper else 5):
        problems.append(f"returned after {took:.1f} s, long after the count dropped to 0 (after 1 s)")
    if n < 1:
        problems.append("udevadm settle never ran")
    if "best effort" in err:
        problems.append("settled as a best effort, not by the kernel's count")
    r.report("settle, the kernel's count 2 dropping to 0 after 1 s (a file that gives no POLLPRI): "
             "returns once it reads 0", problems, p)

    # udev loads a module whose probe runs asynchronously while udevadm
    # settle waits for the queue: the count read 0 before the queue check,
    # reads 1 after it, and drops to 0 a second later.
    root, path = settle_boot(r, "settle-count-rises", "0\n")
    marker = os.path.join(root, "dropped")
    flag = os.path.join(root, "raised")
    script = (f'if [ ! -e {flag} ]; then touch {flag}; echo 1 1<> {path}; '
              f'(sleep 1; touch {marker}; echo 0 1<> {path}) >/dev/null 2>&1 & fi; exit 0')
    p, took, _, n = run(root, 30, script)
    dropped = os.path.exists(marker)
    problems = [] if p.returncode == 0 else [f"exit status {p.returncode}, expected 0"]
    if not dropped:
        problems.append(f"returned after {took:.2f} s, while the count read 1: "
                        "the count read 0 before the queue check was trusted")
    if n < 2:
        problems.append(f"udevadm settle ran {n} times, expected a second pass after the count dropped")
    r.report("settle, the count rises from 0 while udev's queue is checked: another pass, "
             "returns once the count is 0 again", problems, p)

    root, _ = settle_boot(r, "settle-count-stays", "1\n")
    p, took, cpu, _ = run(root, 2)
    err = p.stderr.decode()
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1 (timed out)"]
    if took < 2:
        problems.append(f"returned after {took:.2f} s, before its --timeout=2")
    if "Timed out after 2 s" not in err:
        problems.append("no timeout message")
    if not re.search(r"\b1 asynchronous work item\(s\) pending", err):
        problems.append("the timeout does not name the kernel's count of 1")
    if not re.search(r"Module 'fix_nic'[^\n]*0000:00:1f\.2", err):
        problems.append("the timeout does not name fix_nic, loaded with async_probe=1, and its unbound device")
    if PCI_BOUND in err:
        problems.append(f"the timeout names {PCI_BOUND}, which has its driver")
    # Generous: a loop that reads the count without sleeping spends the 2 s on the CPU.
    if not r.wrapper and cpu > 0.5:
        problems.append(f"{cpu:.2f} s of CPU time in 2 s of waiting: no sleep between the reads")
    r.report("settle, the kernel's count stays 1: times out, naming the count and the unbound device "
             "of the module it loaded with async_probe=1, without spinning", problems, p)

    # A count that exists but cannot be read is no zero: the best effort,
    # which waits for fix_plat's init, and one warning.
    for desc, count, coming, rc in (("garbage", "x1\n", True, 1),
                                    ("empty", "", True, 1),
                                    ("a directory (EISDIR)", {}, False, 0)):
        root, _ = settle_boot(r, "settle-count-" + desc.split()[0], count, coming)
        p, _, _, _ = run(root, 2)
        err = p.stderr.decode()
        problems = [] if p.returncode == rc else [f"exit status {p.returncode}, expected {rc}"]
        warned = len(re.findall(r"/sys/kernel/async_pending", err))
        if warned != 1 or "best effort" not in err:
            problems.append(f"named the count file {warned} times, expected one warning that says best effort")
        if rc == 1 and "Module 'fix_plat': its init still runs" not in err:
            problems.append("the timeout does not name fix_plat, whose init still runs")
        if rc == 0 and "Settled, as a best effort" not in err:
            problems.append("does not say it settled as a best effort")
        r.report(f"settle, the kernel's count file holds {desc}: one warning, then the best effort",
                 problems, p)

    root, _ = settle_boot(r, "settle-count-none", None)
    p, _, _, n = run(root, 10)
    err = p.stderr.decode()
    ok = p.returncode == 0 and "Settled, as a best effort" in err and "async_pending" not in err and n >= 2
    r.report("settle on a kernel without the count: the best effort, said so",
             [] if ok else [f"exit status {p.returncode}, udevadm ran {n} times"], p)


def log_append_case(r):
    """2>>FILE: the program's messages go after what the file holds."""
    conf = os.path.join(r.tmp, "bad.conf")
    with open(conf, "w") as f:
        f.write("options udev_async_probe bogus=1\n")
    log = os.path.join(r.tmp, "existing.log")
    earlier = "".join(f"an earlier line, number {i}\n" for i in range(20))
    with open(log, "w") as f:
        f.write(earlier)
    env = {k: v for k, v in os.environ.items() if k == "PATH" or k.endswith("SAN_OPTIONS")}
    env["SYSTEMD_LOG_TARGET"] = "console"
    with open(log, "ab") as err:
        p = subprocess.run(shlex.split(r.wrapper) + [r.program, "-d", r.tree, "-S", KVER, "-C", conf, "rules"],
                           stdout=subprocess.DEVNULL, stderr=err, env=env)
    text = open(log).read()
    problems = []
    if not text.startswith(earlier):
        problems.append(f"the earlier content is gone: {text[:200]!r}")
    if "Ignoring udev_async_probe options" not in text[len(earlier):]:
        problems.append(f"the warning is not after it: {text[-300:]!r}")
    r.report("a log file opened for append keeps what it held (2>>FILE)", problems)


def fake_boot(r, name, live=()):
    """A fake root for the trap that several runs share, as one boot, with
    the modules LIVE already loaded."""
    root = os.path.join(r.tmp, name)
    for d in ("sys/module", "proc", "run/udev-async-probe"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    open(os.path.join(root, "proc", "cmdline"), "w").close()
    with open(os.path.join(root, "proc", "modules"), "w") as f:
        for m in live:
            f.write(f"{m} 16384 0 - Live 0x0000000000000000\n")
    for m in live:
        os.makedirs(os.path.join(root, "sys", "module", m))
        with open(os.path.join(root, "sys", "module", m, "initstate"), "w") as f:
            f.write("live\n")
    return root


REQUESTED = "run/udev-async-probe/requested"
# A PCI device's DEVPATH, as status and explain name it: its last part.
PCI_DEVPATH = "/devices/pci0000:00/0000:00:1f.2"


def read_record(root, module):
    """The record of load's async insert of MODULE in the fake boot ROOT:
    {key: value}, or None when there is none."""
    try:
        with open(os.path.join(root, REQUESTED, module)) as f:
            return dict(line.split("=", 1) for line in f.read().splitlines())
    except FileNotFoundError:
        return None


def records(root):
    d = os.path.join(root, REQUESTED)
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def record_cases(r):
    """What load really inserted with async_probe=1 this boot is logged
    once at info and recorded in /run/udev-async-probe/requested/MODULE,
    which status and explain read on any kernel: not a module already
    live, one an install command loaded, or a failed insert."""
    root = fake_boot(r, "boot-record")
    ev = event(NIC, "pci", TRAP_ROOT=root, DEVPATH=PCI_DEVPATH)
    p, inserts, _ = r.run(["load"], ev, {"level": "info"})
    problems = [] if p.returncode == 0 and inserts == NIC_ASYNC else [f"rc {p.returncode}, inserts {inserts}"]
    want = (f"udev-async-probe: {PCI_DEVPATH}: inserted 'fix_nic' with async_probe=1 "
            "(bus-listed: bus is in buses=)\n")
    if p.stderr.decode() != want:
        problems.append(f"expected the one line {want!r}")
    rec = read_record(root, "fix_nic")
    ino = os.stat(os.path.join(root, "sys/module/fix_nic")).st_ino
    want_rec = {"DEVPATH": PCI_DEVPATH, "MODALIAS": NIC, "UAP_RULE": "bus-listed", "MODULE_SYSFS_INO": str(ino)}
    if rec != want_rec:
        problems.append(f"record {rec}, expected {want_rec}")
    if records(root) != ["fix_nic"]:
        problems.append(f"records {records(root)}: its dependencies and soft dependencies were inserted plainly")
    r.report("an async insert is logged once at info and recorded with its device and rule", problems, p)

    p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_ROOT=root, DEVPATH="/devices/other/1"),
                          {"level": "info"})
    problems = [] if p.returncode == 0 and inserts == [] else [f"rc {p.returncode}, inserts {inserts}"]
    if p.stderr:
        problems.append("a second event for the live module logs at info")
    if read_record(root, "fix_nic") != want_rec:
        problems.append(f"record {read_record(root, 'fix_nic')}, expected the first event's")
    r.report("a second event for the same module, now live: no line, the first event's record", problems, p)

    p, _, _ = r.run(["status"], {"TRAP_ROOT": root}, {})
    lines = p.stdout.decode().splitlines()
    want = [f"{'fix_core':<24} async_probe=unknown", f"{'fix_soft':<24} async_probe=unknown",
            f"{'fix_nic':<24} async_probe=1 (requested by udev-async-probe for 0000:00:1f.2)"]
    r.report("status without the kernel's read-back: async_probe=1 requested by udev-async-probe for the device",
             [] if p.returncode == 0 and lines == want else [f"rc {p.returncode}", f"{lines!r}"], p)

    p, _, _ = r.run(["status", "--json"], {"TRAP_ROOT": root}, {})
    try:
        j = {m["module"]: m for m in json.loads(p.stdout)}
        nic = {k: v for k, v in j["fix_nic"].items() if k not in ("pending", "running", "drivers")}
        want = {"module": "fix_nic", "async_probe": True, "kernel_async_probe": None,
                "requested": {"device": "0000:00:1f.2", "devpath": PCI_DEVPATH, "modalias": NIC,
                              "rule": "bus-listed"},
                "disagreement": False}
        problems = [] if nic == want else [f"fix_nic {nic}, expected {want}"]
        core = j["fix_core"]
        if (core["async_probe"], core["kernel_async_probe"], core["requested"]) != (None, None, None):
            problems.append(f"fix_core {core}")
    except (ValueError, KeyError) as e:
        problems = [f"bad JSON ({e}): {p.stdout!r}"]
    r.report("status --json: the record as requested, async_probe true from it", problems, p)

    p, _, _ = r.run(["explain", NIC], {"TRAP_ROOT": root}, {})
    out = p.stdout.decode()
    want = ("\n  fix_nic: already loaded, nothing to do; its devices probe as that load decided\n"
            "    loaded with async_probe=1 by udev-async-probe this boot, for 0000:00:1f.2 (bus-listed)\n")
    r.report("explain of a module udev-async-probe loaded async: one line says so",
             [] if p.returncode == 0 and want in out else [repr(out)], p)
    p, _, _ = r.run(["explain", "--json", NIC], {"TRAP_ROOT": root}, {})
    try:
        req = json.loads(p.stdout)["modules"][0]["requested"]
        ok = req == {"device": "0000:00:1f.2", "devpath": PCI_DEVPATH, "modalias": NIC, "rule": "bus-listed"}
    except (ValueError, KeyError, IndexError):
        ok, req = False, p.stdout
    r.report("explain --json: requested, for a module udev-async-probe loaded async", [] if ok else [repr(req)], p)

    # The kernel's read-back (the project's series) wins; a disagreement is shown.
    kernel = os.path.join(root, "sys/module/fix_nic/async_probe")
    for value, want_text, want_j in (
            ("1", "async_probe=1 (requested by udev-async-probe for 0000:00:1f.2)", (True, True, False)),
            ("0", "async_probe=0 (the kernel's read-back disagrees: udev-async-probe requested "
                  "async_probe=1 for 0000:00:1f.2)", (False, False, True))):
        with open(kernel, "w") as f:
            f.write(value + "\n")
        p, _, _ = r.run(["status"], {"TRAP_ROOT": root}, {})
        line = next((x for x in p.stdout.decode().splitlines() if x.startswith("fix_nic ")), "")
        problems = [] if line == f"{'fix_nic':<24} {want_text}" else [f"line {line!r}"]
        p2, _, _ = r.run(["status", "--json"], {"TRAP_ROOT": root}, {})
        try:
            m = next(x for x in json.loads(p2.stdout) if x["module"] == "fix_nic")
            got = (m["async_probe"], m["kernel_async_probe"], m["disagreement"])
            if got != want_j or m["requested"] is None:
                problems.append(f"JSON {m}")
        except (ValueError, KeyError, StopIteration) as e:
            problems.append(f"bad JSON ({e}): {p2.stdout!r}")
        r.report(f"status with the kernel's read-back {value}: the kernel's value, "
                 f"{'a disagreement' if value == '0' else 'in agreement'} with the record", problems, p)
    os.unlink(kernel)

    # Removed and loaded again by something else: another /sys/module entry.
    mod = os.path.join(root, "sys/module/fix_nic")
    os.rename(mod, mod + ".old")
    os.makedirs(mod)
    with open(os.path.join(mod, "initstate"), "w") as f:
        f.write("live\n")
    p, _, _ = r.run(["status"], {"TRAP_ROOT": root}, {})
    line = next((x for x in p.stdout.decode().splitlines() if x.startswith("fix_nic ")), "")
    r.report("status: a record of an earlier load of a module loaded again since is not taken for this one",
             [] if line == f"{'fix_nic':<24} async_probe=unknown" else [f"line {line!r}"], p)

    root = fake_boot(r, "boot-record-live", live=["fix_nic"])
    p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_ROOT=root), {"level": "info"})
    ok = p.returncode == 0 and inserts == [] and p.stderr == b"" and records(root) == []
    r.report("an already live module: nothing logged at info, no record",
             [] if ok else [f"rc {p.returncode}, inserts {inserts}, records {records(root)}"], p)

    root = fake_boot(r, "boot-record-install")
    p, inserts, case = r.run(["load"], event(INST, "pci", TRAP_ROOT=root), {"level": "info"})
    problems = [] if p.returncode == 0 and inserts == [] else [f"rc {p.returncode}, inserts {inserts}"]
    if not os.path.exists(os.path.join(case, "install.out")):
        problems.append("the install command did not run")
    if p.stderr or records(root):
        problems.append(f"records {records(root)}")
    r.report("a module an install command loads: nothing logged at info, no record", problems, p)
    p, _, _ = r.run(["load", "-v"], event(INST, "pci", TRAP_ROOT=root), {"level": "info"})
    ok = re.search(rb"ran the install command of 'fix_inst' with async_probe=1 \(bus-listed", p.stderr)
    r.report("an install command run instead of an insert is said at debug level",
             [] if ok and records(root) == [] else [f"records {records(root)}"], p)

    for fail, rc in (("fix_nic=EINVAL", 1), ("fix_nic=EEXIST", 0), ("fix_core=ENOMEM", 1)):
        root = fake_boot(r, f"boot-record-{fail}")
        p, _, _ = r.run(["load"], event(NIC, "pci", TRAP_ROOT=root), {"level": "info", "fail": fail})
        ok = p.returncode == rc and records(root) == [] and b"inserted" not in p.stderr
        r.report(f"a failed insert ({fail}): no record, no line saying it was inserted",
                 [] if ok else [f"rc {p.returncode}, records {records(root)}"], p)

    root = fake_boot(r, "boot-record-hand")
    p, inserts, _ = r.run(["load", DUAL, PLAT], {"TRAP_ROOT": root}, {"level": "info"})
    problems = [] if p.returncode == 0 else [f"rc {p.returncode}"]
    if records(root) != ["fix_dual_a", "fix_dual_b"]:
        problems.append(f"records {records(root)}, expected fix_dual_a and fix_dual_b (fix_plat is plain)")
    if read_record(root, "fix_dual_a") != {"MODALIAS": DUAL, "UAP_RULE": "bus-listed",
                                           "MODULE_SYSFS_INO": str(os.stat(os.path.join(
                                               root, "sys/module/fix_dual_a")).st_ino)}:
        problems.append(f"record {read_record(root, 'fix_dual_a')}")
    if len(re.findall(rb"inserted 'fix_dual_[ab]' with async_probe=1", p.stderr)) != 2 or b"fix_plat" in p.stderr:
        problems.append("not one info line per async insert, and none for the plain one")
    p2, _, _ = r.run(["status"], {"TRAP_ROOT": root}, {})
    if f"async_probe=1 (requested by udev-async-probe for {DUAL})" not in p2.stdout.decode():
        problems.append(f"status {p2.stdout!r}")
    r.report("load run by hand: each async insert recorded with its modalias, the plain one not", problems, p)

    # A link in place of the record directory is not written through.
    root = fake_boot(r, "boot-record-link")
    victim = os.path.join(r.tmp, "record-victim")
    os.makedirs(victim)
    os.symlink(victim, os.path.join(root, REQUESTED))
    p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_ROOT=root), {"level": "info"})
    ok = p.returncode == 0 and inserts == NIC_ASYNC and os.listdir(victim) == [] and b"inserted" in p.stderr
    r.report("a link in place of the record directory: the insert goes on, nothing written through it",
             [] if ok else [f"rc {p.returncode}, inserts {inserts}, victim {os.listdir(victim)}"], p)


def report_record_cases(r):
    """report --boot reads load's record of this boot: a probe whose module
    udev-async-probe inserted with async_probe=1 says so (its loader, and
    requested_async in the JSON), also where its mode is unknown (a kernel
    log without the driver core's debug lines); a saved log, maybe of
    another boot, is not read against it."""
    root = fake_boot(r, "boot-report")
    p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_ROOT=root, DEVPATH=PCI_DEVPATH), {"level": "info"})
    if p.returncode != 0 or records(root) != ["fix_nic"]:
        r.report("report --boot: the record of load's insert", [f"rc {p.returncode}, records {records(root)}"], p)
        return
    # The devices, their drivers and modules, as sysfs links them (fix_plat: loaded plainly, no record).
    sysfs = os.path.join(root, "sys")
    for bus, dev, drv in (("pci", "0000:00:1f.2", "fix_nic"), ("platform", "fixplat", "fix_plat")):
        os.makedirs(os.path.join(sysfs, "bus", bus, "devices", dev))
        os.makedirs(os.path.join(sysfs, "bus", bus, "drivers", drv), exist_ok=True)
        os.symlink(f"../../../../bus/{bus}/drivers/{drv}", os.path.join(sysfs, "bus", bus, "devices", dev, "driver"))
        os.symlink(f"../../../../module/{drv}", os.path.join(sysfs, "bus", bus, "drivers", drv, "module"))
        os.makedirs(os.path.join(sysfs, "module", drv), exist_ok=True)
    # The kernel log of a boot with initcall_debug alone: no mode, no bus.
    kmsg = ("6,1,100000,-;Run /init as init process\n"
            "7,2,2000000,-;calling  fix_nic_init+0x0/0x1000 [fix_nic] @ 300\n"
            "7,3,2250000,-;probe of 0000:00:1f.2 returned 0 after 250000 usecs\n"
            "7,4,2250100,-;initcall fix_nic_init+0x0/0x1000 [fix_nic] returned 0 after 250100 usecs\n"
            "7,5,2300000,-;calling  fix_plat_init+0x0/0x1000 [fix_plat] @ 301\n"
            "7,6,2400000,-;probe of fixplat returned 0 after 100000 usecs\n"
            "7,7,2400100,-;initcall fix_plat_init+0x0/0x1000 [fix_plat] returned 0 after 100100 usecs\n")
    os.makedirs(os.path.join(root, "dev"), exist_ok=True)
    with open(os.path.join(root, "dev", "kmsg"), "w") as f:
        f.write(kmsg)
    saved = os.path.join(root, "saved.kmsg")
    with open(saved, "w") as f:
        f.write(kmsg)

    def report(*args):
        p, _, _ = r.run(["report", *args, "--json=short"], {"TRAP_ROOT": root}, {"level": "info"})
        try:
            rep = json.loads(p.stdout)
            return p, {q["device"]: q for q in rep["probes"]}, {d["driver"]: d for d in rep["drivers"]}
        except (ValueError, KeyError, TypeError) as e:
            return p, {"error": str(e)}, {}

    p, probes, drivers = report("--boot")
    nic, plat = probes.get("0000:00:1f.2", {}), probes.get("fixplat", {})
    problems = []
    if p.returncode != 0 or (nic.get("bus"), nic.get("driver"), nic.get("mode")) != ("pci", "fix_nic", "unknown"):
        problems.append(f"rc {p.returncode}, the probe {nic or probes}: bus and driver from sysfs, mode unknown")
    if nic.get("requested_async") is not True or nic.get("loader") != "udev-async-probe":
        problems.append(f"requested_async {nic.get('requested_async')}, loader {nic.get('loader')}")
    how = drivers.get("fix_nic", {}).get("loader_how") or ""
    if "record" not in how or "0000:00:1f.2" not in how:
        problems.append(f"the driver's loader_how {how!r}: the record, and the device it was requested for")
    if plat.get("requested_async") is not False or plat.get("loader") == "udev-async-probe":
        problems.append(f"fixplat {plat}: not requested")
    r.report("report --boot --json: the probe of a module load inserted with async_probe=1 this boot is "
             "requested_async, loaded by udev-async-probe (its record); the other not", problems, p)

    p, _, _ = r.run(["report", "--boot"], {"TRAP_ROOT": root}, {"level": "info"})
    text = p.stdout.decode()
    row = next((line[2:].split() for line in text.splitlines() if " 0000:00:1f.2 " in line), [])
    problems = [] if row[-1:] == ["udev-async-probe"] and row[4:5] == ["unknown"] else \
        [f"row {row!r}: mode unknown, loader udev-async-probe"]
    if not re.search(r"\brequested\b[^.]*\b0000:00:1f\.2\b", " ".join(text.split())):
        problems.append("no sentence says its async probing was requested though its mode is unknown")
    r.report("report --boot: a probe of unknown mode whose module udev-async-probe inserted with async_probe=1: "
             "its loader, and a line saying async probing was requested", problems + ([text] if problems else []), p)

    p, probes, _ = report(f"--dmesg={saved}")
    nic = probes.get("0000:00:1f.2", {})
    r.report("report --dmesg=FILE: a saved log, maybe of another boot, is not read against this boot's record",
             [] if p.returncode == 0 and nic.get("requested_async", False) is None and
             nic.get("loader") != "udev-async-probe" else [f"rc {p.returncode}, {nic or probes}"], p)

    # The kernel's read-back says fix_plat was loaded with async_probe=1, which
    # nothing but its loader asked for: async_probe_requested, or async_probe,
    # its name in the series' v3, where the new one is not there.
    plat_dir = os.path.join(sysfs, "module", "fix_plat")
    for file in ("async_probe_requested", "async_probe"):
        with open(os.path.join(plat_dir, file), "w") as f:
            f.write("1\n")
        p, probes, drivers = report("--boot")
        os.unlink(os.path.join(plat_dir, file))
        plat = probes.get("fixplat", {})
        how = drivers.get("fix_plat", {}).get("loader_how") or ""
        ok = p.returncode == 0 and plat.get("loader") == "udev-async-probe" and how.startswith("sysfs:")
        r.report(f"report --boot: /sys/module/fix_plat/{file} reads 1, asked for by nothing else: "
                 "loaded by udev-async-probe (sysfs)", [] if ok else [f"rc {p.returncode}, {plat}, {how!r}"], p)


def state_file_cases(r):
    """What load keeps in /run/udev-async-probe is written through no link
    and read from no FIFO that someone put there."""
    conf = {"conf": "options udev_async_probe bogus=1", "level": "info", "timeout": 20}
    root = fake_boot(r, "boot-link")
    victim = os.path.join(r.tmp, "victim")
    with open(victim, "w") as f:
        f.write("not the program's\n")
    os.symlink(victim, os.path.join(root, "run/udev-async-probe/config-warned.tmp"))
    p, _, _ = r.run(["load"], event(PLAT, "platform", TRAP_ROOT=root), conf)
    problems = [] if p.returncode == 0 else [f"exit status {p.returncode}"]
    if open(victim).read() != "not the program's\n":
        problems.append(f"the link's target was written: {open(victim).read()!r}")
    if b"Ignoring udev_async_probe options" not in p.stderr:
        problems.append("no warning")
    r.report("load writes its once-per-boot flag through no symbolic link", problems, p)

    root = fake_boot(r, "boot-fifo")
    os.mkfifo(os.path.join(root, "run/udev-async-probe/config-warned"))
    try:
        p, _, _ = r.run(["load"], event(PLAT, "platform", TRAP_ROOT=root), conf)
        ok = p.returncode == 0 and b"Ignoring udev_async_probe options" in p.stderr
        r.report("load reads its once-per-boot flag from no FIFO", [] if ok else [f"rc {p.returncode}"], p)
    except subprocess.TimeoutExpired:
        r.report("load reads its once-per-boot flag from no FIFO", ["blocked on the FIFO for 20 s"])

    d = os.path.join(r.tmp, "rules-fifo")
    os.makedirs(d)
    fifo = os.path.join(d, "80-async-probe.rules")
    os.mkfifo(fifo)
    try:
        p, _, _ = r.run(["rules", f"--output={fifo}"], None, {"level": "info", "timeout": 20})
        problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
        if b"not a regular file" not in p.stderr:
            problems.append("no error saying the target is not a regular file")
        if not stat.S_ISFIFO(os.lstat(fifo).st_mode) or os.listdir(d) != ["80-async-probe.rules"]:
            problems.append(f"the directory changed: {os.listdir(d)}")
    except subprocess.TimeoutExpired:
        problems = ["blocked on the FIFO for 20 s"]
        p = None
    r.report("rules --output=FIFO: a clear error, nothing changed", problems, p)


def parallel_loads(r, opts, events, sleep):
    """Runs udev's load for each event at once, on one fake boot whose
    inserts of the modules in SLEEP hang that long. Returns the case, the
    exit statuses, the stderr files (a child left running may still write
    there) and the trap's logs of inserts started and ended."""
    case, fake, conf = r.prepare(opts)
    started, log = os.path.join(case, "started"), os.path.join(case, "inserts")
    env = {k: v for k, v in os.environ.items() if k == "PATH" or k.endswith("SAN_OPTIONS")}
    env.update(SYSTEMD_LOG_TARGET="console", SYSTEMD_LOG_LEVEL="info", LD_PRELOAD=r.trap,
               TRAP_ROOT=fake, TRAP_LOG=log, TRAP_STARTED=started, TRAP_SLEEP=sleep)
    cmd = shlex.split(r.wrapper) + [r.program, "-d", r.tree, "-S", KVER, "-C", r.shipped, "-C", conf, "load"]
    procs = []
    for i, ev in enumerate(events):
        # Files, not pipes: a child left running would hold a pipe open.
        err = open(os.path.join(case, f"stderr{i}"), "w+b")
        procs.append((subprocess.Popen(cmd, env=dict(env, **ev), stdout=subprocess.DEVNULL, stderr=err), err))
    rcs = [proc.wait(timeout=60) for proc, _ in procs]
    return case, rcs, [err for _, err in procs], started, log


def hang(r):
    """Seconds an insert hangs for, well past a deadline of 1 s for every
    event started with it (valgrind starts a program slowly)."""
    return 8 if r.wrapper else 3


def wait_inserts(log, n, timeout=30):
    """The trap's log once it has N lines (or at TIMEOUT), and a moment more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(read_inserts(log)) < n:
        time.sleep(0.1)
    time.sleep(0.5)
    return read_inserts(log)


def read_errs(errs):
    texts = []
    for err in errs:
        err.seek(0)
        texts.append(err.read().decode(errors="replace"))
        err.close()
    return texts


def one_insert_case(r):
    """Five events for one module whose dependency hangs in its insert: one
    insert in flight, not one left behind by each event."""
    _, rcs, errs, started, log = parallel_loads(r, {"cmdline": "root=/dev/vda udev.event_timeout=3"},
                                                [event(NIC, "pci")] * 5, f"fix_core={hang(r)}")
    problems = []
    for rc in rcs:
        if rc != 1:
            problems.append(f"exit status {rc}, expected 1 (the deadline of 1 s)")
    in_flight = read_inserts(started)
    if in_flight != ["fix_core"]:
        problems.append(f"inserts started by the five events {in_flight}, expected one of fix_core")
    if wait_inserts(log, 3) != NIC_ASYNC:
        problems.append(f"inserts in the end {read_inserts(log)}, expected {NIC_ASYNC}")
    texts = read_errs(errs)
    # The lock they waited on is the dependency's, the first in the order of the names.
    waited = sum("another insert of 'fix_core' is still running after 1 s; leaving 'fix_nic' to udev's kmod load"
                 in t for t in texts)
    if waited != 4:
        problems.append(f"{waited} events say that they left fix_nic to kmod load, expected 4")
    lines = [f"stderr: {line}" for t in texts for line in t.splitlines()]
    r.report("five events, a dependency's insert hangs: one insert in flight, the others left to kmod load",
             problems + lines if problems else [])


# Three modules that need fix_core: fix_nic by its symbols (modules.dep),
# fix_plat and fix_usb by softdeps, which libkmod's insert follows too.
SHARED_CORE = {"conf": "options udev_async_probe buses=pci,platform,usb\n"
                       "softdep fix_plat pre: fix_core\nsoftdep fix_usb pre: fix_core"}
SHARED_EVENTS = [event(NIC, "pci"), event(PLAT, "platform"), event(USB, "usb")]


def shared_dependency_cases(r):
    """Events for different modules that share one dependency: the insert
    lock covers every module an insert may insert, not just its target."""
    opts = dict(SHARED_CORE, cmdline="root=/dev/vda udev.event_timeout=3")
    _, rcs, errs, started, log = parallel_loads(r, opts, SHARED_EVENTS, f"fix_core={hang(r)}")
    problems = [] if rcs == [1, 1, 1] else [f"exit statuses {rcs}, expected 1 each (the deadline of 1 s)"]
    n = read_inserts(started).count("fix_core")
    if n != 1:
        problems.append(f"fix_core's insert started {n} times by the three events, expected once")
    if wait_inserts(log, 1)[:1] != ["fix_core"]:
        problems.append(f"inserts in the end {read_inserts(log)}")
    texts = read_errs(errs)
    left = sum(re.search(r"another insert of 'fix_core' is still running after 1 s; "
                         r"leaving 'fix_(nic|plat|usb)' to udev's kmod load", t) is not None for t in texts)
    if left != 2:
        problems.append(f"{left} events say that they left their module to kmod load, expected 2")
    lines = [f"stderr: {line}" for t in texts for line in t.splitlines()]
    r.report("three events for three modules, their shared dependency's insert hangs: "
             "one insert of it, the others left to kmod load", problems + lines if problems else [])

    opts = dict(SHARED_CORE, cmdline="root=/dev/vda udev.event_timeout=15")
    _, rcs, errs, started, log = parallel_loads(r, opts, SHARED_EVENTS, "fix_core=1")
    problems = [] if rcs == [0, 0, 0] else [f"exit statuses {rcs}, expected 0 each"]
    n = read_inserts(started).count("fix_core")
    if n != 1:
        problems.append(f"fix_core's insert started {n} times by the three events, expected once")
    done = wait_inserts(log, 5, timeout=10)
    if sorted(done) != sorted(NIC_ASYNC + ["fix_plat async_probe=1", "fix_usb async_probe=1"]):
        problems.append(f"inserts in the end {done}")
    texts = read_errs(errs)
    lines = [f"stderr: {line}" for t in texts for line in t.splitlines()]
    r.report("three events, their shared dependency's insert takes 1 s of their 5: "
             "the others wait for it, find it live and insert their own module",
             problems + lines if problems else [])


def duplicate_job_case(r):
    """Two modaliases of one module, whose insert lock another insert holds:
    neither of the two inserts it."""
    root = fake_boot(r, "boot-duplicate")
    fd = os.open(os.path.join(root, "run/udev-async-probe/insert.fix_nic.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        p, inserts, _ = r.run(["load", "--timeout=1", NIC, NIC], {"TRAP_ROOT": root}, {"level": "info"})
    finally:
        os.close(fd)
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    if inserts != []:
        problems.append(f"inserts {inserts}, expected none")
    if not re.search(rb"another insert of 'fix_nic' is still running after 1 s; not inserting 'fix_nic'",
                     p.stderr):
        problems.append("no message that fix_nic is not inserted")
    r.report("load NIC NIC while another insert holds fix_nic's lock: neither of the two inserts it",
             problems, p)


def late_lock_case(r):
    """The insert locks came free 50 ms before the deadline: too late to
    start an insert, which would be left behind at once."""
    root = fake_boot(r, "boot-late")
    p, inserts, _ = r.run(["load", "--timeout=1", NIC], {"TRAP_ROOT": root, "TRAP_LOCK_SLEEP": "fix_nic=0.95"},
                          {"sleep": "fix_nic=2", "detach": True, "level": "info"})
    err = p.stderr.decode(errors="replace")
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    if inserts != []:
        problems.append(f"inserts {inserts}, expected none")
    if "Inserts still running" in err:
        problems.append("an insert was started and left behind")
    if not re.search(r"only \d+ ms of the 1 s left after waiting for other inserts; not inserting 'fix_nic'", err):
        problems.append("no message that too little time was left")
    r.report("the insert lock comes free 50 ms before the deadline: no insert started, said so", problems, p)


def lock_outlives_load_case(r):
    """The insert locks are held as long as the insert runs: also once load
    has returned at its deadline and left the insert running; released when
    the insert ends."""
    root = fake_boot(r, "boot-outlives")
    started = os.path.join(root, "started")
    env = event(NIC, "pci", TRAP_ROOT=root, TRAP_STARTED=started)
    p, _, first = r.run(["load", "--timeout=1"], env, {"sleep": f"fix_core={hang(r)}", "detach": True, "level": "info"})
    problems = [] if p.returncode == 1 else [f"first event: exit status {p.returncode}, expected 1"]
    p, inserts, _ = r.run(["load", "--timeout=1"], env, {"level": "info"})
    if p.returncode != 1 or inserts != [] or read_inserts(started) != ["fix_core"]:
        problems.append(f"second event, while the first's insert runs on: exit status {p.returncode}, "
                        f"inserts {inserts}, started {read_inserts(started)}")
    if not re.search(rb"another insert of 'fix_\w+' is still running after 1 s", p.stderr):
        problems.append("second event: no message that another insert runs")
    if wait_inserts(os.path.join(first, "inserts"), 3) != NIC_ASYNC:
        problems.append(f"the first event's inserts in the end {read_inserts(os.path.join(first, 'inserts'))}")
    p, inserts, _ = r.run(["load", "--timeout=1"], env, {"level": "info"})
    if p.returncode != 0 or inserts != [] or p.stderr != b"":
        problems.append(f"third event, after the insert ended: exit status {p.returncode}, inserts {inserts}")
    r.report("the insert lock outlives a load that left its insert running, and ends with the insert",
             problems, p)


def misspelled_once_case(r):
    """A misspelled async_probe is said once per boot and module: one fake
    root (the trap keeps /run/udev-async-probe there) for every run."""
    root = fake_boot(r, "boot-misspelled")
    runs = [(["load"], NIC, "options fix_nic async-probe=0"),
            (["load"], NIC, "options fix_nic async-probe=0"),
            (["load"], DUAL, "options fix_dual_a async-probe=0\noptions fix_dual_b async_probe=0"),
            (["load"], NIC, "options fix_nic Async_probe=n"),
            (["load", NIC], NIC, "options fix_nic Async_probe=n")]
    seen, problems = [], []
    for args, modalias, conf in runs:
        p, inserts, _ = r.run(args, event(modalias, "pci", TRAP_ROOT=root), {"conf": conf, "level": "info"})
        seen.append(len(re.findall(rb"not the kernel's async_probe", p.stderr)))
        if p.returncode != 0 or (args == ["load"]) != (inserts == []):
            problems.append(f"{args} {conf!r}: rc {p.returncode}, inserts {inserts}")
    if seen != [1, 0, 1, 1, 1]:
        problems.append(f"warnings per run {seen}, expected [1, 0, 1, 1, 1]: once per boot and module, "
                        "again for another word, always when run by hand")
    r.report("a misspelled async_probe is reported once per boot and module by udev's runs", problems, p)

    p, inserts, _ = r.run(["explain", NIC], None, {"conf": "options fix_nic Async_probe=0"})
    want = (r"\n  fix_nic: sync, plain load by kmod load \(module-options-misspelled: [^\n]*\)\n"
            r"    'Async_probe=0' in /\S*/conf/zz-case\.conf: not the kernel's async_probe")
    ok = p.returncode == 0 and inserts == [] and re.search(want, p.stdout.decode())
    r.report("explain: a misspelled async_probe is sync by rule module-options-misspelled, the file named",
             [] if ok else [repr(p.stdout)], p)


def main():
    program, trap, shipped = sys.argv[1:4]
    r = Runner(program, trap, shipped)
    try:
        for c in CASES:
            r.case(*c)
        explain_cases(r)
        config_cases(r)
        deadline_cases(r)
        option_bytes_cases(r)
        misspelled_once_case(r)
        sysfs_cases(r)
        modprobe_config_case(r)
        status_cases(r)
        record_cases(r)
        report_record_cases(r)
        settle_udevadm_cases(r)
        settle_count_cases(r)
        log_append_case(r)
        state_file_cases(r)
        one_insert_case(r)
        shared_dependency_cases(r)
        duplicate_job_case(r)
        late_lock_case(r)
        lock_outlives_load_case(r)
    finally:
        shutil.rmtree(r.tmp)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
