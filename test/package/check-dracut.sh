#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The dracut module with trixie's own dracut (TAP). The project is built
# with meson in the cached trixie build root (check-trixie.sh's, with
# -Ddracut=enabled) and installed (DESTDIR) into an overlay of a cached
# trixie root with dracut, systemd, udev and Debian's kernel; images are
# made there with "dracut --no-compress" and read back with lsinitrd:
# the program, its rules (their form follows the image's udevd: trixie's
# stock 257 gives the program form), the vendor modprobe.d file and an
# administrator's "options ahci async_probe=0" (also without hostonly,
# and honoured: "explain" on the image's configuration), the barrier (the
# unit with dracut's systemd module, the initqueue finished hook without
# it), and nothing of the package when the policy is disabled, the rules
# masked or the configuration invalid; the finished hook run in an
# unpacked image; then two images booted under qemu with the root disk on
# Q35's AHCI controller (test/qemu/lib.sh's make_image and qemu_boot).
# The root's cache is never written: everything happens in an overlay, in
# a private mount namespace.
#
#   check-dracut.sh BUILDDIR
set -u
. "$(dirname "$(readlink -f "$0")")/../qemu/lib.sh"
build=$(cd "${1:?usage: check-dracut.sh BUILDDIR}" && pwd)
out=$build/dracut-trixie

# In a mount namespace of its own: the overlay goes with it.
if [ -z "${UAP_DRACUT_NS:-}" ]; then
	UAP_DRACUT_NS=1 exec unshare --mount --propagation private -- bash "$(readlink -f "$0")" "$@"
fi

# The root the images are made in: dracut (with its systemd modules),
# Debian's kernel, systemd's udevd.
dracut_packages=(dracut kmod linux-image-amd64 systemd udev)

t0=$SECONDS
# The build in check-trixie.sh's root (the package's Build-Depends).
if ! broot=$(suite_root trixie "${TRIXIE_BUILD_PACKAGES[@]}") || ! droot=$(suite_root trixie "${dracut_packages[@]}"); then
	tap_fail "the trixie roots (build dependencies; dracut and the kernel)"
	tap_end
	exit 1
fi
tap_ok "the trixie roots: $(basename "$broot") (build), $(basename "$droot") (dracut) ($((SECONDS - t0)) s)"

# The build, in trixie (its libkmod, libudev and udev.pc), kept for the
# next run: ninja rebuilds what changed.
t0=$SECONDS
mkdir -p "$out"
rm -rf "$out/dest"
if ! suite_chroot --bind "$UAP_TOP" /tmp/src --bind "$out" /tmp/out "$broot" sh -c '
	set -e
	[ -f /tmp/out/build/build.ninja ] || { rm -rf /tmp/out/build &&
		meson setup /tmp/out/build /tmp/src --prefix=/usr --buildtype=release \
			-Dman=disabled -Dinitramfs-tools=disabled -Ddracut=enabled; }
	ninja -C /tmp/out/build
	DESTDIR=/tmp/out/dest meson install -C /tmp/out/build --no-rebuild --quiet' >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" | sed 's/^/# /'
	tap_fail "meson build and install in trixie (log: $out/build.log)"
	tap_end
	exit 1
fi
tap_ok "meson build and install (DESTDIR) in trixie ($((SECONDS - t0)) s)"
module=usr/lib/dracut/modules.d/96udev-async-probe
check "the module installed in /$module" test -x "$out/dest/$module/module-setup.sh"

# The image root: an overlay of the cached one, the project copied in.
work=$out/overlay
rm -rf "$work"
mkdir -p "$work/upper" "$work/work" "$work/root"
if ! mount -t overlay overlay -o "lowerdir=$droot,upperdir=$work/upper,workdir=$work/work" "$work/root"; then
	tap_fail "an overlay of the dracut root"
	tap_end
	exit 1
