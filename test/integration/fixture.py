# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build a module tree that libkmod and depmod accept as real.

Each fixture .ko is a relocatable ELF object compiled from a few lines of
C: a .modinfo section with its aliases, __ksymtab_strings for what it
exports, and undefined references for what it uses, which is all depmod
reads to write modules.alias and modules.dep.
"""
import os
import subprocess

KVER = "6.12.0-uap-test"

# Modaliases of the tree's modules (see MODULES).
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

# name: (aliases, exports, uses)
MODULES = {
    "fix_core":   ([], ["fix_core_fn"], []),
    "fix_soft":   ([], [], []),
    "fix_nic":    (["pci:v00001234d00000001sv*sd*bc*sc*i*"], [], ["fix_core_fn"]),
    "fix_dual_a": (["pci:v00001234d00000002sv*sd*bc*sc*i*"], [], []),
    "fix_dual_b": (["pci:v00001234d00000002sv*sd*bc*sc*i*"], [], []),
    "fix_black":  (["pci:v00001234d00000004sv*sd*bc*sc*i*"], [], []),
    "fix_opt0":   (["pci:v00001234d00000005sv*sd*bc*sc*i*"], [], []),
    "fix_opt1":   (["pci:v00001234d00000006sv*sd*bc*sc*i*"], [], []),
    "fix_inst":   (["pci:v00001234d00000007sv*sd*bc*sc*i*"], [], []),
    "fix_plat":   (["platform:fixplat"], [], []),
    "fix_usb":    (["usb:v1234p0001d*dc*dsc*dp*ic*isc*ip*in*"], [], []),
}

# Built into the "kernel": known to libkmod only through modules.builtin*.
BUILTIN_MODULES = {"fix_builtin": "pci:v00001234d00000003sv*sd*bc*sc*i*"}


def module_source(name, aliases, exports, uses):
    lines = ["#define MODINFO(n, s) static const char n[] "
             "__attribute__((section(\".modinfo\"), used, aligned(1))) = s"]
    for i, alias in enumerate(aliases):
        lines.append(f'MODINFO(alias{i}, "alias={alias}");')
    lines.append(f'MODINFO(vermagic, "vermagic={KVER} SMP mod_unload ");')
    lines.append('MODINFO(license, "license=GPL");')
    if exports:
        strings = "".join(e + "\\0" for e in exports)
        lines.append('static const char ksymtab_strings[] __attribute__((section('
                     f'"__ksymtab_strings"), used)) = "{strings}";')
        for e in exports:
            lines.append(f"void {e}(void) {{}}")
    for u in uses:
        lines.append(f"extern void {u}(void);")
        lines.append(f"void *use_{u}(void) {{ return (void *) {u}; }}")
    return "\n".join(lines) + "\n"


def build(root, cc="cc", depmod="depmod"):
    """Create root/lib/modules/KVER with modules, indexes and builtins."""
    moddir = os.path.join(root, "lib", "modules", KVER)
    kdir = os.path.join(moddir, "kernel", "drivers")
    os.makedirs(kdir, exist_ok=True)
    for name, (aliases, exports, uses) in MODULES.items():
        src = os.path.join(kdir, name + ".c")
        with open(src, "w") as f:
            f.write(module_source(name, aliases, exports, uses))
        subprocess.run([cc, "-c", "-O0", "-fno-pic", "-o",
                        os.path.join(kdir, name + ".ko"), src], check=True)
        os.unlink(src)

    with open(os.path.join(moddir, "modules.builtin"), "w") as f:
        for name in BUILTIN_MODULES:
            f.write(f"kernel/drivers/{name}.ko\n")
    with open(os.path.join(moddir, "modules.builtin.modinfo"), "wb") as f:
        for name, alias in BUILTIN_MODULES.items():
            f.write(f"{name}.alias={alias}\0".encode())
    with open(os.path.join(moddir, "modules.order"), "w") as f:
        for name in MODULES:
            f.write(f"kernel/drivers/{name}.ko\n")

    subprocess.run([depmod, "-b", root, KVER], check=True)
    return moddir
