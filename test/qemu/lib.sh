# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# The qemu lane's cached pieces: Debian's own 6.12 kernel package and a
# debootstrap'ed root with it installed (guest/README says what the test
# root adds). Sourced, not run.

QEMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$QEMU_DIR/../debian-suite.sh"
QEMU_CACHE=$UAP_CACHE/qemu
CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")

# What the guest root holds besides debootstrap's minbase: init, udev,
# modules, the initramfs builder, and what the package depends on.
# Bump when the cached root's recipe changes in a way its key misses.
ROOT_FORMAT=1
GUEST_PACKAGES=systemd,systemd-sysv,udev,kmod,linux-base,initramfs-tools,zstd,e2fsprogs,util-linux

# The trixie root the package is built in (test/package/check-trixie.sh,
# run-lane.sh --suite trixie: one root, one build): build-essential and
# debian/control's Build-Depends (first alternatives, as buildds take
# them), lintian. A change here is a new cached root.
# shellcheck disable=SC2034 # used by the scripts that source this file
TRIXIE_BUILD_PACKAGES=(build-essential debhelper lintian
	bash-completion kmod libkmod-dev libudev-dev meson pkgconf scdoc systemd-dev)

# dpkg_install ROOT DEB: dpkg -i DEB inside ROOT (the .deb copied in for
# the call, removed after); dpkg's status, its output on stdout/stderr.
dpkg_install() {
	local root=$1 deb=$2 rc=0
	cp "$deb" "$root/root/"
	run_in_root "$root" dpkg -i "/root/$(basename "$deb")" </dev/null || rc=$?
	rm -f "$root/root/$(basename "$deb")"
	return $rc
}

# run_in_root ROOT CMD...: CMD chrooted into ROOT, with /proc, /sys and
# /dev mounted in a private mount namespace that ends with it.
run_in_root() {
	suite_chroot "$@"
}

# The newest Debian 6.12 amd64 kernel the archive offers (UAP_QEMU_KERNEL
# picks another), as "PACKAGE VERSION".
kernel_package() {
	local pkg=${UAP_QEMU_KERNEL:-}
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$' |
			awk '{ print $1 }' | sort -V | tail -n 1)
	fi
	[ -n "$pkg" ] || die "no linux-image-6.12.*-amd64-unsigned in the apt lists (apt-get update?)"
	echo "$pkg $(apt-cache show --no-all-versions "$pkg" | awk '/^Version:/ { print $2; exit }')"
}

# The kernel .deb in the cache (downloaded once); prints its path.
kernel_deb() {
	local pkg ver deb
	read -r pkg ver <<<"$(kernel_package)"
	mkdir -p "$QEMU_CACHE/kernel"
	deb=$QEMU_CACHE/kernel/${pkg}_${ver/:/%3a}_amd64.deb
	if [ ! -f "$deb" ]; then
		note "downloading $pkg $ver"
		(cd "$QEMU_CACHE/kernel" && apt-get download -q "$pkg=$ver") >&2 ||
			die "apt-get download $pkg=$ver failed"
	fi
	[ -f "$deb" ] || die "apt-get download did not leave $deb"
	echo "$deb"
}

# The archive this machine installs from, for debootstrap.
debian_mirror() {
	apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk -v s="$CODENAME" '$1 == "deb" && $3 == s { print $2; exit }'
}

# Stage 1, debootstrap alone (the slow, network part): prints its directory.
base_root() {
	local key root tmp mirror
	key=$(echo "$CODENAME $GUEST_PACKAGES" | sha256sum | cut -c1-16)
	root=$QEMU_CACHE/base-$key
	if [ ! -f "$root/.complete" ]; then
		mirror=$(debian_mirror)
		[ -n "$mirror" ] || die "no deb entry for $CODENAME in the apt sources"
		tmp=$root.tmp
		rm -rf "$tmp"
		note "debootstrap $CODENAME from $mirror into $tmp"
		debootstrap --variant=minbase --include="$GUEST_PACKAGES" \
			"$CODENAME" "$tmp" "$mirror" >"$QEMU_CACHE/debootstrap.log" 2>&1 ||
			{ tail -n 20 "$QEMU_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $QEMU_CACHE/debootstrap.log)"; }
		touch "$tmp/.complete"
		mv "$tmp" "$root"
	fi
	echo "$root"
}

