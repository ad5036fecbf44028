#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A fixture module tree for this host's running kernel release, with one
module aliased to a real PCI device of this machine (uap_hostpci) and one to
a real device on another bus (uap_hostother), on top of fixture.py's set.

As a program: hostfix.py ROOT builds ROOT/lib/modules/<release> and prints
shell assignments (HOST_KREL, PCI_SYSPATH, PCI_SUBSYSTEM, PCI_MODALIAS,
OTHER_*, PCI2_*); a device this machine lacks is left empty.
Environment: CC, DEPMOD.
"""
import os
import re
import shlex
import sys

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import fixture  # noqa: E402


def host_device(want_pci, skip=0):
    """(syspath, subsystem, sysname, modalias) of a real device, PCI or not;
    skip the first @skip found."""
    for bus in sorted(os.listdir("/sys/bus")):
        if (bus == "pci") != want_pci:
            continue
        devices = os.path.join("/sys/bus", bus, "devices")
        for d in sorted(os.listdir(devices)) if os.path.isdir(devices) else []:
            path = os.path.realpath(os.path.join(devices, d))
            try:
                with open(os.path.join(path, "modalias")) as f:
                    modalias = f.read().strip()
            except OSError:
                continue
            # Used verbatim as the module's alias: no glob characters.
            if re.fullmatch(r"[!-~]+", modalias) and not re.search(r"[*?\[\]]", modalias):
                if skip == 0:
                    return path, bus, os.path.basename(path), modalias
                skip -= 1
    return None


def build(root):
    """Build the tree; returns (pci, other, pci2) as host_device() gives
    them. pci2's module, uap_hostdeps, needs two others (uap_hostlib, then
    fix_core), as many real drivers do."""
    pci, other, pci2 = host_device(True), host_device(False), host_device(True, skip=1)
    modules = {}
    if pci:
        modules["uap_hostpci"] = ([pci[3]], [], [])
    if other:
        modules["uap_hostother"] = ([other[3]], [], [])
    if pci2:
        modules["uap_hostlib"] = ([], ["uap_hostlib_fn"], ["fix_core_fn"])
        modules["uap_hostdeps"] = ([pci2[3]], [], ["uap_hostlib_fn"])
    fixture.MODULES = {**fixture.MODULES, **modules}
    fixture.KVER = os.uname().release
    fixture.build(root, cc=os.environ.get("CC", "cc"), depmod=os.environ.get("DEPMOD", "depmod"))
    return pci, other, pci2


def main():
    pci, other, pci2 = build(sys.argv[1])
    print(f"HOST_KREL={shlex.quote(os.uname().release)}")
    for name, dev in (("PCI", pci), ("OTHER", other), ("PCI2", pci2)):
        syspath, subsystem, _, modalias = dev or ("", "", "", "")
        print(f"{name}_SYSPATH={shlex.quote(syspath)}")
        print(f"{name}_SUBSYSTEM={shlex.quote(subsystem)}")
        print(f"{name}_MODALIAS={shlex.quote(modalias)}")


if __name__ == "__main__":
    main()
