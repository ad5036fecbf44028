#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The qemu lane (TAP): Debian's own 6.12 kernel under qemu-system-x86_64
# (TCG, 2 vCPUs) with emulated PCI hardware, Debian's systemd and udev,
# the real module tree, and this project installed from its .deb built
# for that suite. Boots of one root on the AHCI disk; bookworm (the
# host's suite, the default):
#   stock      without the package
#   root       the package in the real root, the stock initramfs
#   initramfs  the package in the root and in the initramfs (its hook)
#   switch     as initramfs, booted with udev_async_probe.enable=0
# trixie (--suite trixie: trixie's kernel, systemd 257, initramfs-tools):
#   stock, switch  as bookworm's
#   initramfs  as bookworm's, with root's checks (its real root has the
#              package as root's has; only ahci loads in the initramfs)
#   builtin    as initramfs with the systemd-udevd of
#              udev-builtin/systemd/backport-257 (backport-257.sh) in
#              the root and the initramfs: the rules' builtin form
# The kernel logs every asynchronous probe (dd.c dynamic debug); each
# guest reports its PCI drivers, dmesg and "udev-async-probe status" on
# a second serial port (guest/report.sh).
#
#   run-lane.sh BUILDDIR [--suite SUITE]
#
# A boot with an initramfs built another way (dracut) is one more initrd
# made with the images below (as initrd-builtin is) and one more entry in
# the boot loop at the end: "boot NAME INITRD IMAGE", then
# "root_checks NAME" and "initramfs_checks NAME program root".
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
build=$(cd "${1:?usage: run-lane.sh BUILDDIR [--suite SUITE]}" && pwd)
suite=$CODENAME
[ "${2:-}" != --suite ] || suite=${3:?--suite SUITE}
pkg=udev-async-probe
unit_ms_max=5000

bail() { tap_fail "$*"; tap_end; exit 1; }

t0=$SECONDS
if [ "$suite" = "$CODENAME" ]; then
	work=$build/qemu-lane
	deb=$(bash "$UAP_TOP/test/package/build-deb.sh" "$build/deb") || bail "build the package"
	boots="stock root initramfs switch"
else
	# Built as test/package/check-trixie.sh builds it (the same root and
	# directory: one build serves both).
	work=$build/qemu-lane-$suite
	[ "$suite" = trixie ] || bail "--suite $suite: bookworm ($CODENAME, the host's) or trixie"
	broot=$(suite_root trixie "${TRIXIE_BUILD_PACKAGES[@]}") || bail "a trixie root with the build dependencies"
	deb=$(bash "$UAP_TOP/test/package/build-deb.sh" "$build/deb-trixie" "$broot") || bail "build the package in trixie"
	boots="stock initramfs switch builtin"
	# The rules unit took 0.8-8.4 s on trixie guests beside other qemu
	# runs (bookworm's 0.4-1.2 s): the bound is for a hang
	# such as the 60 s reload wait (docs/qemu-lane.md), not a speed claim.
	unit_ms_max=20000
fi
root=$(guest_root "$suite") || bail "the cached $suite test root"
kver=$(basename "$(ls -d "$root"/lib/modules/*)")
kernel=$root/boot/vmlinuz-$kver
tap_note "package $(basename "$deb"), kernel $kver, root $(basename "$root") ($((SECONDS - t0)) s)"

# -- disk images ----------------------------------------------------------
t0=$SECONDS
rm -rf "$work"
mkdir -p "$work"
tree=$work/tree
cp -a "$root" "$tree"
install_boot_harness "$tree"
make_image "$tree" "$work/stock.img"
cp "$root/boot/initrd.img-$kver" "$work/initrd-stock"
out=$(dpkg_install "$tree" "$deb" 2>&1)
check "dpkg -i $(basename "$deb") in the guest root (its trigger rebuilds the initramfs)" [ $? -eq 0 ] ||
	tap_note "$out"
