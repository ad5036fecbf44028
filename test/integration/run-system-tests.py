#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The program against the system paths it really uses, each case in a
private mount namespace (needs root or user namespaces): the journal
socket, a full /run, the documented modprobe.d override, and the udev
rules it generates. Prints TAP.

usage: run-system-tests.py PROGRAM TRAP.so SHIPPED_CONF_DIR README MAN_CONF_PAGE [DOC...]
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
from fixture import DUAL, NIC, PLAT, USB  # noqa: E402
from runner import Runner, event, fake_udevadm  # noqa: E402

NIC_ASYNC = ["fix_core", "fix_soft", "fix_nic async_probe=1"]
MODPROBE_DIRS = ["/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d"]
RULES_DIRS = ["/etc/udev/rules.d", "/lib/udev/rules.d"]


def namespace(setup):
    """A command prefix: a new mount namespace, /run a tmpfs, then SETUP (sh)."""
    script = "set -e; mount --make-rprivate /; mount -t tmpfs -o mode=0755 tmpfs /run; " + setup + \
        '; exec "$@"'
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    return unshare + ["sh", "-c", script, "sh"]


def namespaces_work():
    p = subprocess.run(namespace("true") + ["true"], capture_output=True)
    return p.returncode == 0


def hide(dirs):
    """Shell that puts an empty tmpfs over each existing directory of DIRS."""
    return "; ".join(f"if [ -d {d} ]; then mount -t tmpfs tmpfs {d}; fi" for d in dirs)


def journal_case(r, tmp, name, fill, target, want_journal):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.path.join(d, "socket"))
    sock.setblocking(False)
    if fill:
        # Fill the queue as a journald that stopped reading would leave it.
        tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        tx.setblocking(False)
        try:
            while True:
                tx.sendto(b"MESSAGE=filler\n", os.path.join(d, "socket"))
        except BlockingIOError:
            pass
        tx.close()
    prefix = namespace(f"mkdir -p /run/systemd/journal; mount --bind {d} /run/systemd/journal")
    ev = event(NIC, "pci")
    t0 = time.monotonic()
    p, inserts, _ = r.run(["load"], ev, {"prefix": prefix, "target": target, "level": "debug",
                                         "fail": "fix_nic=EINVAL", "timeout": 30})
    took = time.monotonic() - t0
    got = []
    if not fill:
        try:
            while True:
                got.append(sock.recv(65536).decode())
        except BlockingIOError:
            pass
    sock.close()
    problems = []
    if p.returncode != 1:
        problems.append(f"exit status {p.returncode}, expected 1")
    if took > 5:
        problems.append(f"took {took:.1f} s")
    if inserts != ["fix_core", "fix_soft", "fix_nic async_probe=1 -> EINVAL"]:
        problems.append(f"inserts {inserts}")
    failed = [m for m in got if "failed to insert" in m]
    if want_journal:
        fields = dict(line.split("=", 1) for line in failed[0].splitlines()) if failed else {}
        want = {"PRIORITY": "3", "SYSLOG_IDENTIFIER": "udev-async-probe", "ERRNO": "22",
                "UAP_MODULE": "fix_nic", "UAP_RULE": "bus-listed", "UAP_ASYNC": "1",
                "MODALIAS": NIC, "DEVPATH": "/devices/fixture/0"}
        if any(fields.get(k) != v for k, v in want.items()):
            problems.append(f"journal message {failed!r}, expected fields {want}")
        if b"failed to insert" in p.stderr:
            problems.append("the message went to stderr as well")
    elif b"failed to insert 'fix_nic'" not in p.stderr:
        problems.append("the message is not on stderr")
    r.report(name.replace("-", " "), problems, p)


def journal_cases(r, tmp):
    version = subprocess.run([r.program, "--version"], capture_output=True).stdout.decode()
    if "+JOURNAL" not in version:
        r.skip("journal", "built without journal support (-Djournal=false)")
        return
    journal_case(r, tmp, "journal-gets-the-fields-of-an-event", False, None, True)
    journal_case(r, tmp, "journal-socket-full-the-message-goes-to-stderr-at-once", True, None, False)
    # SYSTEMD_LOG_TARGET=journal with no journal at all: not silently lost.
    prefix = namespace("true")
    p, _, _ = r.run(["load"], event(NIC, "pci"), {"prefix": prefix, "target": "journal",
                                                   "fail": "fix_nic=EINVAL"})
    ok = p.returncode == 1 and b"failed to insert 'fix_nic'" in p.stderr
    r.report("no journal socket: the message goes to stderr", [] if ok else [f"rc {p.returncode}"], p)


def full_run_case(r):
    """The once-per-boot flag lives in the real /run (a tmpfs of the
    namespace's own): two events in one namespace warn once on a /run with
    room, and each time on a full one, where the flag cannot be written;
    the loads work either way."""
    conf = "options udev_async_probe buses=pci bogus=1"
    for full, want in ((False, 1), (True, 2)):
        fill = ("mount -t tmpfs -o size=64k,mode=0755 tmpfs /run; dd if=/dev/zero of=/run/fill bs=4k 2>/dev/null || true; "
                if full else "")
        prefix = namespace(fill + "true") + ["sh", "-c", '"$@"; "$@"', "sh"]
        p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_REAL_RUN="1"),
                              {"prefix": prefix, "conf": conf, "level": "info"})
        warned = p.stderr.count(b"Ignoring udev_async_probe options")
        problems = []
        if p.returncode != 0 or inserts != []:
            problems.append(f"rc {p.returncode}, inserts {inserts}")
        if warned != want:
            problems.append(f"warned {warned} times for two events, expected {want}")
        r.report(f"{'a full' if full else 'a'} /run: two events warn {want} time(s), nothing fails", problems, p)
    p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_REAL_RUN="1"),
                          {"prefix": namespace("mount -t tmpfs -o size=64k,mode=0755 tmpfs /run; "
                                               "dd if=/dev/zero of=/run/fill bs=4k 2>/dev/null || true"),
                           "level": "info"})
    r.report("a full /run: a load still inserts", [] if p.returncode == 0 and inserts == NIC_ASYNC
             else [f"rc {p.returncode}, inserts {inserts}"], p)
    p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_REAL_RUN="1"),
                          {"prefix": namespace("mount -t tmpfs -o ro,mode=0755 tmpfs /run"), "level": "info"})
    r.report("a read-only /run: a load still inserts, says so at info, and that it made no record",
             [] if p.returncode == 0 and inserts == NIC_ASYNC and
             re.fullmatch(rb"udev-async-probe: /devices/fixture/0: inserted 'fix_nic' with async_probe=1 [^\n]*\n"
                          + UNRECORDED + rb"Read-only file system[^\n]*\n",
                          p.stderr) else [f"rc {p.returncode}, inserts {inserts}"], p)


