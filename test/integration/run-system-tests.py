#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The program against the system paths it really uses, each case in a
private mount namespace (needs root or user namespaces): the journal
socket, a full /run, the documented modprobe.d override, and the udev
rules it generates. Prints TAP.

usage: run-system-tests.py PROGRAM TRAP.so SHIPPED_CONF_DIR README MAN_CONF_PAGE
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
from fixture import NIC, PLAT, USB  # noqa: E402
from runner import Runner, event  # noqa: E402

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
    r.report("a read-only /run: a load still inserts", [] if p.returncode == 0 and inserts == NIC_ASYNC
             else [f"rc {p.returncode}, inserts {inserts}"], p)


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


def documented_override(r, readme, man):
    """Follow the override the README and the man page show, literally."""
    pat = re.compile(r"# (/etc/modprobe\.d/\S+)[^\n]*\n\s*(options udev_async_probe [^\n]+)")
    for doc in (readme, man):
        text = open(doc).read()
        m = pat.search(text)
        if m is None:
            r.report(f"{os.path.basename(doc)} shows an override file", ["no example found"])
            continue
        path, line = m.group(1), m.group(2).strip()
        shipped = os.path.join(r.shipped, "udev-async-probe.conf")
        setup = hide(MODPROBE_DIRS) + f"; cp {shipped} /lib/modprobe.d/; " \
            f"mkdir -p {os.path.dirname(path)}; echo '{line}' > {path}"
        p, _, _ = r.run(["config", "--json"], None, {"prefix": namespace(setup), "default_config": True})
        problems = []
        try:
            j = json.loads(p.stdout)
            want_buses = re.search(r"buses=(\S+)", line).group(1)
            if j["buses"] != {"value": want_buses, "source": path}:
                problems.append(f"buses {j['buses']}, expected {want_buses} from {path}")
            if [s["source"] for s in j["sources"]] != ["/lib/modprobe.d/udev-async-probe.conf", path]:
                problems.append(f"sources {j['sources']}")
        except (ValueError, KeyError, AttributeError) as e:
            problems.append(f"bad output ({e}): {p.stdout!r}")
        p2, _, _ = r.run(["explain", USB], None, {"prefix": namespace(setup), "default_config": True})
        if "usb" in line and "fix_usb: async" not in p2.stdout.decode():
            problems.append(f"explain {USB}: {p2.stdout!r}")
        r.report(f"the override in {os.path.basename(doc)} ({path}) wins over the shipped file",
                 problems, p)


def rules_cases(r):
    cases = [
        ("", 'SUBSYSTEM=="pci", RUN'),
        ("options udev_async_probe buses=pci,usb", 'SUBSYSTEM=="pci|usb", RUN'),
        ("options udev_async_probe buses=*", '\nRUN{program}+="udev-async-probe load"\n'),
        ("options udev_async_probe buses=", None),
        ("options udev_async_probe enable=0", "NO-RUN"),
        ("options udev_async_probe bogus", "NO-RUN"),
    ]
    for conf, want in cases:
        p, _, _ = r.run(["rules"], None, {"conf": conf})
        out = p.stdout.decode()
        problems = [] if p.returncode == 0 else [f"rc {p.returncode}"]
        runs = out.count("RUN{program}")
        if want == "NO-RUN" and runs:
            problems.append("runs the program although nothing can be async")
        elif want is None and ('ENV{ASYNC_PROBE}=="?*", RUN' not in out or "SUBSYSTEM" in out):
            problems.append("buses= (none) must run the program for ASYNC_PROBE only")
        elif want not in ("NO-RUN", None) and want not in out:
            problems.append(f"lacks {want!r}")
        if want not in ("NO-RUN",) and "*" not in conf and 'ENV{ASYNC_PROBE}=="?*", RUN' not in out:
            problems.append("devices with ASYNC_PROBE must reach the program")
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


def fake_udevadm(r, name, script):
    """A directory for PATH holding an udevadm that runs SCRIPT (sh)."""
    d = os.path.join(r.tmp, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "udevadm"), "w") as f:
        f.write("#!/bin/sh\n" + script + "\n")
    os.chmod(os.path.join(d, "udevadm"), 0o755)
    return d


