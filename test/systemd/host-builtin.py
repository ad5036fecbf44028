#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The patched udevd's builtin on this host: `udevadm test-builtin "kmod load"
SYSPATH` on real sysfs devices, each run in a private mount namespace where
/lib/modules/$(uname -r) is a fixture tree with modules aliased to those
devices, the modprobe.d dirs and /proc/cmdline hold the case's config, and
/run/udev/data gives the device its ASYNC_PROBE property. The insert trap
(test/integration/trap.c) stands in for finit_module() and records each
module with the options the builtin passed. Prints TAP.

What this shows: the builtin reads the config through its libkmod context,
decides per module with the device's SUBSYSTEM and ASYNC_PROBE, logs the
rule, and hands libkmod the options (async_probe=1 or none) that would reach
the kernel; that `kmod load NAME` is untouched; that the stock binary on the
same setup loads plainly; and that nothing leaks or crashes under valgrind.
What it cannot show: the kernel probing asynchronously (UML tests do that).

usage: host-builtin.py PATCHED_UDEVADM TRAP.so SHIPPED_CONF_DIR [STOCK_UDEVADM]
Environment: CC, DEPMOD, VALGRIND (path; empty skips the valgrind case).
"""
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
    def __init__(self, patched, trap, shipped, stock):
        super().__init__()
        self.patched, self.trap, self.shipped, self.stock = patched, trap, shipped, stock
        self.tmp = tempfile.mkdtemp(prefix="uap-sd-host-")
        self.tree = os.path.join(self.tmp, "tree")
        self.pci, self.other, self.pci2 = hostfix.build(self.tree)

    def run(self, udevadm, dev, builtin="kmod load", conf="", cmdline="root=/dev/vda",
            async_prop=None, wrapper=()):
        case = tempfile.mkdtemp(dir=self.tmp)
        with open(os.path.join(case, "cmdline"), "w") as f:
            f.write(cmdline + "\n")
        with open(os.path.join(case, "zz-case.conf"), "w") as f:
            f.write(conf + "\n")
        syspath, subsystem, sysname, _ = dev
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
        if async_prop is not None:
            setup.append(f"printf 'E:ASYNC_PROBE=%s\\n' {shlex.quote(async_prop)} "
                         f">/run/udev/data/+{subsystem}:{sysname}")
        cmd = list(wrapper) + [udevadm, "test-builtin", builtin, syspath]
        setup.append("exec " + " ".join(shlex.quote(c) for c in cmd))
        env = {"PATH": os.environ["PATH"], "LD_PRELOAD": self.trap,
               "TRAP_LOG": os.path.join(case, "inserts"), "SYSTEMD_LOG_LEVEL": "debug",
               "SYSTEMD_LOG_TARGET": "console", "SYSTEMD_LOG_COLOR": "0"}
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", "\n".join(setup)],
                           env=env, capture_output=True, text=True)
        return p, read_inserts(env["TRAP_LOG"])

    def report(self, name, problems, p=None):
        out = (p.stdout + p.stderr).splitlines()[-25:] if p is not None else []
        super().report(name, problems, [f"out: {line}" for line in out])

    def case(self, name, dev, want_inserts, want_log, udevadm=None, **kw):
        if dev is None:
            self.skip(name, "no such device in this machine's sysfs")
            return
        p, inserts = self.run(udevadm or self.patched, dev, **kw)
        out = p.stdout + p.stderr
        problems = []
        if p.returncode != 0:
            problems.append(f"exit status {p.returncode}")
        if inserts != want_inserts:
            problems.append(f"inserts {inserts}, expected {want_inserts}")
        if want_log and not re.search(want_log, out, re.M):
            problems.append(f"log does not match {want_log!r}")
        self.report(name, problems, p)
        # The decision line, for the reader of the test log.
        for line in out.splitlines():
            if "uap_host" in line and ("Inserted" in line or "Failed" in line):
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
        f.write("options udev_async_probe buses=pci\n")
    os.utime(d, (1, 1))
    os.utime(conf, (1, 1))
    paths = (ctypes.c_char_p * 2)(d.encode(), None)
    ctx = kmod.kmod_new(os.path.join(r.tree, "lib", "modules", os.uname().release).encode(), paths)
    kmod.kmod_set_log_priority(ctx, 0)
    results = {"fresh": kmod.kmod_validate_resources(ctx)}
    with open(conf, "a") as f:
        f.write("options udev_async_probe enable=0\n")
    results["in-place edit"] = kmod.kmod_validate_resources(ctx)
    with open(os.path.join(d, "b.conf"), "w") as f:
        f.write("options udev_async_probe enable=0\n")
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
    stock = sys.argv[4] if len(sys.argv) > 4 else "/bin/udevadm"
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        print("1..0 # SKIP needs root and mount namespaces")
        return 0
    r = Runner(patched, trap, shipped, stock)
    pci, other = r.pci, r.other
    try:
        r.case("listed bus (pci): async_probe=1, rule logged", pci, ["uap_hostpci async_probe=1"],
               r"Inserted module 'uap_hostpci' with async_probe=1 \(bus-listed: bus is in buses=\)")
        r.case("unlisted bus: plain", other, ["uap_hostother"],
               r"Inserted module 'uap_hostother' \(bus-unlisted")
        r.case("device property ASYNC_PROBE=0 (udev db) beats the bus list", pci, ["uap_hostpci"],
               r"\(device-property: ", async_prop="0")
        r.case("device property ASYNC_PROBE=1 on an unlisted bus", other, ["uap_hostother async_probe=1"],
               r"with async_probe=1 \(device-property: ", async_prop="1")
        r.case("modprobe.d 'options m async_probe=0' wins", pci, ["uap_hostpci async_probe=0"],
               r"\(module-options: ", conf="options uap_hostpci async_probe=0", async_prop="1")
        r.case("rescue switch udev_async_probe.enable=0 on the command line", pci, ["uap_hostpci"],
               r"\(disabled: ", cmdline="root=/dev/vda udev_async_probe.enable=0")
        r.case("invalid config: one warning, plain", pci, ["uap_hostpci"],
               r"Ignoring udev_async_probe options, loading synchronously: unknown key 'enabel=0'",
               conf="options udev_async_probe enabel=0")
        r.case("dependencies load plain, only the target gets async_probe=1", r.pci2,
               ["fix_core", "uap_hostlib", "uap_hostdeps async_probe=1"], r"bus-listed")
        r.case("'kmod load NAME' is unchanged: plain, no policy", pci, ["uap_hostpci"],
               r"Inserted module 'uap_hostpci'$", builtin="kmod load uap_hostpci")
        r.case("stock udevadm on the same setup: plain", pci, ["uap_hostpci"], None, udevadm=stock)
        reload_case(r)
        valgrind = os.environ.get("VALGRIND", shutil.which("valgrind") or "")
        if valgrind and pci:
            r.case("no memory errors or leaks (valgrind)", pci, ["uap_hostpci async_probe=1"], r"bus-listed",
                   wrapper=[valgrind, "--quiet", "--error-exitcode=99", "--leak-check=full",
                            "--errors-for-leak-kinds=definite", "--trace-children=no"])
        else:
            r.skip("no memory errors or leaks (valgrind)", "no valgrind or no PCI device")
    finally:
        shutil.rmtree(r.tmp)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
