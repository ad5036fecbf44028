#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Capture the report's test logs (data/) from real boots of the project's
# User-Mode Linux kernel with Debian's systemd-udevd, the scenario of
# report-scenario.sh, once per runner:
#   uml-stock.*, uml-program.*   the kernel with CONFIG_DYNAMIC_DEBUG
#                                (uml-dyndbg.config, its own cached build),
#                                booted with initcall_debug and
#                                dyndbg="file drivers/base/dd.c +p",
#                                systemd-journald running
#   uml-program-nodebug.*        the test kernel as every suite uses it,
#                                initcall_debug only
# Each boot leaves: .dmesg (dmesg), .kmsg (the /dev/kmsg records, first
# boot only), .journal (journalctl -b -o short-monotonic), .truth (the
# test drivers' own record of every probe: DEVICE BUS PROBED START_MS
# END_MS), and the live report's outcome in the cache.
#
# --qemu: the qemu lane's machine and root (test/qemu/lib.sh), Debian's
# own kernel booted with initcall_debug added, twice:
#   qemu-stock.*     nothing installed, the stock initramfs
#   qemu-program.*   the package installed from its .deb (in the root and,
#                    by its hook, in the initramfs)
# Each boot leaves .dmesg and .journal (journalctl -b -o short-monotonic
# in the guest) and .pci: per PCI device "DEVICE VENDOR:DEVICE DRIVER
# MODE", the driver from the guest's sysfs ("-": none), MODE async when
# dd.c's debug line says the kernel probed it asynchronously, sync when
# it says it probed it without, "-" without a driver; the program boot
# also .status ("udev-async-probe status" in the guest: each loaded
# module with the BUS/DRIVER of its drivers, read from sysfs).
#
#   capture.sh [--qemu] BUILD_DIR
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
qemu=0
[ "${1:-}" = --qemu ] && { qemu=1; shift; }
[ $# -eq 1 ] || die "usage: $0 [--qemu] BUILD_DIR"
build=$(cd "$1" && pwd)
check_cache_dir
out=$UAP_CACHE/report-capture
data=$here/data
e2e=$UAP_TOP/test/e2e/run-e2e.sh
debug_args='initcall_debug dyndbg="file drivers/base/dd.c +p"'

# capture NAME RUNNER KERNEL_ARGS [ENV...]
capture() {
	local name=$1 runner=$2 kargs=$3
	shift 3
	rm -rf "${out:?}/$name"
	mkdir -p "$out/$name"
	env "$@" "$e2e" -f "$here/report-scenario.sh" -a "$here/check-report.py" -e OUT="$out/$name" \
		-e JOURNAL="${JOURNAL:-0}" -k "$kargs" "$build" "$runner" report-boot |
		tee "$out/$name/tap.txt"
	cp "$out/$name/dmesg.txt" "$data/$name.dmesg"
	cp "$out/$name/truth.txt" "$data/$name.truth"
	if [ -s "$out/$name/journal.txt" ]; then
		cp "$out/$name/journal.txt" "$data/$name.journal"
	fi
}

# section NAME REPORT: the lines between "NAME-begin" and "NAME-end" of
# the guest's report.
section() {
	sed -n "/^$1-begin\$/,/^$1-end\$/p" "$2" | sed '1d;$d'
}

# pci_truth REPORT DMESG: the .pci lines (see the top).
pci_truth() {
	awk '$1 == "pci" { print $2, $3, $4 }' "$1" |
	while read -r dev id drv; do
		mode=-
		if [ "$drv" != - ]; then
			mode=$(sed 's/^\[[^]]*\] *//' "$2" | awk -v dev="$dev:" -v drv="$drv" '
				$2 == dev && $3 == "probing" && $4 == "driver" && $5 == drv && $6 == "asynchronously" { a = 1 }
				$2 == dev && $3 == "scheduling" && $4 == "asynchronous" && $5 == "probe" { a = 1 }
				$2 == dev && /really_probe: probing driver / && $(NF - 2) == drv { s = 1 }
				END { print a ? "async" : s ? "sync" : "unknown" }')
		fi
		echo "$dev $id $drv $mode"
	done
}

# qemu_capture NAME INITRD IMAGE: boot it, keep its logs in data/.
qemu_capture() {
	local name=$1 dir=$out/qemu/$1 log
	note "booting $name"
	qemu_boot "$dir" "$kernel" "$2" "$3" initcall_debug uap_test.journal ||
		note "qemu exited with $? ($dir)"
	# The tty adds a CR to each line.
	log=$dir/report.txt
	tr -d '\r' <"$dir/report.log" >"$log"
	grep -qx 'uap-report end' "$log" ||
		die "$name: no complete report from the guest ($dir/console.log)"
	section dmesg "$log" >"$data/$name.dmesg"
	section full-journal "$log" >"$data/$name.journal"
	pci_truth "$log" "$data/$name.dmesg" >"$data/$name.pci"
	if [ "$name" = qemu-program ]; then
		section status "$log" >"$data/$name.status"
	fi
	awk '$1 == "kernel" || $1 == "cmdline" || $1 == "root" || $1 == "barrier"' "$log" |
		sed 's/^/  /' >&2
}

capture_qemu() {
	local deb root kver work=$out/qemu tree f
	. "$UAP_TOP/test/qemu/lib.sh"
	deb=$(bash "$UAP_TOP/test/package/build-deb.sh" "$build/deb")
	root=$(guest_root)
	kver=$(basename "$(ls -d "$root"/lib/modules/*)")
	kernel=$root/boot/vmlinuz-$kver
	rm -rf "$work"
	mkdir -p "$work"
	tree=$work/tree
	cp -a "$root" "$tree"
	install_boot_harness "$tree"
	make_image "$tree" "$work/stock.img"
	cp "$root/boot/initrd.img-$kver" "$work/initrd-stock"
	dpkg_install "$tree" "$deb" >"$work/dpkg.log" 2>&1 ||
		die "dpkg -i $(basename "$deb") in the guest root failed ($work/dpkg.log)"
	cp "$tree/boot/initrd.img-$kver" "$work/initrd-program"
	# The configuration the program boot read, for the report of both.
	rm -rf "$data/qemu-modprobe.d"
	mkdir -p "$data/qemu-modprobe.d"
	for f in "$tree"/{etc,lib,usr/lib}/modprobe.d/*.conf; do
		if [ -f "$f" ] && grep -q udev_async_probe "$f"; then
			cp "$f" "$data/qemu-modprobe.d/"
		fi
	done
	make_image "$tree" "$work/program.img"
	rm -rf "$tree"
	note "kernel $kver ($(basename "$(kernel_deb)")), package $(basename "$deb"), root $(basename "$root")"
	qemu_capture qemu-stock "$work/initrd-stock" "$work/stock.img"
	qemu_capture qemu-program "$work/initrd-program" "$work/program.img"
	rm -f "$work"/*.img
	note "captured into $data: $(cd "$data" && echo qemu-*)"
}

mkdir -p "$data"
if [ $qemu -eq 1 ]; then
	capture_qemu
	exit 0
fi
JOURNAL=1 capture uml-stock stock "$debug_args" UAP_CONFIG_EXTRA=../report/uml-dyndbg.config
cp "$out/uml-stock/kmsg.txt" "$data/uml-stock.kmsg"
JOURNAL=1 capture uml-program program "$debug_args" UAP_CONFIG_EXTRA=../report/uml-dyndbg.config
capture uml-program-nodebug program initcall_debug
note "captured into $data: $(cd "$data" && ls | xargs)"