# load's notice that its record could not be written, up to the error.
UNRECORDED = rb"udev-async-probe: Could not record the insert of '[a-z_]+' with async_probe=1 in " \
    rb"/run/udev-async-probe/requested: "


def record_unwritten_cases(r):
    """A record load cannot write (a full or read-only /run) is said at
    notice, so that status's "unknown" is explained: once per boot where
    the marker can be kept (a full /run still takes an empty file), once
    per process where /run takes nothing at all; the inserts go on."""
    full = "mount -t tmpfs -o size=64k,mode=0755 tmpfs /run; dd if=/dev/zero of=/run/fill bs=4k 2>/dev/null || true"
    ro = "mount -t tmpfs -o ro,mode=0755 tmpfs /run"
    for what, setup, error, want in (("a full /run", full, rb"No space left on device", 1),
                                     ("a read-only /run", ro, rb"Read-only file system", 2)):
        # Two events, each inserting a module of its own with async_probe=1.
        prefix = namespace(setup) + ["sh", "-c", f'"$@"; MODALIAS={DUAL} "$@"', "sh"]
        p, inserts, _ = r.run(["load"], event(NIC, "pci", TRAP_REAL_RUN="1"), {"prefix": prefix, "level": "info"})
        said = re.findall(UNRECORDED + error, p.stderr)
        notices = [x for x in p.stderr.decode().splitlines() if "Could not record" in x]
        problems = [] if p.returncode == 0 and "fix_nic async_probe=1" in inserts and \
            "fix_dual_a async_probe=1" in inserts else [f"rc {p.returncode}, inserts {inserts}"]
        if len(said) != want or len(notices) != want:
            problems.append(f"said {len(said)} times ({notices}), expected {want}")
        r.report(f"{what}: two events' unrecorded inserts said at notice {want} time(s), the inserts go on",
                 problems, p)
    # At notice: shown at the default level (info and above); at warning, not.
    p, _, _ = r.run(["load"], event(NIC, "pci", TRAP_REAL_RUN="1"), {"prefix": namespace(ro), "level": "notice"})
    r.report("a read-only /run: the unrecorded insert is said at notice",
             [] if re.search(UNRECORDED, p.stderr) else ["not at notice"], p)
    p, _, _ = r.run(["load"], event(NIC, "pci", TRAP_REAL_RUN="1"), {"prefix": namespace(ro), "level": "warning"})
    r.report("a read-only /run: not at warning", [] if b"Could not record" not in p.stderr else ["at warning"], p)
    # One process, two async inserts: said once.
    p, inserts, _ = r.run(["load", DUAL], {"TRAP_REAL_RUN": "1"}, {"prefix": namespace(ro), "level": "info"})
    notices = [x for x in p.stderr.decode().splitlines() if "Could not record" in x]
    r.report("a read-only /run: one load inserting two modules async says it once",
             [] if p.returncode == 0 and len(notices) == 1 else [f"rc {p.returncode}, {notices}"], p)


def record_run_cases(r):
    """load's record of its async inserts in the real /run (a tmpfs of the
    namespace's own), read by status in the same /run; a full /run only
    means no record."""
    script = '"$@" load; echo status >&2; "$@" status; ls /run/udev-async-probe/requested 2>/dev/null | sed "s/^/record: /" >&2'
    for full in (False, True):
        fill = ("mount -t tmpfs -o size=64k,mode=0755 tmpfs /run; mkdir /run/udev-async-probe; "
                "dd if=/dev/zero of=/run/fill bs=4k 2>/dev/null || true" if full else "true")
        p, inserts, _ = r.run([], event(NIC, "pci", TRAP_REAL_RUN="1", DEVPATH="/devices/pci0000:00/0000:00:1f.2"),
                              {"prefix": namespace(fill) + ["sh", "-c", script, "sh"], "level": "info"})
        out, err = p.stdout.decode(), p.stderr.decode()
        problems = [] if p.returncode == 0 and inserts == NIC_ASYNC else [f"rc {p.returncode}, inserts {inserts}"]
        inserted = ("udev-async-probe: /devices/pci0000:00/0000:00:1f.2: inserted 'fix_nic' with "
                    "async_probe=1 (bus-listed: bus is in buses=)\n")
        if not err.startswith(inserted):
            problems.append("load does not log its insert at info, once")
        if full != bool(re.match(re.escape(inserted.encode()) + UNRECORDED + rb"[^\n]*\nstatus\n", p.stderr)):
            problems.append("the record that could not be written is said (only) on a full /run, at once")
        line = next((x for x in out.splitlines() if x.startswith("fix_nic ")), "")
        if full and (line.split() != ["fix_nic", "async_probe=unknown"] or "record: " in err):
            problems.append(f"a full /run: status {line!r}, record {err!r}")
        if not full and (line.split(None, 1)[1:] != ["async_probe=1 (requested by udev-async-probe for 0000:00:1f.2)"]
                         or "record: fix_nic\n" not in err):
            problems.append(f"status {line!r}, record {err!r}")
        r.report("a full /run: the insert goes on and is logged, no record" if full else
                 "the record in /run, status reads it", problems, p)


