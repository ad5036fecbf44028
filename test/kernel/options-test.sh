#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside UML (uml-options.sh), in the run dir holding the program,
# options-oracle and options.corpus: every corpus string as uap_empty's
# modprobe.d options, the kernel's read-back against the program and the
# kernel model (see options-oracle.c).
ko=$(modinfo -n uap_empty) || { echo "not ok - uap_empty is not in the module tree"; exit 1; }
echo "# kernel $(uname -r), module.async_probe=$(cat /sys/module/module/parameters/async_probe)"
./options-oracle ./udev-async-probe ./options.corpus "$ko"
