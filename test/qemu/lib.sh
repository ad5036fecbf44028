# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# The qemu lane's cached pieces: Debian's own 6.12 kernel package and a
# debootstrap'ed root with it installed (guest/README says what the test
# root adds). Sourced, not run.

QEMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$QEMU_DIR/../common.sh"
QEMU_CACHE=$UAP_CACHE/qemu
CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")

# What the guest root holds besides debootstrap's minbase: init, udev,
# modules, the initramfs builder, and what the package depends on.
GUEST_PACKAGES=systemd,systemd-sysv,udev,kmod,linux-base,initramfs-tools,zstd,e2fsprogs,util-linux

# runs_in_root ROOT CMD...: CMD chrooted into ROOT, with /proc, /sys and
# /dev mounted in a private mount namespace that ends with it.
run_in_root() {
	local root=$1
	shift
	unshare --mount --propagation private -- bash -c '
		root=$1; shift
		mount -t proc proc "$root/proc" &&
		mount -t sysfs sysfs "$root/sys" &&
		mount --rbind /dev "$root/dev" &&
		mount -t tmpfs tmpfs "$root/run" &&
		mount -t tmpfs tmpfs "$root/tmp" || exit 1
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"' run_in_root "$root" "$@"
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
# Prints its directory; never write to it, copy it (cp -a).
guest_root() {
	local deb base key root tmp
	check_cache_dir
	mkdir -p "$QEMU_CACHE"
	exec 7>"$QEMU_CACHE/root.lock"
	flock 7
	deb=$(kernel_deb)
	base=$(base_root)
	key=$({ basename "$base"; basename "$deb"; cat "$QEMU_DIR/lib.sh" "$QEMU_DIR"/guest/*; } |
		sha256sum | cut -c1-16)
	root=$QEMU_CACHE/root-$key
	if [ ! -f "$root/.complete" ]; then
		tmp=$root.tmp
		rm -rf "$tmp"
		cp -a "$base" "$tmp"
		rm -f "$tmp/.complete"
		install_harness "$tmp"
		cp "$deb" "$tmp/root/"
		note "installing $(basename "$deb") in the test root"
		run_in_root "$tmp" dpkg -i "/root/$(basename "$deb")" >"$QEMU_CACHE/kernel-install.log" 2>&1 ||
			{ tail -n 20 "$QEMU_CACHE/kernel-install.log" >&2; die "kernel install failed"; }
		rm -f "$tmp/root/$(basename "$deb")"
		ls "$tmp"/boot/initrd.img-* >/dev/null 2>&1 || die "the kernel's postinst built no initramfs"
		touch "$tmp/.complete"
		mv "$tmp" "$root"
	fi
	flock -u 7
	echo "$root"
}

install_harness() {
	local r=$1 g=$QEMU_DIR/guest
	echo uap-guest >"$r/etc/hostname"
	install -m 644 "$g/fstab" "$r/etc/fstab"
	install -m 644 "$g/initramfs.conf" "$r/etc/initramfs-tools/conf.d/uap-test"
	install -m 755 "$g/initramfs-storage" "$r/etc/initramfs-tools/hooks/uap-test-storage"
	install -m 644 "$g/modules-load.conf" "$r/etc/modules-load.d/uap-test.conf"
	install -D -m 644 "$g/trigger-order.conf" \
		"$r/etc/systemd/system/systemd-udev-trigger.service.d/uap-test.conf"
	install -m 644 "$g/report.service" "$r/etc/systemd/system/uap-test-report.service"
	ln -sf ../uap-test-report.service "$r/etc/systemd/system/multi-user.target.wants/"
	install -D -m 755 "$g/report.sh" "$r/usr/local/lib/uap-test/report.sh"
	install -D -m 755 "$g/bench-init.sh" "$r/usr/local/lib/uap-test/bench-init.sh"
	# No console login or clock sync wait in a guest that powers itself off.
	ln -sf /dev/null "$r/etc/systemd/system/serial-getty@.service"
	ln -sf /dev/null "$r/etc/systemd/system/getty@.service"
}