fi
root=$work/root
cp -a "$out/dest/." "$root/"
kver=$(ls "$root/usr/lib/modules" | head -n 1)
tap_note "kernel: $kver; $(suite_chroot "$root" dracut --version 2>/dev/null | head -n 1);" \
	"udevd: $(suite_chroot "$root" /usr/lib/systemd/systemd-udevd --version 2>/dev/null | head -n 1)"

# An administrator's files: a module kept synchronous, and a file about
# something else (copied only into hostonly images, by dracut itself).
mkdir -p "$root/etc/modprobe.d"
echo 'options ahci async_probe=0' >"$root/etc/modprobe.d/ahci-sync.conf"
echo 'options snd_hda_intel power_save=1' >"$root/etc/modprobe.d/sound.conf"

# build_image NAME DRACUT-OPTIONS...: an image made in the root (kept in
# the overlay's /var/tmp; dracut's output in $work/NAME.log), unpacked
# with lsinitrd into $work/NAME.d for the checks.
build_image() {
	local name=$1 t=$SECONDS rc=0
	shift
	suite_chroot "$root" dracut --force --no-compress --kver "$kver" "$@" "/var/tmp/$name.img" \
		>"$work/$name.log" 2>&1 || rc=$?
	if [ $rc -ne 0 ]; then
		tail -n 20 "$work/$name.log" | sed 's/^/# /'
		tap_fail "dracut $* (exit $rc; log: $work/$name.log)"
		return 1
	fi
	rm -rf "$work/$name.d"
	mkdir -p "$work/$name.d"
	if ! suite_chroot --bind "$work/$name.d" /tmp/unpack "$root" \
		sh -c 'cd /tmp/unpack && lsinitrd --unpack "$1"' sh "/var/tmp/$name.img" >>"$work/$name.log" 2>&1; then
		tap_fail "lsinitrd --unpack of the image made by dracut $* (log: $work/$name.log)"
		return 1
	fi
	tap_ok "dracut $* ($((SECONDS - t)) s)"
}
in_image() { [ -e "$work/$1.d/$2" ] || [ -L "$work/$1.d/$2" ]; }
has() { in_image "$@"; }
lacks() { ! in_image "$@"; }

rules=usr/lib/udev/rules.d/80-async-probe.rules
prog=usr/lib/udev/udev-async-probe
unit=usr/lib/systemd/system/udev-async-probe-initrd-settle.service
wants=usr/lib/systemd/system/initrd.target.wants/udev-async-probe-initrd-settle.service
hook=var/lib/dracut/hooks/initqueue/finished/99-udev-async-probe-settled.sh

# package_parts NAME: the program, rules in the program form, the vendor
# file, the administrator's policy file, the settle script.
package_parts() {
	local name=$1
	check "$name: the program, with its libraries (libkmod)" \
		sh -c "test -x '$work/$name.d/$prog' && ls '$work/$name.d'/usr/lib/x86_64-linux-gnu/libkmod.so.* >/dev/null"
	check "$name: the rules, in the program form (trixie's stock udevd): RUN the program" \
		sh -c "grep -q '^# Form: program\\.' '$work/$name.d/$rules' &&
			grep -q '^SUBSYSTEM==\"pci\", RUN{program}+=\"udev-async-probe load\"' '$work/$name.d/$rules'"
	check "$name: the rules generated for the image (no kernel command line of the build host)" \
		grep -q 'IMPORT{cmdline}' "$work/$name.d/$rules"
	check "$name: the vendor file /usr/lib/modprobe.d/00-udev-async-probe.conf" \
		has "$name" usr/lib/modprobe.d/00-udev-async-probe.conf
	check "$name: the administrator's /etc/modprobe.d/ahci-sync.conf (options ahci async_probe=0)" \
		grep -qx 'options ahci async_probe=0' "$work/$name.d/etc/modprobe.d/ahci-sync.conf"
	check "$name: the settle script and its configuration (timeout 30 s)" \
		sh -c "test -x '$work/$name.d/usr/sbin/udev-async-probe-initrd-settle' &&
			grep -qx UDEV_ASYNC_PROBE_SETTLE_TIMEOUT=30 '$work/$name.d/etc/udev-async-probe/initrd-settle.conf'"
}
# nothing_of NAME: none of the package's parts in the image.
nothing_of() {
	local name=$1 what=$2 f found=''
	for f in "$prog" "$rules" "$unit" "$wants" "$hook" usr/sbin/udev-async-probe-initrd-settle \
		etc/udev-async-probe/initrd-settle.conf etc/modprobe.d/ahci-sync.conf; do
		in_image "$name" "$f" && found+=" $f"
	done
	check "$name: nothing of the package in the image ($what)${found:+; has:$found}" test -z "$found"
}