def property_cases(r):
    """UDEV_ASYNC_PROBE_REQUESTED=1, the trace the generated rules leave in
    the udev database: set where they ask for async probing (a listed bus,
    or ASYNC_PROBE true), as udev itself (udevadm test) applies them."""
    dev = host_device()
    if dev is None or shutil.which("udevadm") is None:
        r.skip("UDEV_ASYNC_PROBE_REQUESTED set by udev", "no udevadm, or no device with a MODALIAS here")
        return
    device, bus = dev
    other = "usb" if bus != "usb" else "pci"
    local = "/etc/udev/rules.d/70-async-probe-local.rules"
    for buses, setup, want_prop, want_run, what in (
            (bus, "true", True, True, f"a device on a listed bus ({bus})"),
            (other, "true", False, False, f"a device on a bus not listed ({bus}, buses={other})"),
            (other, f"echo 'ENV{{ASYNC_PROBE}}=\"yes\"' > {local}", True, True,
             "ASYNC_PROBE=yes on a bus not listed"),
            (bus, f"echo 'ENV{{ASYNC_PROBE}}=\"0\"' > {local}", False, True,
             "ASYNC_PROBE=0 on a listed bus (the program runs, and decides sync)")):
        p, _, case = r.run(["rules"], None, {"conf": f"options udev_async_probe buses={buses}"})
        rules = os.path.join(case, "generated.rules")
        with open(rules, "wb") as f:
            f.write(p.stdout)
        runs, log = udev_test(rules, device, setup)
        props = [line for line in log.splitlines() if line.startswith("UDEV_ASYNC_PROBE_REQUESTED=")]
        problems = []
        if props != (["UDEV_ASYNC_PROBE_REQUESTED=1"] if want_prop else []):
            problems.append(f"properties {props}")
        if runs != want_run:
            problems.append(f"runs the program: {runs}")
        r.report(f"udev sets UDEV_ASYNC_PROBE_REQUESTED=1 {'' if want_prop else 'not '}for {what}",
                 problems + ([line for line in log.splitlines() if "80-async-probe" in line] if problems else []))

    # udev writes each event's properties to its database afresh: the
    # device's later events (bind, change) keep what its add event set.
    p, _, case = r.run(["rules"], None, {"conf": f"options udev_async_probe buses={bus}"})
    rules = os.path.join(case, "generated.rules")
    with open(rules, "wb") as f:
        f.write(p.stdout)
    for before, action, want_prop, what in (
            (f"udevadm test --action=add {device} >/dev/null 2>&1", "bind", True, "after its add event"),
            (f"udevadm test --action=add {device} >/dev/null 2>&1", "change", True, "after its add event"),
            ("true", "bind", False, "without an add event before")):
        runs, log = udev_test(rules, device, before, action)
        props = [line for line in log.splitlines() if line.startswith("UDEV_ASYNC_PROBE_REQUESTED=")]
        problems = [] if props == (["UDEV_ASYNC_PROBE_REQUESTED=1"] if want_prop else []) else [f"properties {props}"]
        if runs:
            problems.append(f"a {action} event runs the program")
        r.report(f"a {action} event of a device on a listed bus {what}: UDEV_ASYNC_PROBE_REQUESTED "
                 f"{'kept' if want_prop else 'not set'}, no program", problems)


def warn_once_case(r):
    """The trap keeps /run/udev-async-probe in the case's fake root; one
    fake root for all three runs, as one boot."""
    root = os.path.join(r.tmp, "boot")
    os.makedirs(os.path.join(root, "sys", "module"), exist_ok=True)
    os.makedirs(os.path.join(root, "run"), exist_ok=True)
    for f in ("cmdline", "modules"):
        os.makedirs(os.path.join(root, "proc"), exist_ok=True)
        open(os.path.join(root, "proc", f), "w").close()
    problems = []
    seen = []
    for conf in ("options udev_async_probe bogus=1", "options udev_async_probe bogus=1",
                 "options udev_async_probe other=2"):
        p, _, _ = r.run(["load"], event(PLAT, "platform", TRAP_ROOT=root), {"conf": conf, "level": "info"})
        seen.append(b"Ignoring udev_async_probe options" in p.stderr)
    if seen != [True, False, True]:
        problems.append(f"warned {seen}, expected once per boot and again for a new problem")
    p, _, _ = r.run(["load", PLAT], event(PLAT, "platform", TRAP_ROOT=root),
                    {"conf": "options udev_async_probe other=2", "level": "info"})
    if b"Ignoring" not in p.stderr:
        problems.append("load run by hand must always warn")
    r.report("an invalid configuration is reported once per boot by udev's runs", problems)


def shipped_conf(r):
    """The shipped modprobe.d file (the one *.conf of the source's modprobe-d/)."""
    names = sorted(f for f in os.listdir(r.shipped) if f.endswith(".conf"))
    return os.path.join(r.shipped, names[0])


def on_tmpfs(d):
    """Shell: make directory D on a tmpfs of the namespace (a missing one
    under a tmpfs put over its nearest existing parent), or fail: never
    write to the real file system."""
    return (f'if [ ! -d {d} ]; then p={d}; while [ ! -d "$p" ]; do p=$(dirname "$p"); done; '
            f'[ "$(stat -f -c %T "$p")" = tmpfs ] || mount -t tmpfs tmpfs "$p"; mkdir -p {d}; fi; '
            f'[ "$(stat -f -c %T {d})" = tmpfs ]')


def modprobe_setup(r, files):
    """Shell: the standard modprobe.d directories hold the shipped file, in
    /lib/modprobe.d as installed, and FILES ({path: line})."""
    setup = hide(MODPROBE_DIRS) + f"; {on_tmpfs('/lib/modprobe.d')}; cp {shipped_conf(r)} /lib/modprobe.d/"
    for path, line in files.items():
        setup += f"; {on_tmpfs(os.path.dirname(path))}; echo '{line}' > {path}"
    return setup


def words(line):
    """{key: value} of an "options udev_async_probe ..." line."""
    return dict((w.split("=", 1) + ["1"])[:2] for w in line.split()[2:])


def documented_override(r, docs):
    """Follow every override the README, docs/ and the man page show,
    literally: "# FILE" above an options line, or "echo 'LINE' >FILE"."""
    pats = [re.compile(r"# (?P<path>/etc/modprobe\.d/\S+)[^\n]*\n\s*(?P<line>options udev_async_probe [^\n]+)"),
            re.compile(r"echo '(?P<line>options udev_async_probe [^'\n]+)' *>(?P<path>/etc/modprobe\.d/\S+)")]
    shipped_name = os.path.basename(shipped_conf(r))
    for doc in docs:
        text = open(doc).read()
        found = [m for pat in pats for m in pat.finditer(text)]
        if not found:
            r.report(f"{os.path.basename(doc)} shows an override file", ["no example found"])
        for m in found:
            path, line = m.group("path"), m.group("line").strip()
            setup = modprobe_setup(r, {path: line})
            p, _, _ = r.run(["config", "--json"], None, {"prefix": namespace(setup), "default_config": True})
            problems = []
            want = words(line)
            try:
                j = json.loads(p.stdout)
                if "buses" in want and (j["buses"]["value"], j["buses"]["source"]) != (want["buses"], path):
                    problems.append(f"buses {j['buses']}, expected {want['buses']} from {path}")
                if "enable" in want and (j["enable"]["value"], j["enable"]["source"]) != \
                        (want["enable"] not in ("0", "n", "no", "off", "false"), path):
                    problems.append(f"enable {j['enable']}, expected {want['enable']} from {path}")
                sources = sorted({f"/lib/modprobe.d/{shipped_name}", path} - (
                    {f"/lib/modprobe.d/{shipped_name}"} if os.path.basename(path) == shipped_name else set()),
                    key=os.path.basename)
                if [s["source"] for s in j["sources"]] != sources:
                    problems.append(f"sources {j['sources']}, expected {sources}")
            except (ValueError, KeyError, AttributeError) as e:
                problems.append(f"bad output ({e}): {p.stdout!r}")
            p2, _, _ = r.run(["explain", USB], None, {"prefix": namespace(setup), "default_config": True})
            if "usb" in want.get("buses", "") and "fix_usb: async" not in p2.stdout.decode():
                problems.append(f"explain {USB}: {p2.stdout!r}")
            if want.get("enable") == "0" and "fix_usb: sync" not in p2.stdout.decode():
                problems.append(f"explain {USB}: {p2.stdout!r}")
            r.report(f"the override in {os.path.basename(doc)} ({path}: {line}) wins over the shipped file",
                     problems, p)