def fake_modules(n, pending, listing, extra=""):
    """Shell for a private /sys/module of N modules whose count files read 0,
    except the last PENDING in readdir order (tmpfs lists the newest first on
    some kernels, in creation order on others), which read 1 and are listed
    in LISTING; then EXTRA."""
    return ("mount -t tmpfs tmpfs /sys/module; cd /sys/module; "
            f"mkdir $(seq -f mod%04g 0 {n - 1}); "
            "for d in *; do echo live > $d/initstate; echo 0 > $d/async_probe_pending; done; "
            f"ls -U | tail -n {pending} > {listing}; "
            f"for d in $(cat {listing}); do echo 1 > $d/async_probe_pending; done; "
            + (extra + "; " if extra else "") + "cd /")


def settle_count_cases(r):
    """settle with count files it cannot keep open, or cannot open at all:
    a count it could not read is never a zero."""
    ok_udevadm = fake_udevadm(r, "udevadm-ok", "exit 0")
    env = {"PATH": ok_udevadm + ":" + os.environ["PATH"]}
    pending_re = re.compile(r"Module '(mod\d+)': 1 asynchronous probe\(s\) pending")
    # Only where the hard limit is too low does settle run out of descriptors.
    for limit, spent, desc in (("-Sn 1024", False, "a soft limit of 1024 (the hard one is higher)"),
                               ("-n 1024", True, "soft and hard limit 1024")):
        listing = os.path.join(r.tmp, "pending-modules")
        setup = fake_modules(1100, 10, listing) + f"; ulimit {limit}"
        t0 = time.monotonic()
        p, _, _ = r.run(["settle", "--timeout=2"], env,
                        {"prefix": namespace(setup), "real_sys": True, "level": "debug", "timeout": 60})
        took = time.monotonic() - t0
        named = sorted(set(pending_re.findall(p.stderr.decode())))
        want = sorted(open(listing).read().split())
        problems = []
        if p.returncode != 1:
            problems.append(f"exit status {p.returncode}, expected 1 (timed out)")
        if took < 2:
            problems.append(f"returned after {took:.2f} s, before its --timeout=2")
        if named != want or len(want) != 10:
            problems.append(f"names {named} as pending, expected {want} (the 10 last in readdir order)")
        if b"Timed out after 2 s" not in p.stderr:
            problems.append("no timeout message")
        if (b"reading the counts without a watch" in p.stderr) != spent:
            problems.append("ran out of descriptors" if not spent else "did not run out of descriptors")
        r.report(f"settle, 1100 count files, {desc}: the 10 pending modules it cannot keep open "
                 "are not read as zero", problems, p)

    # A count file an LSM denies (here: mode 000 without CAP_DAC_OVERRIDE) says
    # nothing: its module gets the best-effort check, and one warning.
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    for state, rc, desc in (("coming", 1, "its init still runs: settle waits for it"),
                            ("live", 0, "its init has ended: settle returns")):
        setup = fake_modules(20, 0, "/dev/null", f"mkdir mod_denied; echo {state} > mod_denied/initstate; "
                                    "echo 0 > mod_denied/async_probe_pending; "
                                    "chmod 000 mod_denied/async_probe_pending")
        p, _, _ = r.run(["settle", "--timeout=3"], env,
                        {"prefix": namespace(setup) + drop, "real_sys": True, "level": "info",
                         "timeout": 60})
        err = p.stderr.decode()
        problems = []
        if p.returncode != rc:
            problems.append(f"exit status {p.returncode}, expected {rc}")
        warned = len(re.findall(r"mod_denied/async_probe_pending: Permission denied", err))
        if warned != 1:
            problems.append(f"warned {warned} times about the denied count file, expected once")
        if rc == 1 and "Module 'mod_denied': its init still runs" not in err:
            problems.append("the timeout does not name mod_denied")
        r.report(f"settle, a count file that cannot be opened (EACCES) and {desc}", problems, p)


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
    r = Runner(program, trap, shipped)
    try:
        warn_once_case(r)
        if not namespaces_work():
            for name in ("journal", "full /run", "documented override", "generated rules in /run",
                         "settle's count files"):
                r.skip(name, "no private mount namespace here (needs root or user namespaces)")
            return r.finish()
        rules_cases(r)
        settle_count_cases(r)
        read_only_run_case(r)
        journal_cases(r, r.tmp)
        full_run_case(r)
        documented_override(r, readme, man)
    finally:
        shutil.rmtree(r.tmp)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
