#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kmod builtin's --async-probe switch (udev-builtin/systemd/backport-252)
on this host: `udevadm test-builtin "kmod load [--async-probe] [NAME]"
SYSPATH` on real sysfs devices, each run in a private mount namespace where
/lib/modules/$(uname -r) is a fixture tree with modules aliased to those
devices, and the modprobe.d dirs and /proc/cmdline hold the case's config.
The insert trap (test/integration/trap.c) stands in for finit_module() and
records each module with the options libkmod passed. Prints TAP.

What this shows: with --async-probe the module asked for (by the device's
MODALIAS or by name), and not its dependencies, is inserted with
async_probe=1 appended to its own options, unless those set async_probe in
any spelling, contain a quote or "--", or the module has an install
command; without the switch nothing is appended and the log and inserts
are stock 252's, byte for byte at debug level, also for a module that is
already loaded (a tmpfs over /sys/module says so) or gets loaded meanwhile
(the trap fails its finit_module() with EEXIST), which with the switch is
logged as already loaded (KMOD_PROBE_FAIL_ON_LOADED); a bad option is refused
and loads nothing; the stock binaries (the same source without the series,
and Debian's /bin/udevadm) given the switch load nothing and do not fail;
and nothing leaks or crashes under valgrind. What it cannot show: the
kernel probing asynchronously (UML tests do that).

usage: host-builtin.py PATCHED_UDEVADM TRAP.so SHIPPED_CONF_DIR [STOCK_UDEVADM...]
(default stock: /bin/udevadm)
Environment: CC, DEPMOD, VALGRIND (path; empty skips the valgrind case).
"""
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostfix  # noqa: E402
from tap import Tap, read_inserts  # noqa: E402  (hostfix puts test/integration on the path)

CONF_DIRS = ["/etc/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d"]


class Runner(Tap):
    def __init__(self, patched, trap, shipped, stocks):
        super().__init__()
        self.patched, self.trap, self.shipped, self.stocks = patched, trap, shipped, stocks
        self.tmp = tempfile.mkdtemp(prefix="uap-sd-host-")
        self.tree = os.path.join(self.tmp, "tree")
        self.pci, self.other, self.pci2 = hostfix.build(self.tree)

    def run(self, udevadm, dev, builtin="kmod load --async-probe", conf="", cmdline="root=/dev/vda",
            wrapper=(), live=(), trap_fail="", posixly_correct=False):
        case = tempfile.mkdtemp(dir=self.tmp)
        with open(os.path.join(case, "cmdline"), "w") as f:
            f.write(cmdline + "\n")
        with open(os.path.join(case, "zz-case.conf"), "w") as f:
            f.write(conf + "\n")
        syspath = dev[0]
        krel = os.uname().release
        setup = [
            "set -e",
            "mount -t tmpfs -o mode=0755 tmpfs /lib/modules",
            f"mkdir /lib/modules/{krel}",
            f"mount --bind {shlex.quote(self.tree)}/lib/modules/{krel} /lib/modules/{krel}",
        ]
        for d in CONF_DIRS:
            setup.append(f"if [ -d {d} ]; then mount -t tmpfs tmpfs {d}; fi")
        setup += [
            f"cp {shlex.quote(self.shipped)}/*.conf {shlex.quote(case)}/zz-case.conf /etc/modprobe.d/",
            f"mount --bind {shlex.quote(case)}/cmdline /proc/cmdline",
            "mount -t tmpfs tmpfs /run",
            "mkdir -p /run/udev/data",
        ]
        if live:
            # Modules already loaded, as libkmod's kmod_module_get_initstate() sees them: sysfs
            # cannot be written, so a tmpfs over /sys/module holds their "initstate" files.
            setup.append("mount -t tmpfs tmpfs /sys/module")
            for m in live:
                setup.append(f"mkdir /sys/module/{m} && echo live >/sys/module/{m}/initstate")
        cmd = list(wrapper) + [udevadm, "test-builtin", builtin, syspath]
        setup.append("exec " + " ".join(shlex.quote(c) for c in cmd))
        env = {"PATH": os.environ["PATH"], "LD_PRELOAD": self.trap,
               "TRAP_LOG": os.path.join(case, "inserts"), "SYSTEMD_LOG_LEVEL": "debug",
               "SYSTEMD_LOG_TARGET": "console", "SYSTEMD_LOG_COLOR": "0"}
        if trap_fail:
            env["TRAP_FAIL"] = trap_fail
        if posixly_correct:
            env["POSIXLY_CORRECT"] = "1"
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", "\n".join(setup)],
                           env=env, capture_output=True, text=True)
        return p, read_inserts(env["TRAP_LOG"])

    def report(self, name, problems, p=None):
        out = (p.stdout + p.stderr).splitlines()[-25:] if p is not None else []
        super().report(name, problems, [f"out: {line}" for line in out])

    def case(self, name, dev, want_inserts, want_log, udevadm=None, want_status=0, unwanted_log=None, **kw):
        if dev is None:
            self.skip(name, "no such device in this machine's sysfs")
            return
        p, inserts = self.run(udevadm or self.patched, dev, **kw)
        out = p.stdout + p.stderr
        problems = []
        if p.returncode != want_status:
            problems.append(f"exit status {p.returncode}, expected {want_status}")
        if inserts != want_inserts:
            problems.append(f"inserts {inserts}, expected {want_inserts}")
        if want_log and not re.search(want_log, out, re.M):
            problems.append(f"log does not match {want_log!r}")
        if unwanted_log and re.search(unwanted_log, out, re.M):
            problems.append(f"log matches {unwanted_log!r}")
        self.report(name, problems, p)
        # The decision line, for the reader of the test log.
        for line in out.splitlines():
            if re.search(r"Inserted|Failed to (find|insert)|Not adding|Ran install|expected: load|option", line):
                print(f"# {line.strip()}")


    def same_as_stock(self, name, dev, want_inserts, want_log, **kw):
        """Without --async-probe the series changes nothing: the patched udevadm logs, at debug
        level, exactly what the same source without the series logs, and libkmod gets the same
        inserts (flags and options alike, as far as the trap sees them)."""
        stock = next((s for s in self.stocks if s != "/bin/udevadm"), None)
        if dev is None or stock is None:
            self.skip(name, "no such device in this machine's sysfs" if dev is None else "no stock build")
            return
        p, inserts = self.run(self.patched, dev, **kw)
        q, stock_inserts = self.run(stock, dev, **kw)
        out, stock_out = (p.stdout + p.stderr).splitlines(), (q.stdout + q.stderr).splitlines()
        problems = []
        if (p.returncode, inserts) != (q.returncode, stock_inserts):
            problems.append(f"exit status {p.returncode}, inserts {inserts}; "
                            f"stock: {q.returncode}, {stock_inserts}")
        if inserts != want_inserts:
            problems.append(f"inserts {inserts}, expected {want_inserts}")
        if not re.search(want_log, "\n".join(out), re.M):
            problems.append(f"log does not match {want_log!r}")
        diff = [line for line in difflib.unified_diff(stock_out, out, "stock", "patched", lineterm="", n=0)
                if line[:1] in "+-" and line[:3] not in ("---", "+++")]
        if diff:
            problems.append("log differs from stock's: " + "; ".join(diff[:6]))
        self.report(name, problems, p)
        for line in out:
            if re.search(r"Inserted|already loaded|Ran install|Failed to (find|insert)", line):
                print(f"# {line.strip()}")


def reload_case(r):
    """should_reload is kmod_validate_resources(): which config edits it sees."""
    import ctypes
    kmod = ctypes.CDLL("libkmod.so.2")
    kmod.kmod_new.restype = ctypes.c_void_p
    kmod.kmod_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
    kmod.kmod_validate_resources.argtypes = [ctypes.c_void_p]
    kmod.kmod_unref.argtypes = [ctypes.c_void_p]
    kmod.kmod_set_log_priority.argtypes = [ctypes.c_void_p, ctypes.c_int]
    d = tempfile.mkdtemp(dir=r.tmp)
    conf = os.path.join(d, "a.conf")
    with open(conf, "w") as f:
        f.write("options uap_hostpci foo=1\n")
    os.utime(d, (1, 1))
    os.utime(conf, (1, 1))
    paths = (ctypes.c_char_p * 2)(d.encode(), None)
    ctx = kmod.kmod_new(os.path.join(r.tree, "lib", "modules", os.uname().release).encode(), paths)
    kmod.kmod_set_log_priority(ctx, 0)
    results = {"fresh": kmod.kmod_validate_resources(ctx)}
    with open(conf, "a") as f:
        f.write("options uap_hostpci async_probe=0\n")
    results["in-place edit"] = kmod.kmod_validate_resources(ctx)
    with open(os.path.join(d, "b.conf"), "w") as f:
        f.write("options uap_hostpci async_probe=0\n")
    results["new file"] = kmod.kmod_validate_resources(ctx)
    kmod.kmod_unref(ctx)
    # 0 KMOD_RESOURCES_OK, 1 MUST_RELOAD, 2 MUST_RECREATE
    problems = []
    if results["fresh"] != 0 or results["new file"] != 2:
        problems.append(f"kmod_validate_resources: {results}")
    print(f"# kmod_validate_resources: {results} (0 ok, 2 must recreate): a file added to, removed "
          "from or renamed in a modprobe.d dir reloads; an in-place edit of an existing file does not")
    r.report("should_reload (kmod_validate_resources) sees a new modprobe.d file", problems)


def main():
    patched, trap, shipped = (os.path.abspath(a) for a in sys.argv[1:4])
    stocks = sys.argv[4:] or ["/bin/udevadm"]
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        print("1..0 # SKIP needs root and mount namespaces")
        return 0
    r = Runner(patched, trap, shipped, stocks)
    pci, other = r.pci, r.other
    refused = r"Not adding async_probe=1 for module 'uap_hostpci': its options set async_probe or cannot be"
    try:
        r.case("--async-probe, device's MODALIAS: async_probe=1 appended, logged", pci,
               ["uap_hostpci async_probe=1"], r"Inserted module 'uap_hostpci' with async_probe=1$")
        r.case("--async-probe on a non-PCI device too (which devices is for rules to say)", other,
               ["uap_hostother async_probe=1"], r"Inserted module 'uap_hostother' with async_probe=1$")
        r.case("plain 'kmod load': nothing appended", pci, ["uap_hostpci"],
               r"Inserted module 'uap_hostpci'$", builtin="kmod load")
        r.case("'kmod load --async-probe NAME': by name, async_probe=1", pci, ["uap_hostpci async_probe=1"],
               r"Inserted module 'uap_hostpci' with async_probe=1$", builtin="kmod load --async-probe uap_hostpci")
        r.case("'kmod load NAME': by name, nothing appended", pci, ["uap_hostpci"],
               r"Inserted module 'uap_hostpci'$", builtin="kmod load uap_hostpci")
        r.case("modprobe.d 'options m foo=1': appended after the module's own options", pci,
               ["uap_hostpci foo=1 async_probe=1"], r"with async_probe=1$", conf="options uap_hostpci foo=1")
        r.case("modprobe.d 'options m async_probe=0' wins: nothing appended", pci, ["uap_hostpci async_probe=0"],
               refused, conf="options uap_hostpci async_probe=0")
        r.case("modprobe.d 'options m async-probe=0' (the other spelling): nothing appended", pci,
               ["uap_hostpci async-probe=0"], refused, conf="options uap_hostpci async-probe=0")
        r.case("kernel command line 'm.async_probe=0': nothing appended", pci, ["uap_hostpci async_probe=0"],
               refused, cmdline="root=/dev/vda uap_hostpci.async_probe=0")
        r.case("options with a quote: nothing appended", pci, ['uap_hostpci foo="a b"'],
               refused, conf='options uap_hostpci foo="a b"')
        r.case("options with '--': nothing appended", pci, ["uap_hostpci foo=1 -- bar=2"],
               refused, conf="options uap_hostpci foo=1 -- bar=2")
        # libkmod runs the install command with $CMDLINE_OPTS replaced by the options it would
        # have passed, extra options included (libkmod 30 leaves a trailing space): the command
        # records them in the trap's log.
        r.case("install command: run, nothing appended", pci, ["install-cmd uap_hostpci opts=[foo=1 ]"],
               r"Not adding async_probe=1 for module 'uap_hostpci': it has an install command"
               r"(.|\n)*Ran install command for module 'uap_hostpci'",
               conf='options uap_hostpci foo=1\n'
                    'install uap_hostpci echo "install-cmd uap_hostpci opts=[$CMDLINE_OPTS]" >>"$TRAP_LOG"')
        r.case("dependencies load plain, only the module asked for gets async_probe=1", r.pci2,
               ["fix_core", "uap_hostlib", "uap_hostdeps async_probe=1"],
               r"Inserted module 'uap_hostdeps' with async_probe=1$")
        r.case("unknown option: refused with the usage, nothing loaded", pci, [],
               r"expected: load \[--async-probe\] \[module…\]", builtin="kmod load --sync-probe",
               want_status=1)
        # A stock kmod builtin takes "--async-probe" for a module name, finds no such module and
        # loads nothing; it does not fail the event, and 80-drivers.rules' plain "kmod load"
        # then loads the driver as always.
        for stock in r.stocks:
            r.case(f"stock {stock} given 'kmod load --async-probe': loads nothing, no error", pci, [],
                   r"Failed to find module '--async-probe'" if stock != "/bin/udevadm" else None,
                   udevadm=stock)
        # Without the switch, module_load_and_warn() is 252's: no KMOD_PROBE_FAIL_ON_LOADED, no new
        # log lines, whatever state the module is in.
        r.same_as_stock("plain 'kmod load': stock 252's log and inserts", pci, ["uap_hostpci"],
                        r"Inserted module 'uap_hostpci'$", builtin="kmod load")
        r.same_as_stock("plain 'kmod load', module already loaded: stock 252's log, nothing inserted", pci,
                        [], r"Module 'uap_hostpci' is already loaded$", builtin="kmod load",
                        live=["uap_hostpci"])
        # Loaded by someone else after the state was read: finit_module() fails with EEXIST, which
        # libkmod without KMOD_PROBE_FAIL_ON_LOADED takes for success.
        r.same_as_stock("plain 'kmod load', loaded meanwhile (EEXIST): stock 252's log (\"Inserted\")", pci,
                        ["uap_hostpci -> EEXIST"], r"Inserted module 'uap_hostpci'$", builtin="kmod load",
                        trap_fail="uap_hostpci=EEXIST")
        r.same_as_stock("'kmod load NAME', loaded meanwhile (EEXIST): stock 252's log", pci,
                        ["uap_hostpci -> EEXIST"], r"Inserted module 'uap_hostpci'$",
                        builtin="kmod load uap_hostpci", trap_fail="uap_hostpci=EEXIST")
        r.same_as_stock("plain 'kmod load', install command: stock 252's log (\"Inserted\")", pci,
                        ["install-cmd uap_hostpci opts=[foo=1 ]"], r"Inserted module 'uap_hostpci'$",
                        builtin="kmod load",
                        conf='options uap_hostpci foo=1\n'
                             'install uap_hostpci echo "install-cmd uap_hostpci opts=[$CMDLINE_OPTS]" >>"$TRAP_LOG"')
        r.same_as_stock("plain 'kmod load', insert fails (ENODEV): stock 252's log", pci,
                        ["uap_hostpci -> ENODEV"], r"Failed to insert module 'uap_hostpci'",
                        builtin="kmod load", trap_fail="uap_hostpci=ENODEV")
        # With the switch, KMOD_PROBE_FAIL_ON_LOADED: a module loaded meanwhile is said to be so, not
        # inserted by us with async_probe=1.
        r.case("--async-probe, loaded meanwhile (EEXIST): logged as already loaded", pci,
               ["uap_hostpci async_probe=1 -> EEXIST"], r"Module 'uap_hostpci' is already loaded$",
               unwanted_log=r"Inserted module", trap_fail="uap_hostpci=EEXIST")
        r.case("--async-probe, module already loaded: nothing inserted", pci, [],
               r"Module 'uap_hostpci' is already loaded$", live=["uap_hostpci"])
        # getopt_long() (252 has no other option parser) takes an unambiguous abbreviation, and with
        # POSIXLY_CORRECT stops at "load": the switch is then a module name, i.e. a synchronous load.
        r.case("'kmod load --async' (getopt abbreviation): as --async-probe", pci, ["uap_hostpci async_probe=1"],
               r"Inserted module 'uap_hostpci' with async_probe=1$", builtin="kmod load --async")
        r.case("POSIXLY_CORRECT: '--async-probe' after 'load' is a module name: loads nothing, no error", pci,
               [], r"Failed to find module '--async-probe'", posixly_correct=True)
        reload_case(r)
        valgrind = os.environ.get("VALGRIND", shutil.which("valgrind") or "")
        if valgrind and pci:
            r.case("no memory errors or leaks (valgrind)", pci, ["uap_hostpci foo=1 async_probe=1"],
                   r"with async_probe=1$", conf="options uap_hostpci foo=1",
                   wrapper=[valgrind, "--quiet", "--error-exitcode=99", "--leak-check=full",
                            "--errors-for-leak-kinds=definite", "--trace-children=no"])
        else:
            r.skip("no memory errors or leaks (valgrind)", "no valgrind or no PCI device")
    finally:
        shutil.rmtree(r.tmp)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