# 1. No hostonly, dracut's systemd module (trixie's default with systemd).
if build_image generic --no-hostonly; then
	package_parts generic
	check "generic: dracut's systemd module is in" has generic usr/lib/systemd/systemd
	check "generic: the barrier unit, pulled in by initrd.target" \
		sh -c "test -f '$work/generic.d/$unit' && test -L '$work/generic.d/$wants'"
	check "generic: the unit runs the settle script, ordered before initrd-root-device.target, after udev's trigger" \
		sh -c "grep -qx 'ExecStart=-/usr/sbin/udev-async-probe-initrd-settle' '$work/generic.d/$unit' &&
			grep -q '^Before=.*initrd-root-device.target' '$work/generic.d/$unit' &&
			grep -q '^After=.*systemd-udev-trigger.service' '$work/generic.d/$unit'"
	check "generic: no initqueue finished hook (systemd runs the unit)" lacks generic "$hook"
	verify=$(suite_chroot --bind "$work/generic.d" /tmp/img "$root" \
		systemd-analyze verify --root=/tmp/img --man=no "/tmp/img/$unit" 2>&1)
	check "generic: systemd-analyze verify of the unit in the image${verify:+: $verify}" test -z "$verify"
	check "generic: the unrelated /etc/modprobe.d/sound.conf left out (not hostonly)" \
		lacks generic etc/modprobe.d/sound.conf
	# The image's configuration keeps ahci synchronous: the program of the
	# root, on the image's modprobe.d directories only; without the
	# administrator's file, the same controller's ahci is asynchronous.
	ahci=pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01
	explain() {
		suite_chroot --bind "$work/generic.d" /tmp/img "$root" \
			/usr/lib/udev/udev-async-probe -S "$kver" "$@" explain "$ahci" 2>&1
	}
	with=$(explain -C /tmp/img/etc/modprobe.d -C /tmp/img/usr/lib/modprobe.d)
	without=$(explain -C /tmp/img/usr/lib/modprobe.d)
	tap_note "explain of an ICH9 AHCI controller (qemu q35) on the image's configuration:" "$with" \
		"and on its vendor file alone:" "$without"
	ahci_sync() { grep -q '^ *ahci: sync.*module-options' <<<"$with" && grep -q '^ *ahci: async' <<<"$without"; }
	check "generic: on the image's configuration ahci is synchronous (async_probe=0 of /etc), asynchronous without that file" \
		ahci_sync
fi

# 2. Hostonly: dracut copies /etc/modprobe.d itself.
if build_image hostonly --hostonly; then
	package_parts hostonly
	check "hostonly: the barrier unit" has hostonly "$unit"
	check "hostonly: /etc/modprobe.d/sound.conf too (dracut's hostonly copy)" has hostonly etc/modprobe.d/sound.conf
fi