def override_cases(r):
    """libkmod reads the modprobe.d files of all directories sorted by name,
    and the last value of a key wins: any admin file (/etc, /run,
    /usr/local/lib) must win over the shipped one whatever its name, and a
    vendor file (*/lib/modprobe.d) that still wins over an admin's value
    gets a warning from config and rules."""
    shipped_name = os.path.basename(shipped_conf(r))
    shipped = f"/lib/modprobe.d/{shipped_name}"
    off = "options udev_async_probe enable=0"
    cases = [
        # what, files, {key: (value, source)}, NIC async, (the admin's file a vendor file overrides, key)
        ("/etc/modprobe.d/local.conf with enable=0", {"/etc/modprobe.d/local.conf": off},
         {"enable": (False, "/etc/modprobe.d/local.conf")}, False, None),
        ("/etc/modprobe.d/udev-async-probe-disable.conf with enable=0",
         {"/etc/modprobe.d/udev-async-probe-disable.conf": off},
         {"enable": (False, "/etc/modprobe.d/udev-async-probe-disable.conf")}, False, None),
        ("/run/modprobe.d/local.conf with enable=0", {"/run/modprobe.d/local.conf": off},
         {"enable": (False, "/run/modprobe.d/local.conf")}, False, None),
        ("/usr/local/lib/modprobe.d/a.conf with buses=usb",
         {"/usr/local/lib/modprobe.d/a.conf": "options udev_async_probe buses=usb"},
         {"buses": ("usb", "/usr/local/lib/modprobe.d/a.conf")}, False, None),
        ("/etc/modprobe.d/udev-async-probe.conf with enable=0",
         {"/etc/modprobe.d/udev-async-probe.conf": off},
         {"enable": (False, "/etc/modprobe.d/udev-async-probe.conf")}, False, None),
        (f"/etc/modprobe.d/{shipped_name} (the shipped name) replaces the shipped file",
         {f"/etc/modprobe.d/{shipped_name}": "options udev_async_probe buses=usb"},
         {"buses": ("usb", f"/etc/modprobe.d/{shipped_name}"), "enable": (True, None)}, False, None),
        (f"an admin's file that sorts before {shipped_name}: the shipped value, with a warning",
         {"/etc/modprobe.d/00-aaa.conf": off},
         {"enable": (True, shipped)}, True, ("/etc/modprobe.d/00-aaa.conf", "enable")),
        ("a vendor file that sorts after the admin's: its value, with a warning",
         {"/etc/modprobe.d/local.conf": "options udev_async_probe buses=pci,hid",
          "/lib/modprobe.d/zz-vendor.conf": "options udev_async_probe buses=usb"},
         {"buses": ("usb", "/lib/modprobe.d/zz-vendor.conf")}, False, ("/etc/modprobe.d/local.conf", "buses")),
    ]
    for what, files, want, nic_async, warn in cases:
        setup = modprobe_setup(r, files)
        opts = {"prefix": namespace(setup), "default_config": True}
        p, _, _ = r.run(["config", "--json"], None, opts)
        problems = []
        try:
            j = json.loads(p.stdout)
            for key, (value, source) in want.items():
                if (j[key]["value"], j[key]["source"]) != (value, source):
                    problems.append(f"{key} {j[key]}, expected {value} from {source}")
                over = j[key].get("overrides", "(missing)")
                if over != (warn[0] if warn and warn[1] == key else None):
                    problems.append(f"{key}: overrides {over!r}")
            if f"replaces" in what and shipped in [x["source"] for x in j["sources"]]:
                problems.append(f"the shipped file is still read: {j['sources']}")
        except (ValueError, KeyError) as e:
            problems.append(f"bad output ({e}): {p.stdout!r}")
        p2, _, _ = r.run(["explain", NIC], None, opts)
        if ("fix_nic: async" in p2.stdout.decode()) != nic_async:
            problems.append(f"explain {NIC}: {p2.stdout!r}")
        for args in (["config"], ["rules"]):
            p3, _, _ = r.run(args, None, opts)
            err = p3.stderr.decode()
            said = [line for line in err.splitlines() if "overrides" in line]
            if warn is None and said:
                problems.append(f"{args[0]} warns: {said}")
            if warn and not any(warn[0] in line and "/lib/modprobe.d/" in line and warn[1] in line
                                for line in said):
                problems.append(f"{args[0]} does not warn that a vendor file overrides {warn[1]} of {warn[0]}: "
                                f"{err!r}")
        r.report(what, problems, p)


def legacy_mask_cases(r):
    """Up to 0.1 the shipped file was udev-async-probe.conf, and an admin's
    /dev/null link or empty file of that name masked it; under the new name
    it masks nothing, which config and rules say (and only for such a file)."""
    legacy = "/etc/modprobe.d/udev-async-probe.conf"
    shipped_name = os.path.basename(shipped_conf(r))
    cases = [("a /dev/null link", f"ln -s /dev/null {legacy}", True),
             ("an empty file", f": > {legacy}", True),
             ("a file with other options", f"echo 'options fix_nic async_probe=0' > {legacy}", False)]
    for what, make, warns in cases:
        setup = modprobe_setup(r, {}) + f"; {on_tmpfs('/etc/modprobe.d')}; {make}"
        opts = {"prefix": namespace(setup), "default_config": True}
        problems = []
        for args in (["config"], ["rules"]):
            p, _, _ = r.run(args, None, opts)
            said = [line for line in p.stderr.decode().splitlines() if "no longer masks" in line]
            if warns and not any(legacy in line and f"/etc/modprobe.d/{shipped_name}" in line for line in said):
                problems.append(f"{args[0]}: no warning naming {legacy} and the mask to make: {p.stderr!r}")
            if not warns and said:
                problems.append(f"{args[0]} warns: {said}")
        r.report(f"{legacy} as {what}: {'a warning that it no longer masks' if warns else 'no warning'}",
                 problems, p)