# The cached test root: stage 1 + the kernel package, the harness files
# of guest/ and the stock initramfs that the kernel's postinst built.
# Prints its directory; never write to it, copy it (cp -a). With SUITE
# other than the host's: suite_guest_root.
guest_root() {
	local deb base key root tmp
	[ "${1:-$CODENAME}" = "$CODENAME" ] || { suite_guest_root "$1"; return; }
	check_cache_dir
	mkdir -p "$QEMU_CACHE"
	exec 7>"$QEMU_CACHE/root.lock"
	flock 7
	deb=$(kernel_deb)
	base=$(base_root)
	key=$({ echo "$ROOT_FORMAT"; basename "$base"; basename "$deb"
		cat "$QEMU_DIR"/guest/{fstab,initramfs.conf,initramfs-storage}; } | sha256sum | cut -c1-16)
	root=$QEMU_CACHE/root-$key
	if [ ! -f "$root/.complete" ]; then
		tmp=$root.tmp
		rm -rf "$tmp"
		cp -a "$base" "$tmp"
		rm -f "$tmp/.complete"
		install_initramfs_harness "$tmp"
		note "installing $(basename "$deb") in the test root"
		dpkg_install "$tmp" "$deb" >"$QEMU_CACHE/kernel-install.log" 2>&1 ||
			{ tail -n 20 "$QEMU_CACHE/kernel-install.log" >&2; die "kernel install failed"; }
		ls "$tmp"/boot/initrd.img-* >/dev/null 2>&1 || die "the kernel's postinst built no initramfs"
		touch "$tmp/.complete"
		mv "$tmp" "$root"
		# Older roots (another kernel, another recipe) are not used again;
		# other suites' (root-SUITE-KEY) are left alone.
		for old in "$QEMU_CACHE"/root-[0-9a-f]*; do
			[ "$old" = "$root" ] || rm -rf "$old"
		done
	fi
	flock -u 7
	echo "$root"
}