# 3. Without dracut's systemd module: the initqueue finished hook.
if build_image nosystemd --no-hostonly --omit "systemd systemd-initrd dracut-systemd"; then
	package_parts nosystemd
	check "nosystemd: no systemd in the image" lacks nosystemd usr/lib/systemd/systemd
	check "nosystemd: the initqueue finished hook" has nosystemd "$hook"
	check "nosystemd: no unit" lacks nosystemd "$unit"
	# The hook as dracut's initqueue runs it (check_finished: sourced in a
	# subshell until it succeeds), in the unpacked image chrooted, with the
	# image's settle script, program and udevadm (no udevd runs there:
	# udev's queue is empty), /dev/kmsg a file.
	in_nosystemd() {
		: >"$work/kmsg"
		unshare --mount --propagation private -- sh -c '
			img=$1; shift
			mount -t proc proc "$img/proc" && mount -t sysfs sysfs "$img/sys" &&
			mount -t tmpfs tmpfs "$img/run" && mount --bind "$2" "$img/dev/kmsg" || exit 1
			[ -e "$img/dev/null" ] || mount --bind /dev/null "$img/dev/null" || exit 1
			exec chroot "$img" /bin/sh -c "$1"' sh "$work/nosystemd.d" "$1" "$work/kmsg"
	}
	# Sourced until it succeeds, at most N times 0.2 s apart; prints the
	# number of calls that failed.
	finished_loop='n=0; i=0; while [ $i -lt $1 ]; do if ( . /'"$hook"' ); then echo $n; exit 0; fi; n=$((n + 1)); i=$((i + 1)); sleep 0.2; done; echo never; exit 1'
	# Its bound from the image's configuration (dracut.conf.d's
	# udev_async_probe_settle_timeout), shortened: no udevd runs here, so
	# udevadm settle fails and the settle runs to its timeout.
	echo UDEV_ASYNC_PROBE_SETTLE_TIMEOUT=3 >"$work/nosystemd.d/etc/udev-async-probe/initrd-settle.conf"
	if calls=$(in_nosystemd "set -- 300; $finished_loop" 2>&1); then
		tap_ok "nosystemd: the finished hook succeeds once the image's settle has run (after $calls failed call(s))"
	else
		tap_fail "nosystemd: the finished hook succeeds once the image's settle has run ($calls)"
	fi
	tap_note "its kernel log:" "$(cat "$work/kmsg")"
	check "nosystemd: the settle's outcome in the kernel log" \
		grep -qE '^<[45]>udev-async-probe: initramfs: asynchronous probes (settled|still pending after 3 s)' "$work/kmsg"
	# A settle that never ends: the hook's own bound (5 s from the first
	# call, the settle not having said its timeout; whole seconds of
	# /proc/uptime, so 4 to 5 s), then success.
	cp "$work/nosystemd.d/usr/sbin/udev-async-probe-initrd-settle" "$work/settle.orig"
	printf '#!/bin/sh\nexec sleep 30\n' >"$work/nosystemd.d/usr/sbin/udev-async-probe-initrd-settle"
	calls=$(in_nosystemd "set -- 150; $finished_loop" 2>&1)
	cp "$work/settle.orig" "$work/nosystemd.d/usr/sbin/udev-async-probe-initrd-settle"
	tap_note "its kernel log:" "$(cat "$work/kmsg")"
	check "nosystemd: a settle that never ends: the hook gives up on its own bound ($calls failed calls, 0.2 s apart) and says so" \
		sh -c "[ '$calls' != never ] && [ '$calls' -ge 10 ] &&
			grep -q '^<4>udev-async-probe: initramfs: the wait for asynchronous probes did not end in [0-9]* s, going on' '$work/kmsg'"
fi

# The cases below are about the module's decisions, not the kernel's
# modules nor dracut's others: images without the kernel (--no-kernel)
# and of this module and systemd's alone (-m, which decides between the
# unit and the hook) take 5 s instead of 14.
minimal=(--no-hostonly --no-kernel -m "systemd udev-async-probe")

# 4. The barrier left out at build time (dracut.conf.d).
mkdir -p "$root/etc/dracut.conf.d"
echo 'udev_async_probe_settle=no' >"$root/etc/dracut.conf.d/udev-async-probe.conf"
if build_image nosettle "${minimal[@]}"; then
	check "nosettle: the program and rules, but no barrier (udev_async_probe_settle=no)" \
		sh -c "test -x '$work/nosettle.d/$prog' && test -f '$work/nosettle.d/$rules' &&
			! test -e '$work/nosettle.d/$unit' && ! test -e '$work/nosettle.d/usr/sbin/udev-async-probe-initrd-settle'"
