# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the real udev-async-probe binary with real libkmod on a fixture
module tree, the LD_PRELOAD trap in the kernel's place: shared by the
fixture tests and the system tests.

Environment: CC, DEPMOD; UAP_WRAPPER (e.g. valgrind ...) wraps the program.
"""
import os
import re
import shlex
import subprocess
import tempfile

import fixture
from tap import Tap, read_inserts

# Config every case has beside the shipped file (which sorts first).
BASE_CONF = """
softdep fix_nic pre: fix_soft
blacklist fix_black
options fix_opt0 async_probe=0
options fix_opt1 async_probe debug=1
install fix_inst echo "$CMDLINE_OPTS" > {root}/install.out
"""

# Bytes a message may carry: printable text, and newlines between lines.
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]")


class Runner(Tap):
    def __init__(self, program, trap, shipped):
        super().__init__()
        self.program, self.trap = os.path.abspath(program), os.path.abspath(trap)
        self.shipped = os.path.abspath(shipped)
        self.wrapper = os.environ.get("UAP_WRAPPER", "")
        self.tmp = tempfile.mkdtemp(prefix="uap-fixture-")
        self.tree = os.path.join(self.tmp, "tree")
        fixture.build(self.tree, cc=os.environ.get("CC", "cc"), depmod=os.environ.get("DEPMOD", "depmod"))

    def prepare(self, opts):
        case = tempfile.mkdtemp(dir=self.tmp)
        fake = os.path.join(case, "fake")
        os.makedirs(os.path.join(fake, "proc"))
        os.makedirs(os.path.join(fake, "sys", "module"))
        # A boot's /run, where load keeps its state and records.
        os.makedirs(os.path.join(fake, "run"))
        with open(os.path.join(fake, "proc", "cmdline"), "w") as f:
            f.write(opts.get("cmdline", "root=/dev/vda") + "\n")
        with open(os.path.join(fake, "proc", "modules"), "w") as f:
            for m in opts.get("live", []):
                f.write(f"{m} 16384 0 - Live 0x0000000000000000\n")
        for bus in opts.get("sys_bus", []):
            os.makedirs(os.path.join(fake, "sys", "bus", bus))
        for m in opts.get("live", []):
            os.makedirs(os.path.join(fake, "sys", "module", m))
            with open(os.path.join(fake, "sys", "module", m, "initstate"), "w") as f:
                f.write("live\n")
        conf = os.path.join(case, "conf")
        os.makedirs(conf)
        with open(os.path.join(conf, "zz-case.conf"), "w", errors="surrogateescape") as f:
            f.write(BASE_CONF.format(root=case) + opts.get("conf", "") + "\n")
        return case, fake, conf

    def run(self, args, env_extra, opts):
        case, fake, conf = self.prepare(opts)
        tree = os.path.join(case, "missing") if opts.get("no_indexes") else self.tree
        cmd = [self.program, "-d", tree, "-S", fixture.KVER]
        if opts.get("default_config"):
            pass
        elif not opts.get("no_shipped"):
            cmd += ["-C", self.shipped, "-C", conf]
        else:
            cmd += ["-C", conf]
        cmd += args
        env = {"PATH": os.environ["PATH"], "SYSTEMD_LOG_TARGET": opts.get("target", "console"),
               "SYSTEMD_LOG_LEVEL": opts.get("level", "debug"),
               "TRAP_LOG": os.path.join(case, "inserts"), "LD_PRELOAD": self.trap}
        if env["SYSTEMD_LOG_TARGET"] is None:
            del env["SYSTEMD_LOG_TARGET"]
        if not opts.get("real_sys"):
            env["TRAP_ROOT"] = fake
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        if "fail" in opts:
            env["TRAP_FAIL"] = opts["fail"]
        if "sleep" in opts:
            env["TRAP_SLEEP"] = opts["sleep"]
        if env_extra:
            env.update(env_extra)
        cmd = opts.get("prefix", []) + shlex.split(self.wrapper) + cmd
        if not opts.get("detach"):
            p = subprocess.run(cmd, env=env, capture_output=True, timeout=opts.get("timeout", 120))
            return p, read_inserts(env["TRAP_LOG"]), case
        # Output to files, not pipes: wait for the program, not for children it left running.
        with open(os.path.join(case, "stdout"), "w+b") as out, open(os.path.join(case, "stderr"), "w+b") as err:
            p = subprocess.run(cmd, env=env, stdout=out, stderr=err, timeout=opts.get("timeout", 120))
            out.seek(0)
            err.seek(0)
            p.stdout, p.stderr = out.read(), err.read()
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
        if RAW_CONTROL.search(p.stderr):
            problems.append("stderr carries a raw control character")
        if name.startswith("install command"):
            try:
                out = open(os.path.join(case, "install.out")).read().strip()
            except FileNotFoundError:
                out = None
            if out != "async_probe=1":
                problems.append(f"install command saw {out!r}, expected 'async_probe=1'")
        self.report(name, problems, p)


def event(modalias, subsystem, **extra):
    env = {"ACTION": "add", "DEVPATH": "/devices/fixture/0", "MODALIAS": modalias}
    if subsystem:
        env["SUBSYSTEM"] = subsystem
    env.update(extra)
    return env


def fake_udevadm(r, name, script):
    """A directory for PATH holding an udevadm that runs SCRIPT (sh)."""
    d = os.path.join(r.tmp, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "udevadm"), "w") as f:
        f.write("#!/bin/sh\n" + script + "\n")
    os.chmod(os.path.join(d, "udevadm"), 0o755)
    return d