cp "$tree/boot/initrd.img-$kver" "$work/initrd-project"
# initrd_rules INITRD: the rules file the hook put into it.
initrd_rules() {
	run_in_root "$tree" sh -c "rm -rf /tmp/i && unmkinitramfs /$1 /tmp/i &&
		cat /tmp/i/usr/lib/udev/rules.d/80-async-probe.rules" 2>&1
}
# The rules' match for a true ASYNC_PROBE.
ASYNC_TRUE='1|[yY]|[yY][eE][sS]|[tT][rR][uU][eE]|[oO][nN]'
# rule_heads RULES FORM: the first field of each line that runs FORM
# (program: the program, builtin: "kmod load --async-probe"), by line.
rule_heads() {
	local pat='RUN\{program\}\+="udev-async-probe load"'
	[ "$2" = program ] || pat='RUN\{builtin\}\+="kmod load --async-probe"'
	grep -E "$pat" <<<"$1" | grep -v '^#' | awk -F, '{ print $1 }' | paste -sd ' '
}
initrd_files=$(run_in_root "$tree" lsinitramfs "/boot/initrd.img-$kver" | grep -E 'async-probe|modprobe.d/')
tap_note "the initramfs built with the hook has:" "$initrd_files"
n=$(grep -cE '(udev/udev-async-probe|udev/rules.d/80-async-probe.rules|modprobe.d/00-udev-async-probe.conf)$' <<<"$initrd_files")
check "the initramfs has the program, its rules and the configuration" [ "$n" -eq 3 ]
rules=$(initrd_rules "boot/initrd.img-$kver")
tap_note "its rules:" "$rules"
# Made without the command line: a bus list on the command line of its boot
# hands the event to the program, which reads it.
check "the initramfs' rules, generated from the configuration, run the program for PCI devices, ASYNC_PROBE and buses= on the command line only" \
	test "$(rule_heads "$rules" program)" = 'IMPORT{cmdline}="udev_async_probe.buses" ENV{ASYNC_PROBE}=="?*" SUBSYSTEM=="pci"'
make_image "$tree" "$work/project.img"
if [[ " $boots " = *" builtin "* ]]; then
	# The patched udevd over trixie's, in the root and (update-initramfs,
	# whose udev hook copies it) in the initramfs.
	udevadm=$(bash "$QEMU_DIR/backport-257.sh")
	rc=$?
	# Without that udevd the other boots still run.
	if [ $rc -eq 77 ]; then
		tap_skip "builtin boot: backport-257's udevd cannot be built here (backport-257.sh says why)"
		boots=${boots/ builtin/}
	elif [ $rc -ne 0 ]; then
		tap_fail "builtin boot: backport-257's udevd did not build (backport-257.sh)"
		boots=${boots/ builtin/}
	fi
fi
if [[ " $boots " = *" builtin "* ]]; then
	read -r udevadm sdver <<<"$udevadm"
	rver=$(run_in_root "$tree" dpkg-query -W -f '${Version}' udev)
	check "the root's udev is the version backport-257 is built from ($sdver): $rver" test "$rver" = "$sdver"
	install -m 755 "$udevadm" "$tree/usr/bin/udevadm"
	# LD_BIND_NOW: every symbol it links resolved against trixie's libraries.
	uver=$(run_in_root "$tree" env LD_BIND_NOW=1 /usr/lib/systemd/systemd-udevd --version 2>&1)
	check "the guest's systemd-udevd is backport-257's: $uver" test "$uver" = "$sdver+uap"
	out=$(run_in_root "$tree" update-initramfs -u -k "$kver" 2>&1) || tap_note "$out"
	cp "$tree/boot/initrd.img-$kver" "$work/initrd-builtin"
	rules=$(initrd_rules "boot/initrd.img-$kver")
	tap_note "the builtin initramfs' rules:" "$rules"
	check "the builtin initramfs' rules load with udevd's \"kmod load --async-probe\" for PCI devices and ASYNC_PROBE, the program for buses= on the command line and other ASYNC_PROBE values only" \
		test "$(rule_heads "$rules" builtin)" = "ENV{ASYNC_PROBE}==\"$ASYNC_TRUE\" SUBSYSTEM==\"pci\"" -a \
			"$(rule_heads "$rules" program)" = 'IMPORT{cmdline}="udev_async_probe.buses" ENV{ASYNC_PROBE}=="?*"'
	make_image "$tree" "$work/builtin.img"
fi
rm -rf "$tree"
tap_note "images made in $((SECONDS - t0)) s"