def rules_cases(r):
    cases = [
        ("", 'SUBSYSTEM=="pci", RUN'),
        ("options udev_async_probe buses=pci,usb", 'SUBSYSTEM=="pci|usb", RUN'),
        ("options udev_async_probe buses=*",
         '\nRUN{program}+="udev-async-probe load", ENV{UDEV_ASYNC_PROBE_REQUESTED}="1"\n'),
        ("options udev_async_probe buses=", None),
        ("options udev_async_probe enable=0", "NO-RUN"),
        ("options udev_async_probe bogus", "NO-RUN"),
    ]
    for conf, want in cases:
        p, _, _ = r.run(["rules"], None, {"conf": conf})
        out = p.stdout.decode()
        # An invalid configuration gets its safe rules, and exit status 1.
        rc = 1 if "bogus" in conf else 0
        problems = [] if p.returncode == rc else [f"rc {p.returncode}, expected {rc}"]
        runs = out.count("RUN{program}")
        if want == "NO-RUN" and runs:
            problems.append("runs the program although nothing can be async")
        elif want is None and ('ENV{ASYNC_PROBE}=="?*", RUN' not in out or "SUBSYSTEM" in out):
            problems.append("buses= (none) must run the program for ASYNC_PROBE only")
        elif want not in ("NO-RUN", None) and want not in out:
            problems.append(f"lacks {want!r}")
        if want not in ("NO-RUN",) and "*" not in conf and 'ENV{ASYNC_PROBE}=="?*", RUN' not in out:
            problems.append("devices with ASYNC_PROBE must reach the program")
        # The trace the rules leave in the udev database where they ask for async probing.
        prop = 'ENV{UDEV_ASYNC_PROBE_REQUESTED}="1"'
        if want == "NO-RUN" and prop in out:
            problems.append("sets UDEV_ASYNC_PROBE_REQUESTED although nothing can be async")
        if want not in ("NO-RUN", None) and not re.search(r'\nSUBSYSTEM=="[^"]*", RUN\{program\}\+="udev-async-probe '
                                                          r'load", ENV\{UDEV_ASYNC_PROBE_REQUESTED\}="1"\n|\nRUN\{'
                                                          r'program\}[^\n]*' + re.escape(prop) + r'\n', out):
            problems.append("the listed buses' line does not set UDEV_ASYNC_PROBE_REQUESTED=1")
        if want != "NO-RUN" and ('\nENV{ASYNC_PROBE}=="1|[yY]|[yY][eE][sS]|[tT][rR][uU][eE]|[oO][nN]", '
                                 + prop + "\n") not in out:
            problems.append("no line setting UDEV_ASYNC_PROBE_REQUESTED=1 for a true ASYNC_PROBE")
        r.report(f"rules for '{conf or 'the shipped configuration'}'", problems + ([out] if problems else []), p)

    # Written only when it changes; config and explain see what udev reads.
    out = "/run/udev/rules.d/80-async-probe.rules"
    conf = os.path.join(r.tmp, "rules-conf")
    os.makedirs(conf)
    base = [r.program, "-d", r.tree, "-S", fixture.KVER, "-C", r.shipped, "-C", conf]
    script = "; ".join([
        f'"$@" rules --output={out}', f"stat -c %Y {out} > /run/m1", "sleep 1.1",
        f'"$@" rules --output={out}', f"stat -c %Y {out} > /run/m2",
        "cmp -s /run/m1 /run/m2 || echo REWRITTEN",
        '"$@" config', f'"$@" explain {PLAT}', f'"$@" explain {NIC}',
        f"echo 'options udev_async_probe buses=usb' > {conf}/zz.conf", '"$@" config'])
    p = subprocess.run(namespace(hide(RULES_DIRS)) + ["sh", "-c", script, "sh"] + base,
                       capture_output=True,
                       env=dict({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")},
                                PATH=os.environ["PATH"], LD_PRELOAD=r.trap,
                                TRAP_ROOT=os.path.join(r.tmp, "boot")))
    text = p.stdout.decode()
    problems = [] if p.returncode == 0 else [f"rc {p.returncode}"]
    for want in (f"udev rules: {out}\n  generated for this configuration",
                 "the program runs for devices with ASYNC_PROBE set and on the buses pci",
                 "leave this event to kmod load, no program runs",
                 "run the program for this event",
                 "generated for another configuration"):
        if want not in text:
            problems.append(f"lacks {want!r}")
    if "REWRITTEN" in text:
        problems.append("an unchanged rules file was written again")
    r.report("rules --output writes once; config and explain read the generated rules", problems,
             p)


UDEV_RULES_DIRS = ["/etc/udev/rules.d", "/usr/local/lib/udev/rules.d", "/usr/lib/udev/rules.d",
                   "/lib/udev/rules.d"]


def host_device():
    """(syspath, bus) of a device of this machine with a MODALIAS, PCI first; or None."""
    buses = sorted(os.listdir("/sys/bus"), key=lambda b: (b != "pci", b)) if os.path.isdir("/sys/bus") else []
    for bus in buses:
        devices = os.path.join("/sys/bus", bus, "devices")
        for d in sorted(os.listdir(devices)) if os.path.isdir(devices) else []:
            path = os.path.realpath(os.path.join(devices, d))
            if os.path.exists(os.path.join(path, "modalias")):
                return path, bus
    return None


def udev_test(rules, device, setup="true", action="add"):
    """What the real udev (udevadm test) makes of RULES as the only rules
    file, for an ACTION event of DEVICE: (runs the program, udevadm's output)."""
    script = hide(UDEV_RULES_DIRS) + f"; cp {rules} /etc/udev/rules.d/80-async-probe.rules; {setup}"
    p = subprocess.run(namespace(script) + ["udevadm", "test", f"--action={action}", device],
                       capture_output=True)
    out = (p.stdout + p.stderr).decode(errors="replace")
    return "run: 'udev-async-probe load'" in out, out


def udev_runs(rules, device, setup="true", cmdline="root=/dev/vda"):
    """The RUN list the real udev (udevadm test) makes of RULES as the only
    rules file of that name, for an add event of DEVICE, with CMDLINE as the
    kernel command line (systemd's SYSTEMD_PROC_CMDLINE)."""
    script = hide(UDEV_RULES_DIRS) + f"; cp {rules} /etc/udev/rules.d/80-async-probe.rules; {setup}"
    p = subprocess.run(namespace(script) + ["udevadm", "test", "--action=add", device],
                       capture_output=True, env=dict(os.environ, SYSTEMD_PROC_CMDLINE=cmdline))
    out = (p.stdout + p.stderr).decode(errors="replace")
    return [line[len("run: "):].strip("'") for line in out.splitlines() if line.startswith("run: ")], out


def fake_udevd(r, name, content):
    path = os.path.join(r.tmp, name)
    with open(path, "wb") as f:
        f.write(content)
    os.chmod(path, 0o755)
    return path


def rules_form_cases(r):
    """The form of the generated rules follows the udevd that will read
    them: its kmod builtin takes --async-probe where the binary holds the
    builtin's usage message, "load [--async-probe]"."""
    conf = {"conf": "options udev_async_probe buses=pci"}
    builtin_line = 'SUBSYSTEM=="pci", RUN{builtin}+="kmod load --async-probe", ' \
                   'ENV{UDEV_ASYNC_PROBE_REQUESTED}="1"\n'
    program_line = 'SUBSYSTEM=="pci", RUN{program}+="udev-async-probe load", ' \
                   'ENV{UDEV_ASYNC_PROBE_REQUESTED}="1"\n'
    usage = b"%s: expected: load [--async-probe] [module\xe2\x80\xa6]\0"
    fakes = [
        ("a binary with the builtin's usage message", b"\x7fELF\0kmod\0" + usage + b"load\0", True),
        # A build directory ending in the name, as systemd embeds its
        # source paths: the 252 series that put the policy into udevd had
        # "../src/src/udev/async-probe" and no such option.
        ("a source path ending in the name", b"\x7fELF\0../src/src/udev/async-probe\0", False),
        ("the option's name alone", b"\x7fELF\0kmod\0async-probe\0load\0", False),
        ("no such string", b"\x7fELF\0kmod\0load\0" * 1000, False),
    ]
    # The message across a boundary of the reader's 64 KiB reads (and
    # of a page).
    for boundary in (4096, 65536, 131072):
        start = boundary - 10
        fakes.append((f"the message across byte {boundary}",
                       b"\x7fELF" + b"x" * (start - 4 - 14) + usage + b"tail", True))
    for desc, content, builtin in fakes:
        udevd = fake_udevd(r, "udevd-" + desc.replace(" ", "-").replace("'", ""), content)
        p, _, _ = r.run(["rules", f"--udevd={udevd}"], None, conf)
        out = p.stdout.decode()
        problems = [] if p.returncode == 0 else [f"exit status {p.returncode}"]
        want, other = (builtin_line, program_line) if builtin else (program_line, builtin_line)
        if want not in out or other in out:
            problems.append(f"not the {'builtin' if builtin else 'program'} form: {out!r}")
        if builtin and "RUN{program}" in out.replace('ENV{ASYNC_PROBE}=="?*", RUN{program}', ""):
            problems.append("the builtin form runs the program for a listed bus")
        r.report(f"rules --udevd=FILE, {desc}: the {'builtin' if builtin else 'program'} form", problems, p)

    # The stock udevd of this host: the program form, named or found.
    stock = next((u for u in ("/lib/systemd/systemd-udevd", "/usr/lib/systemd/systemd-udevd")
                  if os.path.exists(u)), None)
    if stock is None:
        r.skip("the host's stock udevd: the program form", "no systemd-udevd here")
    else:
        with open(stock, "rb") as f:
            has = b"load [--async-probe]" in f.read()
        for args in (["rules", f"--udevd={stock}"], ["rules"]):
            p, _, _ = r.run(args, None, conf)
            out = p.stdout.decode()
            problems = [] if p.returncode == 0 else [f"exit status {p.returncode}"]
            if has:
                problems.append(f"{stock} holds the builtin's usage message: not a stock udevd")
            elif program_line not in out or "RUN{builtin}" in out:
                problems.append(f"not the program form: {out!r}")
            r.report(f"{' '.join(args)} with this host's {stock}: the program form", problems, p)

    # A udevd that cannot be read, named by the caller: an error, nothing written.
    fifo = os.path.join(r.tmp, "udevd-fifo")
    os.mkfifo(fifo)
    for desc, udevd in (("missing", os.path.join(r.tmp, "no-such-udevd")), ("a directory", r.tmp),
                        ("a FIFO", fifo), ("nothing (--udevd=)", "")):
        out = os.path.join(r.tmp, "form-rules-" + desc.replace(" ", "-"))
        p, _, _ = r.run(["rules", f"--udevd={udevd}", f"--output={out}"], None, dict(conf, timeout=20))
        problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
        if os.path.exists(out):
            problems.append("a rules file was written")
        if udevd and udevd not in p.stderr.decode():
            problems.append("the error does not name the file")
        r.report(f"rules --udevd naming {desc}: a clear error, nothing written", problems, p)

    # What the real udev makes of the builtin form.
    dev = host_device()
    if dev is None or shutil.which("udevadm") is None:
        r.skip("the builtin form read by udev", "no udevadm, or no device with a MODALIAS here")
        return
    device, bus = dev
    udevd = fake_udevd(r, "udevd-with-option", b"\x7fELF\0%s: expected: load [--async-probe] [module]\0")
    async_run = "kmod load --async-probe"
    cases = [
        # desc, configuration, rules options, setup (an earlier rule), command line, want
        (f"{bus} listed", f"options udev_async_probe buses={bus}", [], "", "", [async_run]),
        (f"{bus} not listed", "options udev_async_probe buses=nosuchbus", [], "", "", []),
        ("ASYNC_PROBE=yes on an unlisted bus", "options udev_async_probe buses=nosuchbus", [],
         'ENV{ASYNC_PROBE}="yes"', "", [async_run]),
        ("ASYNC_PROBE=off on a listed bus", f"options udev_async_probe buses={bus}", [],
         'ENV{ASYNC_PROBE}="off"', "", []),
        ("ASYNC_PROBE=maybe: the program says it is no boolean", f"options udev_async_probe buses={bus}", [],
         'ENV{ASYNC_PROBE}="maybe"', "", ["udev-async-probe load"]),
        ("udev_async_probe.enable=0 on the command line", f"options udev_async_probe buses={bus}",
         ["--no-kernel-cmdline"], "", "udev_async_probe.enable=0", []),
        ("udev_async_probe.enable=off on the command line, ASYNC_PROBE=1",
         f"options udev_async_probe buses={bus}", ["--no-kernel-cmdline"], 'ENV{ASYNC_PROBE}="1"',
         "udev_async_probe.enable=off", []),
        ("udev_async_probe.enable (bare) on the command line", f"options udev_async_probe buses={bus}",
         ["--no-kernel-cmdline"], "", "udev_async_probe.enable", [async_run]),
        ("udev_async_probe.buses= on an initramfs's command line: the program decides",
         f"options udev_async_probe buses={bus}", ["--no-kernel-cmdline"], "",
         "udev_async_probe.buses=usb", ["udev-async-probe load"]),
        # Empty values: enable= is no boolean (the program loads
        # synchronously), buses= lists none; either way not the builtin's
        # async load.
        ("udev_async_probe.enable= (empty) on the command line", f"options udev_async_probe buses={bus}",
         ["--no-kernel-cmdline"], "", "udev_async_probe.enable=", []),
        ("udev_async_probe.buses= (empty) on an initramfs's command line: the program decides",
         f"options udev_async_probe buses={bus}", ["--no-kernel-cmdline"], "",
         "udev_async_probe.buses=", ["udev-async-probe load"]),
    ]
    for desc, conf_line, extra, earlier, cmdline, want in cases:
        p, _, case = r.run(["rules", f"--udevd={udevd}"] + extra, None, {"conf": conf_line})
        rules = os.path.join(case, "builtin.rules")
        with open(rules, "wb") as f:
            f.write(p.stdout)
        setup = "true"
        if earlier:
            setup = f"echo '{earlier}' > /etc/udev/rules.d/70-case.rules"
        runs, log = udev_runs(rules, device, setup, "root=/dev/vda " + cmdline)
        # 80-drivers.rules is hidden: only the project's rules run anything.
        problems = [] if p.returncode == 0 else [f"rules: exit status {p.returncode}"]
        if runs != want:
            problems.append(f"udev runs {runs}, expected {want}")
        # What IMPORT{cmdline} set is not left in the device's properties.
        left = [line for line in log.splitlines() if line.startswith("udev_async_probe.")]
        if left:
            problems.append(f"properties left from the command line: {left}")
        if problems:
            problems += [line for line in log.splitlines() if "async-probe" in line or "async_probe" in line]
        r.report(f"the builtin form read by udev for {device}: {desc}", problems, p)

    # The program form of an initramfs's rules hands a bus list on the
    # command line to the program too, also for a bus the files do not list.
    p, _, case = r.run(["rules", "--no-kernel-cmdline"], None,
                       {"conf": "options udev_async_probe buses=nosuchbus"})
    rules = os.path.join(case, "program.rules")
    with open(rules, "wb") as f:
        f.write(p.stdout)
    problems = [] if p.returncode == 0 and b"RUN{program}" in p.stdout else ["not the program form"]
    for cmdline, want in (("", []), (f"udev_async_probe.buses={bus}", ["udev-async-probe load"])):
        runs, log = udev_runs(rules, device, "true", "root=/dev/vda " + cmdline)
        if runs != want:
            problems.append(f"with '{cmdline}': udev runs {runs}, expected {want}")
    r.report(f"the program form of an initramfs's rules: buses= on its command line reaches the program "
             f"for {device}", problems, p)


def long_list_cases(r):
    """udev 252 drops a whole rules file for one line of 16 KiB or more
    ("No buffer space available"); the bus list is one line of the
    generated rules, so a list is bounded (4 KiB) and a longer one invalid."""
    dev = host_device()
    udevadm = shutil.which("udevadm") or shutil.which("udevadm", path="/bin:/sbin:/usr/bin:/usr/sbin")
    if dev is None or udevadm is None:
        r.skip("a long bus list read by udev", "no udevadm, or no device with a MODALIAS here")
        return
    device, bus = dev
    for total, valid in ((4096, True), (20000, False)):
        names = [bus]
        while len(",".join(names)) + 9 <= total:
            names.append(f"bus{len(names):04d}x")
        names.append("b" * (total - len(",".join(names)) - 1))
        buses = ",".join(names)
        p, _, case = r.run(["rules"], None, {"conf": f"options udev_async_probe buses={buses}"})
        problems = []
        if len(buses) != total:
            problems.append(f"the test's list has {len(buses)} bytes, not {total}")
        if p.returncode != (0 if valid else 1):
            problems.append(f"rules: exit status {p.returncode}")
        longest = max(len(line) for line in p.stdout.split(b"\n"))
        if longest >= 8192:
            problems.append(f"a line of {longest} bytes: not well under udev's 16 KiB")
        if not valid and (b"RUN{" in p.stdout or b"bus list longer than 4096 bytes" not in p.stdout):
            problems.append("not the safe rules of an invalid configuration")
        pc, _, _ = r.run(["config"], None, {"conf": f"options udev_async_probe buses={buses}"})
        if pc.returncode != (0 if valid else 1):
            problems.append(f"config: exit status {pc.returncode}")
        out = os.path.join(case, "generated.rules")
        with open(out, "wb") as f:
            f.write(p.stdout)
        runs, log = udev_test(out, device)
        if "Failed to read rules file" in log:
            problems.append("udev drops the generated file")
        if runs != valid:
            problems.append(f"udevadm test {device}: runs the program: {runs}")
        said = [line for line in log.splitlines() if "80-async-probe" in line or line.startswith("run:")]
        r.report(f"a bus list of {total} bytes: {'valid' if valid else 'invalid'}, and udev reads the "
                 f"generated rules ({'program runs' if valid else 'no program'} for {bus})",
                 problems + ([f"udevadm: {line}" for line in said] if problems else []), p)


def disabled_units_cases(r, static_rules):
    """The units that generate the rules disabled ("systemctl disable", or
    a preset): udev then reads the shipped rules file, which must not make
    udev slower than stock, i.e. run no program. Without systemd (no
    /run/systemd/system), nothing generates rules and the shipped file runs
    the program for every modalias event: correct, as before."""
    dev = host_device()
    if dev is None or shutil.which("udevadm") is None:
        r.skip("the shipped rules read by udev", "no udevadm, or no device with a MODALIAS here")
    else:
        device, bus = dev
        for systemd, want in ((True, False), (False, True)):
            runs, log = udev_test(static_rules, device,
                                  "mkdir -p /run/systemd/system" if systemd else "true")
            said = [line for line in log.splitlines() if "80-async-probe" in line or line.startswith("run:")]
            r.report(f"the shipped rules {'under systemd (rules units disabled)' if systemd else 'without systemd'}: "
                     f"udev {'runs no program' if not want else 'runs the program'} for {device}",
                     [] if runs == want else [f"runs the program: {runs}"] + said)

    # udev's vendor rules directory, emptied; where udev is not installed (a
    # package build's chroot: trixie's Build-Depends no longer pull it in),
    # /usr/local/lib/udev/rules.d in a tmpfs, which udev and the program read too.
    setup = hide(UDEV_RULES_DIRS) + "; d=; for x in /usr/lib/udev/rules.d /lib/udev/rules.d; do " \
        "if [ -d $x ]; then d=$x; break; fi; done; " \
        "if [ -z \"$d\" ]; then mount -t tmpfs tmpfs /usr/local/lib; d=/usr/local/lib/udev/rules.d; " \
        f"mkdir -p $d; fi; cp {static_rules} $d/; mkdir -p /run/systemd/system"
    opts = {"prefix": namespace(setup)}
    for modalias, bus in ((PLAT, "an unlisted bus"), (NIC, "a listed bus")):
        p, _, _ = r.run(["explain", modalias], None, opts)
        text = p.stdout.decode()
        problems = [] if p.returncode == 0 else [f"exit status {p.returncode}"]
        line = next((x for x in text.splitlines() if "udev rules (" in x), "")
        if "/udev/rules.d/80-async-probe.rules" not in line or "no program" not in line:
            problems.append(f"explain's rules line: {line!r}")
        p2, _, _ = r.run(["explain", "--json", modalias], None, opts)
        try:
            rules = json.loads(p2.stdout)["rules"]
            if (rules["kind"], rules["runs_program"]) != ("shipped", False):
                problems.append(f"explain --json rules {rules}")
        except (ValueError, KeyError) as e:
            problems.append(f"bad JSON ({e}): {p2.stdout!r}")
        r.report(f"rules units disabled under systemd: explain says no program runs for {bus}", problems, p)
    p, _, _ = r.run(["config"], None, opts)
    text = p.stdout.decode()
    ok = "runs no program" in text and "systemctl enable" in text
    r.report("rules units disabled under systemd: config says the shipped rules run no program, and how "
             "to enable the units", [] if ok else [repr(text)], p)


def settle_count_cases(r):
    """settle where the kernel's count cannot be read, and on a kernel
    without it: a count it could not read is never a zero."""
    env = {"PATH": fake_udevadm(r, "udevadm-ok", "exit 0") + ":" + os.environ["PATH"]}
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]

    # The kernel's count of pending asynchronous work, which an LSM denies
    # (here: mode 000 without CAP_DAC_OVERRIDE): no zero, but one warning and
    # the best effort, which waits for a module whose init still runs.
    for state, rc, desc in (("coming", 1, "a module's init still runs: settle waits for it"),
                            ("live", 0, "every init has ended: settle returns, as a best effort")):
        setup = ("mount -t tmpfs tmpfs /sys/kernel; echo 0 > /sys/kernel/async_pending; "
                 "chmod 000 /sys/kernel/async_pending; "
                 "mount -t tmpfs tmpfs /sys/module; mkdir /sys/module/mod_a /sys/module/mod_b; "
                 f"echo live > /sys/module/mod_a/initstate; echo {state} > /sys/module/mod_b/initstate")
        p, _, _ = r.run(["settle", "--timeout=2"], env,
                        {"prefix": namespace(setup) + drop, "real_sys": True, "level": "info",
                         "timeout": 60})
        err = p.stderr.decode()
        problems = []
        if p.returncode != rc:
            problems.append(f"exit status {p.returncode}, expected {rc}")
        warned = len(re.findall(r"/sys/kernel/async_pending: Permission denied", err))
        if warned != 1:
            problems.append(f"warned {warned} times about the denied count file, expected once")
        if rc == 1 and "Module 'mod_b': its init still runs" not in err:
            problems.append("the timeout does not name mod_b")
        if rc == 0 and "Settled, as a best effort" not in err:
            problems.append("does not say it settled as a best effort")
        r.report(f"settle, /sys/kernel/async_pending cannot be opened (EACCES) and {desc}", problems, p)

    # A stock kernel (no count files) whose /sys/module also holds a file that
    # is no module: with CONFIG_MODULE_DECOMPRESS, /sys/module/compression.
    # It is no count either: settle stays a best effort, for every module.
    # (A host kernel with the count gets it hidden.)
    stock = ("if [ -e /sys/kernel/async_pending ]; then mount -t tmpfs tmpfs /sys/kernel; fi; "
             "mount -t tmpfs tmpfs /sys/module; cd /sys/module; mkdir mod_a mod_b; "
             "echo live > mod_a/initstate; echo {state} > mod_b/initstate; "
             "echo zstd > compression; cd /")
    for state, rc, desc in (("coming", 1, "a module's init still runs: settle waits for it"),
                            ("live", 0, "every init has ended: settle returns, as a best effort")):
        p, _, _ = r.run(["settle", "--timeout=2"], env,
                        {"prefix": namespace(stock.format(state=state)), "real_sys": True,
                         "level": "info", "timeout": 60})
        err = p.stderr.decode()
        problems = []
        if p.returncode != rc:
            problems.append(f"exit status {p.returncode}, expected {rc}")
        if "compression" in err:
            problems.append("takes /sys/module/compression, a file, for a module")
        if rc == 1 and "Module 'mod_b': its init still runs" not in err:
            problems.append("the timeout does not name mod_b")
        if rc == 0 and "as a best effort" not in err:
            problems.append("does not say it settled as a best effort")
        r.report(f"settle on a kernel without counts, /sys/module/compression a file, {desc}", problems, p)