fi
rm -f "$root/etc/dracut.conf.d/udev-async-probe.conf"

# 5. The policy disabled in /etc/modprobe.d.
echo 'options udev_async_probe enable=0' >"$root/etc/modprobe.d/zz-udev-async-probe-off.conf"
if build_image disabled "${minimal[@]}"; then
	nothing_of disabled "options udev_async_probe enable=0"
	check "disabled: its modprobe.d file not added either" lacks disabled etc/modprobe.d/zz-udev-async-probe-off.conf
fi
if build_image disabled-nosystemd --no-hostonly --no-kernel -m udev-async-probe; then
	nothing_of disabled-nosystemd "options udev_async_probe enable=0, without systemd"
fi
rm -f "$root/etc/modprobe.d/zz-udev-async-probe-off.conf"

# 6. The rules masked by the administrator.
mkdir -p "$root/etc/udev/rules.d"
ln -s /dev/null "$root/etc/udev/rules.d/80-async-probe.rules"
if build_image masked "${minimal[@]}"; then
	nothing_of masked "/etc/udev/rules.d/80-async-probe.rules -> /dev/null"
fi
rm -f "$root/etc/udev/rules.d/80-async-probe.rules"

# 7. The rules replaced by the administrator's own.
printf '%s\n' '# an administrator'"'"'s rules' \
	'ACTION=="add", ENV{MODALIAS}=="?*", RUN+="/usr/lib/udev/udev-async-probe load"' \
	>"$root/etc/udev/rules.d/80-async-probe.rules"
if build_image replaced "${minimal[@]}"; then
	check "replaced: the image's rules are the administrator's file" \
		cmp -s "$root/etc/udev/rules.d/80-async-probe.rules" "$work/replaced.d/$rules"
fi
rm -f "$root/etc/udev/rules.d/80-async-probe.rules"

# 8. An invalid configuration: a warning, nothing added.
echo 'options udev_async_probe enable=maybe' >"$root/etc/modprobe.d/zz-udev-async-probe-bad.conf"
if build_image invalid "${minimal[@]}"; then
	nothing_of invalid "options udev_async_probe enable=maybe"
	check "invalid: dracut warns of the invalid configuration" \
		grep -q 'udev-async-probe: invalid configuration' "$work/invalid.log"
fi
rm -f "$root/etc/modprobe.d/zz-udev-async-probe-bad.conf"