# -- reading a report -----------------------------------------------------
# The tty adds a CR to each line.
report() { tr -d '\r' <"$work/$1/report.log" | sed -n '/^uap-report begin$/,/^uap-report end$/p'; }
kmsg() { report "$1" | sed -n '/^dmesg-begin$/,/^dmesg-end$/p'; }
# "phase bus device driver" per asynchronous probe the kernel ran: dd.c
# logs "probing driver X asynchronously" (prefixed by the bus, the device
# having no driver yet) for each device X matches, and "driver X async
# attach completed" only for those it then probed; phase: initramfs
# before systemd (PID 1 of the real root) says hello, root after it.
async_probes() {
	kmsg "$1" | sed 's/^\[[^]]*\] *//' | awk '
		/^systemd\[1\]: systemd [0-9]+/ { phase = "root" }
		$3 == "probing" && $4 == "driver" && $6 == "asynchronously" {
			dev = $2; sub(/:$/, "", dev)
			start[dev " " $5] = (phase ? phase : "initramfs") " " $1
		}
		$3 == "driver" && $5 == "async" && $6 == "attach" && $7 == "completed:" {
			dev = $2; sub(/:$/, "", dev); k = dev " " $4
			if (k in start) { split(start[k], p, " "); print p[1], p[2], dev, $4 }
		}'
}
# Drivers that probe asynchronously on a stock boot too (they prefer it).
async_drivers() { async_probes "$1" | awk '{ print $4 }' | sort -u; }
new_async() { async_probes "$1" | awk -v stock="$(async_drivers stock | xargs)" '
	BEGIN { n = split(stock, s, " "); for (i = 1; i <= n; i++) skip[s[i]] = 1 }
	!($4 in skip)'; }
pci_drivers() { report "$1" | awk '$1 == "pci" { print $2, $4 }'; }
# "prefix device driver" per "probing driver X asynchronously" line (any
# phase): the driver core found X allows asynchronous probing, for each
# device X matches. The prefix is the device's bus, or the driver it is
# already bound to.
async_starts() {
	kmsg "$1" | sed 's/^\[[^]]*\] *//' | awk '
		$3 == "probing" && $4 == "driver" && $6 == "asynchronously" { dev = $2; sub(/:$/, "", dev); print $1, dev, $5 }'
}
# The loadable modules (initstate) whose drivers have such a line; with
# "-d": "module device" per line.
async_modules() {
	awk -v devs="${2:-}" '
		FILENAME == ARGV[1] {
			if ($1 == "module") loadable[$2] = 1
			if ($1 == "driver") {
				module[$2 " " $3] = $4
				# By the driver name alone where no other module has one of that name.
				bydrv[$3] = ($3 in bydrv) && bydrv[$3] != $4 ? "" : $4
			}
			next
		}
		{
			m = module[$1 " " $3]
			if (m == "") m = bydrv[$3]
			if (m != "" && (m in loadable)) print devs ? m " " $2 : m
		}' \
		<(report "$1") <(async_starts "$1") | sort -u
}
# "module device" per module "udev-async-probe status" names as loaded
# with async_probe=1 at its request: on Debian's kernel, which has no
# read-back, from load's record of the inserts it made.
requested_modules() {
	report "$1" | sed -n '/^status-begin$/,/^status-end$/p' |
		sed -n 's/^\([^ ]*\) .*(requested by udev-async-probe for \([^)]*\)).*/\1 \2/p' | sort -u
}
# The lane check of what status says on a stock kernel. Every module that
# status names as requested must have probed asynchronously (a "probing
# driver ... asynchronously" line for a driver of it), for the device it
# names; and every module with such a line must be named by status,
# except those whose drivers probe asynchronously by their own choice
# (PROBE_PREFER_ASYNCHRONOUS, e.g. ehci-pci): the kernel tells them
# nowhere, but they are exactly the modules with such a line on the
# stock boot, where nothing asks any driver for asynchronous probing (no
# async_probe in modprobe.d or on the command line, no driver_async_probe=).
# A module of both kinds that load did insert with async_probe=1 is named
# by status and has its line: consistent either way.
status_check() {
	local name=$1 requested async prefer missing extra wrongdev m d
	requested=$(requested_modules "$name")
	async=$(async_modules "$name")
	prefer=$(async_modules stock)
	extra=$(comm -23 <(awk '{ print $1 }' <<<"$requested" | sed '/^$/d' | sort -u) <(sed '/^$/d' <<<"$async"))
	missing=$(comm -23 <(sed '/^$/d' <<<"$async") <(sed '/^$/d' <<<"$prefer") |
		comm -23 - <(awk '{ print $1 }' <<<"$requested" | sed '/^$/d' | sort -u))
	wrongdev=
	while read -r m d; do
		[ -n "$m" ] || continue
		async_modules "$name" -d | grep -qx "$m $d" || wrongdev="$wrongdev $m:$d"
	done <<<"$requested"
	tap_note "$name: requested by udev-async-probe (status): $(sed 's/ / for /' <<<"$requested" | paste -sd ' ')" \
		"$name: modules with an asynchronous probe: $(xargs <<<"$async"); preferring it (stock): $(xargs <<<"$prefer")"
	check "$name: the modules status names as requested-async are those with a \"probing driver ... asynchronously\" line, less those that prefer it${extra:+ (named, no such line: $(xargs <<<"$extra"))}${missing:+ (such a line, not named: $(xargs <<<"$missing"))}" \
		test -z "$extra" -a -z "$missing"
	check "$name: the device status names for each of them has such a line for a driver of that module${wrongdev:+ (not:$wrongdev)}" \
		test -z "$wrongdev"
}
# "device value" of UDEV_ASYNC_PROBE_REQUESTED in the udev database, per PCI device ("-": unset).
pci_requested() { report "$1" | awk '$1 == "pci-requested" { print $2, $3 }'; }
# PCI devices bound by a module-provided driver during the real root's boot.
pci_bound_in_root() {
	kmsg "$1" | awk '
		/systemd\[1\]: systemd [0-9]+/ { root = 1 }
		root && /driver_bound: bound to device$/ {
			for (i = 1; i <= NF; i++) if ($i == "driver:") break
			dev = $(i - 1); sub(/:$/, "", dev); drv = $(i + 1); gsub(/[\x27:]/, "", drv)
			if (dev ~ /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/) print dev, drv
		}'
}
sync_probed() { kmsg "$1" | grep -q "bus: 'pci': really_probe: probing driver $2 with device"; }
root_mount() { report "$1" | awk '$1 == "root" { print $2, $3 }'; }
booted() {
	report "$1" | grep -qx 'uap-report end' && [ "$(root_mount "$1")" = "/dev/sda ext4" ] &&
		report "$1" | grep -q '^pending-after-wait none '
}
same_drivers() {
	local d
	d=$(diff <(pci_drivers stock | awk '$2 != "-"') <(pci_drivers "$1" | awk '$2 != "-"'))
	[ -z "$d" ] || tap_note "PCI drivers, stock < > $1:" "$d"
	[ -z "$d" ]
}
boot() {
	local name=$1 initrd=$2 image=$3 s=$SECONDS
	shift 3
	qemu_boot "$work/$name" "$kernel" "$initrd" "$image" "$@"
	if ! booted "$name" && tcg_text_poke_trap "$work/$name"; then
		tap_note "$name boot: the kernel hit an int3 trap in text being patched (TCG), booting again:" \
			"$(grep -A3 'Oops: int3: ' "$work/$name/console.log")"
		qemu_boot "$work/$name" "$kernel" "$initrd" "$image" "$@"
	fi
	check "$name boot: root /dev/sda (ext4) mounted, every asynchronous probe ended, report ($((SECONDS - s)) s)" booted "$name" ||
		tail -n 30 "$work/$name/console.log" | sed 's/^/# console: /'
}

# -- stock ----------------------------------------------------------------
boot stock "$work/initrd-stock" "$work/stock.img"
tap_note "stock PCI drivers:" "$(pci_drivers stock)"
tap_note "drivers that probe asynchronously on the stock boot (they ask for it): $(async_drivers stock | xargs)"

# -- the package in the real root ------------------------------------------
# root_checks NAME [FORM]: the package's checks of the real root's boot
# NAME; FORM, the rules' form the root's udevd calls for: program (the
# default), or builtin (udevd's "kmod load --async-probe", and the
# program run for nothing: load has no record, status names no module
# as requested by it).
root_checks() {
	local name=$1 form=${2:-program} missing bound sync_e1000 others generated unit_log unit_ms barrier status
	local unset_pci heads want dev drv requested inserted
	tap_note "asynchronous probes (phase bus device driver), beyond stock's:" "$(new_async "$name")"
	tap_note "udev-async-probe status:" "$(report "$name" | sed -n '/^status-begin$/,/^status-end$/p' | sed '1d;$d')"
	tap_note "its journal:" "$(report "$name" | sed -n '/^journal-begin$/,/^journal-end$/p' | sed '1d;$d')"
	missing=
	while read -r dev drv; do
		[ "$drv" = e1000 ] && continue	# modules-load.d, below
		async_probes "$name" | grep -q "^root pci $dev $drv\$" || missing="$missing $dev:$drv"
	done < <(pci_bound_in_root "$name")
	bound=$(pci_bound_in_root "$name" | grep -v ' e1000$' | awk '{ print $2 }' | xargs)
	check "$name: every PCI device bound by a module driver in the real root probed asynchronously: ${bound:-none}${missing:+ (not:$missing)}" \
		test -z "$missing" -a -n "$bound"
	sync_e1000=no
	sync_probed "$name" e1000 && ! async_probes "$name" | grep -q ' e1000$' && sync_e1000=yes
	check "$name: e1000, loaded by systemd-modules-load (modules-load.d), probed synchronously" test $sync_e1000 = yes
	others=$(new_async "$name" | awk '$2 != "pci"')
	check "$name: no driver on a bus not listed (buses=pci) probed asynchronously${others:+ (did: $others)}" [ -z "$others" ]
	check "$name: every PCI device that has a driver on the stock boot has the same one" same_drivers "$name"
	generated=$(report "$name" | sed -n '/^generated-rules-begin$/,/^generated-rules-end$/p' | sed '1d;$d')
	tap_note "rules generated at boot (/run/udev/rules.d/80-async-probe.rules):" "$generated"
	if [ "$form" = program ]; then
		heads=$(rule_heads "$generated" program)
		want='ENV{ASYNC_PROBE}=="?*" SUBSYSTEM=="pci"'
		form="run the program for PCI devices and ASYNC_PROBE only"
	else
		heads="$(rule_heads "$generated" builtin); $(rule_heads "$generated" program)"
		want="ENV{ASYNC_PROBE}==\"$ASYNC_TRUE\" SUBSYSTEM==\"pci\"; ENV{ASYNC_PROBE}==\"?*\""
		form="load with udevd's \"kmod load --async-probe\" for PCI devices and ASYNC_PROBE, the program for other ASYNC_PROBE values only"
	fi
	check "$name: udev-async-probe-rules.service ran ($(report "$name" | awk '$1 == "rules-service" { print $2 }')) and its rules $form" \
		test "$(report "$name" | awk '$1 == "rules-service" { print $2 }')" = success -a "$heads" = "$want"
	# The unit runs before udevd and the coldplug: its time is boot time.
	unit_log=$(report "$name" | sed -n '/^rules-service-journal-begin$/,/^rules-service-journal-end$/p' | sed '1d;$d')
	tap_note "udev-async-probe-rules.service's journal:" "$unit_log"
	# systemd's own record: from leaving "inactive" to entering it again.
	unit_ms=$(report "$name" | awk '$1 == "rules-service-times" && $2 > 0 && $3 > $2 { printf "%d", ($3 - $2) / 1000; f = 1 }
		END { if (!f) print "unknown" }')
	check "$name: udev-async-probe-rules.service, which udevd waits for, ran in ${unit_ms} ms (< $unit_ms_max)" \
		test "$unit_ms" != unknown -a "${unit_ms/unknown/0}" -lt "$unit_ms_max"
	barrier=$(report "$name" | awk '$1 == "barrier" { $1 = ""; print substr($0, 2) }')
	tap_note "udev-async-probe settle after udevadm settle: $barrier" "$(report "$name" | sed -n 's/^barrier-output //p')"
	check "$name: udev-async-probe settle returned 0 and left no asynchronous probe pending" \
		grep -qE '^exit 0 in [0-9.]+ s, left pending: ?$' <<<"$barrier"
	# Debian's kernel has no /sys/kernel/async_pending: the best effort, and
	# no count file taken for one. (The guest's settle logs to the journal, so
	# its "best effort" line is not in this output; the fixture tests check it.)
	check "$name: udev-async-probe settle read no count file" \
		test -z "$(report "$name" | grep '^barrier-output .*Cannot read')"
	status=$(report "$name" | sed -n '/^status-begin$/,/^status-end$/p')
	check "$name: udev-async-probe status runs and lists the asynchronously loaded modules" grep -qw bochs <<<"$status"
	if [ "${2:-program}" = program ]; then
		status_check "$name"
	else
		# The program logs each insert it makes.
		requested=$(requested_modules "$name" | xargs)
		inserted=$(report "$name" | sed -n '/^journal-begin$/,/^journal-end$/p' | grep -c " inserted '")
		check "$name: the program loaded nothing: status names no module as requested by udev-async-probe${requested:+ (names: $requested)}, its journal has $inserted \"inserted\" lines" \
			test -z "$requested" -a "$inserted" -eq 0
	fi
	# buses=pci: the generated rules ask for async probing for every PCI device (each has a MODALIAS).
	unset_pci=$(pci_requested "$name" | awk '$2 != "1" { print $1 }' | xargs)
	check "$name: every PCI device has UDEV_ASYNC_PROBE_REQUESTED=1 in the udev database${unset_pci:+ (not: $unset_pci)}" \
		test -z "$unset_pci" -a -n "$(pci_requested "$name")"
}

# -- the package in the initramfs too -------------------------------------
# initramfs_checks NAME [FORM [ROOT]]: the checks of a boot NAME whose
# initramfs has the package (its hook); FORM as root_checks'; ROOT: the
# boot had root_checks, which have its status and drivers checks.
initramfs_checks() {
	local name=$1 form=${2:-program} root=${3:-} barrier_line ahci_end
	[ -n "$root" ] || tap_note "asynchronous probes (phase bus device driver), beyond stock's:" "$(new_async "$name")"
	check "$name: ahci, the root disk's controller, probed asynchronously inside the initramfs" \
		grep -qE '^initramfs pci [0-9a-f:.]+ ahci$' <<<"$(new_async "$name")"
	check "$name: the root filesystem was mounted after that asynchronous probe" \
		grep -q 'EXT4-fs (sda): mounted filesystem' <<<"$(kmsg "$name" | sed -n '/probing driver ahci asynchronously/,$p')"
	[ -n "$root" ] ||
		check "$name: every PCI device that has a driver on the stock boot has the same one" same_drivers "$name"
	if [ "$form" = program ]; then
		# The initramfs' /run moves to the real root: its record with it.
		[ -n "$root" ] || status_check "$name"
		check "$name: status names ahci as requested by udev-async-probe for the root disk's controller" \
			grep -qE '^ahci [0-9a-f]{4}:' <<<"$(requested_modules "$name")"
	fi
	# The init-top barrier after the initramfs' udevadm settle: it logs its
	# outcome after ahci's asynchronous probe has ended.
	barrier_line=$(kmsg "$name" | grep -n 'udev-async-probe: initramfs: ' | head -n 1)
	barrier_line=${barrier_line:-0:none}
	ahci_end=$(kmsg "$name" | grep -n 'driver ahci async attach completed' | head -n 1 | cut -d: -f1)
	tap_note "$name barrier: ${barrier_line#*:}"
	check "$name: the init-top barrier settled, after ahci's asynchronous probe had ended" \
		test -n "$ahci_end" -a "${barrier_line%%:*}" -gt "${ahci_end:-0}" -a \
			-z "$(grep -v 'asynchronous probes settled$' <<<"${barrier_line:-x}")"
}

# -- the boot loader's switch -----------------------------------------------
switch_checks() {
	local name=$1 extra set_pci
	extra=$(new_async "$name")
	check "$name: with udev_async_probe.enable=0 no driver probed asynchronously beyond stock's" \
		test -z "$extra" || tap_note "$extra"
	check "$name: every PCI device that has a driver on the stock boot has the same one" same_drivers "$name"
	status_check "$name"
	set_pci=$(pci_requested "$name" | awk '$2 != "-" { print $1 }' | xargs)
	check "$name: no PCI device has UDEV_ASYNC_PROBE_REQUESTED (the rules ask for nothing)${set_pci:+ (has: $set_pci)}" \
		test -z "$set_pci"
}

for b in $boots; do
	case $b in
	root)
		boot root "$work/initrd-stock" "$work/project.img"
		root_checks root
		;;
	initramfs)
		boot initramfs "$work/initrd-project" "$work/project.img"
		# Without a root boot, this one has its checks (merged).
		if [[ " $boots " = *" root "* ]]; then
			initramfs_checks initramfs
		else
			root_checks initramfs
			initramfs_checks initramfs program root
		fi
		;;
	switch)
		boot switch "$work/initrd-project" "$work/project.img" udev_async_probe.enable=0
		switch_checks switch
		;;
	builtin)
		boot builtin "$work/initrd-builtin" "$work/builtin.img"
		check "builtin: the guest's systemd-udevd is backport-257's ($(report builtin | sed -n 's/^udevd-version //p'))" \
			grep -qx "udevd-version $sdver+uap" <<<"$(report builtin)"
		root_checks builtin builtin
		initramfs_checks builtin builtin root
		;;
	esac
done

# The disk images (2 GB each, sparse) stay only for a failed run's post-mortem.
[ "$TAP_FAILED" -eq 0 ] && rm -f "$work"/*.img
tap_end