def read_only_run_case(r):
    """A read-only /run: rules --output names the real error."""
    out = "/run/udev/rules.d/80-async-probe.rules"
    p, _, _ = r.run(["rules", f"--output={out}"], None,
                    {"prefix": namespace("mount -t tmpfs -o ro,mode=0755 tmpfs /run"), "level": "info"})
    err = p.stderr.decode()
    problems = [] if p.returncode == 1 else [f"exit status {p.returncode}, expected 1"]
    if "Read-only file system" not in err or "No such file" in err:
        problems.append("the error is not EROFS")
    r.report("rules --output on a read-only /run reports EROFS", problems, p)


def main():
    program, trap, shipped, readme, man = sys.argv[1:6]
    docs = [readme, man] + sys.argv[6:]
    r = Runner(program, trap, shipped)
    try:
        warn_once_case(r)
        if not namespaces_work():
            for name in ("journal", "full /run", "documented override", "generated rules in /run",
                         "settle's count file"):
                r.skip(name, "no private mount namespace here (needs root or user namespaces)")
            return r.finish()
        rules_cases(r)
        rules_form_cases(r)
        long_list_cases(r)
        settle_count_cases(r)
        read_only_run_case(r)
        journal_cases(r, r.tmp)
        full_run_case(r)
        record_run_cases(r)
        record_unwritten_cases(r)
        property_cases(r)
        documented_override(r, docs)
        override_cases(r)
        legacy_mask_cases(r)
        disabled_units_cases(r, os.path.join(os.path.dirname(readme), "udev-builtin", "80-async-probe.rules"))
    finally:
        shutil.rmtree(r.tmp)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