# suite_guest_root SUITE: the test root of another suite (trixie): its
# minbase root with GUEST_PACKAGES (test/debian-suite.sh's suite_root,
# cached), then the harness files of guest/ and the suite's own kernel,
# linux-image-amd64, installed from its archive with apt-get (through
# suite_archives: the dracut root has it too), whose postinst builds the
# stock initramfs. Cached as root-SUITE-KEY; like a
# suite_root, as new as the day it was made (the kernel too): remove it
# to get a newer one. Prints its directory; never write to it.
suite_guest_root() {
	local suite=$1 base key root tmp old
	base=$(suite_root "$suite" ${GUEST_PACKAGES//,/ }) || return 1
	mkdir -p "$QEMU_CACHE"
	exec 7>"$QEMU_CACHE/root.lock"
	flock 7
	key=$({ echo "$ROOT_FORMAT"; basename "$base"
		cat "$QEMU_DIR"/guest/{fstab,initramfs.conf,initramfs-storage}; } | sha256sum | cut -c1-16)
	root=$QEMU_CACHE/root-$suite-$key
	if [ ! -f "$root/.complete" ]; then
		tmp=$root.tmp
		rm -rf "$tmp"
		cp -a "$base" "$tmp"
		rm -f "$tmp/.complete"
		install_initramfs_harness "$tmp"
		note "installing $suite's linux-image-amd64 in the $suite test root"
		{ suite_chroot "$tmp" apt-get update -q &&
		  suite_chroot --bind "$(suite_archives "$suite")" /var/cache/apt/archives "$tmp" \
			apt-get install -y -q --no-install-recommends linux-image-amd64; } \
			>"$QEMU_CACHE/kernel-install-$suite.log" 2>&1 ||
			{ tail -n 20 "$QEMU_CACHE/kernel-install-$suite.log" >&2; die "kernel install in the $suite root failed"; }
		ls "$tmp"/boot/initrd.img-* >/dev/null 2>&1 || die "the kernel's postinst built no initramfs"
		touch "$tmp/.complete"
		mv "$tmp" "$root"
		for old in "$QEMU_CACHE/root-$suite"-*; do
			[ "$old" = "$root" ] || rm -rf "$old"
		done
	fi
	flock -u 7
	echo "$root"
}

# What the kernel's initramfs is built with (part of the cached root).
install_initramfs_harness() {
	local r=$1 g=$QEMU_DIR/guest
	echo uap-guest >"$r/etc/hostname"
	install -m 644 "$g/fstab" "$r/etc/fstab"
	install -m 644 "$g/initramfs.conf" "$r/etc/initramfs-tools/conf.d/uap-test"
	install -m 755 "$g/initramfs-storage" "$r/etc/initramfs-tools/hooks/uap-test-storage"
}

# What a booted guest runs (added to each disk image's tree).
install_boot_harness() {
	local r=$1 g=$QEMU_DIR/guest
	install -m 644 "$g/modules-load.conf" "$r/etc/modules-load.d/uap-test.conf"
	install -D -m 644 "$g/trigger-order.conf" \
		"$r/etc/systemd/system/systemd-udev-trigger.service.d/uap-test.conf"
	install -m 644 "$g/report.service" "$r/etc/systemd/system/uap-test-report.service"
	ln -sf ../uap-test-report.service "$r/etc/systemd/system/multi-user.target.wants/"
	install -D -m 644 "$g/lib.sh" "$r/usr/local/lib/uap-test/lib.sh"
	install -D -m 755 "$g/report.sh" "$r/usr/local/lib/uap-test/report.sh"
	install -D -m 755 "$g/bench-init.sh" "$r/usr/local/lib/uap-test/bench-init.sh"
	# No console login in a guest that powers itself off.
	ln -sf /dev/null "$r/etc/systemd/system/serial-getty@.service"
	ln -sf /dev/null "$r/etc/systemd/system/getty@.service"
}

# TAP for the package and qemu tests: check DESCRIPTION CMD... runs CMD,
# tap_ok/tap_fail state a result computed otherwise; tap_end prints the plan.
TAP_N=0
TAP_FAILED=0
tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $* # SKIP"; }
tap_note() { printf '%s\n' "$@" | sed 's/^/# /'; }
check() {
	local what=$1
	shift
	if "$@"; then tap_ok "$what"; else tap_fail "$what"; return 1; fi
}
tap_end() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# make_image TREE IMAGE: an ext4 image of TREE, the guest's root, made
# without a loop mount.
make_image() {
	rm -f "$2"
	truncate -s 2G "$2"
	mkfs.ext4 -q -F -L uaproot -d "$1" "$2" || die "mkfs.ext4 -d $1 failed"
}

# The guest's PCI hardware: Q35's AHCI controller (with the root disk),
# SMBus and LPC bridge, plus a NIC, virtio devices, USB, IDE, sound, VGA.
# Host networking is closed (restrict=on): the NICs only need to exist.
QEMU_DEVICES=(
	-M q35 -nodefaults -device VGA
	-netdev user,id=n0,restrict=on -device e1000,netdev=n0
	-netdev user,id=n1,restrict=on -device virtio-net-pci,netdev=n1
	-device virtio-rng-pci
	-device qemu-xhci
	-device piix3-ide
	-audiodev none,id=a0 -device ich9-intel-hda -device hda-output,audiodev=a0
)
# dd.c's dynamic debug: the kernel logs each probe it runs asynchronously.
QEMU_APPEND='root=/dev/sda rw console=ttyS0 loglevel=4 log_buf_len=8M panic=-1 dyndbg="file drivers/base/dd.c +p"'

# tcg_text_poke_trap DIR: the boot in DIR died of an int3 trap in kernel
# text. That is the emulator's doing: multi-threaded TCG can run a stale
# translation of code the kernel is patching with int3 (text_poke_bp(),
# e.g. a static key flipped at boot), seen on loaded hosts. Nothing this
# project does can cause it; callers boot once more and say so.
tcg_text_poke_trap() { grep -q 'Oops: int3: ' "$1/console.log" 2>/dev/null; }

# qemu_boot DIR KERNEL INITRD IMAGE [APPEND...]: boot under TCG with 2
# vCPUs; the image is used copy-on-write (snapshot=on). The console goes
# to DIR/console.log, what the guest reports (ttyS1) to DIR/report.log.
qemu_boot() {
	local dir=$1 kernel=$2 initrd=$3 image=$4 rc
	shift 4
	mkdir -p "$dir"
	rm -f "$dir/console.log" "$dir/report.log"
	# --foreground: qemu stays in the caller's process group, so that
	# meson's timeout or a ^C ends the guest with the script.
	timeout --foreground "${QEMU_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -smp 2 -m 1024 \
		-display none -monitor none -no-reboot \
		-serial "file:$dir/console.log" -serial "file:$dir/report.log" \
		-kernel "$kernel" -initrd "$initrd" -append "$QEMU_APPEND $*" \
		-drive "file=$image,format=raw,if=none,id=root,snapshot=on" \
		-device ide-hd,drive=root,bus=ide.0 \
		"${QEMU_DEVICES[@]}" </dev/null >"$dir/qemu.log" 2>&1
	rc=$?
	[ $rc -eq 124 ] && note "qemu timed out after ${QEMU_TIMEOUT:-900} s ($dir)"
	return $rc
}