# 9. Boots, under qemu (TCG) on Q35 with the root disk on its AHCI
# controller, with test/qemu/lib.sh's make_image and qemu_boot: the
# not-hostonly image with systemd (the administrator's ahci-sync.conf in
# it: ahci loads synchronously, other PCI drivers asynchronously), and one
# without systemd nor that file (ahci probed asynchronously). A report
# script as init, after the switch to the real root, writes what the
# initramfs did to the second serial port and powers off.
cp "$root/var/tmp/generic.img" "$work/" 2>/dev/null
rm -f "$root"/var/tmp/*.img "$root/etc/modprobe.d/ahci-sync.conf"
build_image boot-nosystemd --no-hostonly --omit "systemd systemd-initrd dracut-systemd" || :
mkdir -p "$root/usr/local/sbin"
cat >"$root/usr/local/sbin/uap-report" <<'EOF'
#!/bin/sh
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
{
	echo "root: $(findmnt -n -o SOURCE,FSTYPE /)"
	dmesg | grep -E 'udev-async-probe|probing driver ahci asynchronously|EXT4-fs \(sda\): mounted'
	/usr/lib/udev/udev-async-probe status 2>&1 | grep -E 'ahci|xhci_pci|ata_piix'
	echo "report end"
} >/dev/ttyS1 2>&1
sync
echo o >/proc/sysrq-trigger
sleep 30
EOF
chmod 755 "$root/usr/local/sbin/uap-report"
# The images are kept outside: the guest's disk needs none of them.
cp "$root/var/tmp/boot-nosystemd.img" "$work/" 2>/dev/null
rm -f "$root"/var/tmp/*.img
t0=$SECONDS
make_image "$root" "$work/root.img"
vmlinuz=$root/boot/vmlinuz-$kver
tap_note "guest disk: $((SECONDS - t0)) s"
# boot NAME INITRD: a boot (once more after an emulator's int3 trap);
# its report in $work/NAME-boot/report.log.
boot() {
	local name=$1 initrd=$2 t=$SECONDS
	qemu_boot "$work/$name-boot" "$vmlinuz" "$initrd" "$work/root.img" init=/usr/local/sbin/uap-report
	if tcg_text_poke_trap "$work/$name-boot"; then
		tap_note "$name: the emulator's int3 trap (test/qemu/lib.sh); booting once more"
		qemu_boot "$work/$name-boot" "$vmlinuz" "$initrd" "$work/root.img" init=/usr/local/sbin/uap-report
	fi
	tap_note "$name boot ($((SECONDS - t)) s), its report:" "$(cat "$work/$name-boot/report.log" 2>/dev/null)"
	grep -q '^report end' "$work/$name-boot/report.log" 2>/dev/null
}
report() { grep -qE "$2" "$work/$1-boot/report.log"; }
# settled_before_mount NAME: the barrier settled, and said so in the
# kernel log before the root file system was first mounted.
settled_before_mount() {
	local log=$work/$1-boot/report.log s m
	s=$(grep -n 'udev-async-probe: initramfs: asynchronous probes settled' "$log" | head -n 1 | cut -d: -f1)
	m=$(grep -n 'EXT4-fs (sda): mounted' "$log" | head -n 1 | cut -d: -f1)
	[ -n "$s" ] && [ -n "$m" ] && [ "$s" -lt "$m" ]
}
# shellcheck disable=SC2034 # qemu_boot's bound
QEMU_TIMEOUT=600
if [ -f "$work/generic.img" ] && check "boot of the systemd image (not hostonly): the real root's init reports" boot generic "$work/generic.img"; then
	check "generic boot: root /dev/sda (AHCI) mounted" report generic '^root: /dev/sda ext4'
	check "generic boot: the unit's barrier settled before the root file system was mounted" \
		settled_before_mount generic
	check "generic boot: ahci loaded synchronously (the administrator's async_probe=0 in the image)" \
		sh -c "grep -q '^ahci ' '$work/generic-boot/report.log' && ! grep -q '^ahci .*requested by udev-async-probe' '$work/generic-boot/report.log'"
	check "generic boot: other PCI drivers (ata_piix, xhci_pci) loaded with async_probe=1 by the initramfs' udev" \
		report generic '^(ata_piix|xhci_pci) .*async_probe=1 \(requested by udev-async-probe'
fi
if [ -f "$work/boot-nosystemd.img" ] && check "boot of the image without systemd: the real root's init reports" boot nosystemd "$work/boot-nosystemd.img"; then
	check "nosystemd boot: root /dev/sda (AHCI) mounted" report nosystemd '^root: /dev/sda ext4'
	check "nosystemd boot: ahci probed asynchronously in the initramfs" \
		sh -c "grep -q 'probing driver ahci asynchronously' '$work/nosystemd-boot/report.log' &&
			grep -q '^ahci .*async_probe=1 (requested by udev-async-probe for 0000:00:1f.2)' '$work/nosystemd-boot/report.log'"
	check "nosystemd boot: the finished hook's barrier settled before the root file system was mounted" \
		settled_before_mount nosystemd
fi

umount "$root"
[ "$TAP_FAILED" -eq 0 ] && rm -rf "$work"
tap_end
