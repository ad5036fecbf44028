# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# What qemu-coldplug.sh and qemu-slow.sh share: one disk image that every
# runner boots (the qemu lane's root, test/qemu/lib.sh), a boot of it
# with guest/bench-init.sh as init, and the report that boot wrote.
# Sourced, not run.
#
# One image for all runners: the package is installed in it (its rules
# for the project's runners, and everyone's "udev-async-probe settle"),
# and the patched systemd-udevd too when the builtin runs. The kernel
# command line says which runner a boot is (uap_bench.runner=);
# bench-init.sh then masks the package's rules for stock, and generates
# them for the others as the rules unit would.
#
#   stock         Debian's systemd-udevd, no program
#   program       Debian's systemd-udevd, the rules that run the program
#   program-sync  as program, and a rule that sets ASYNC_PROBE=0 on every
#                 PCI device: the program runs for the same events and
#                 decides for the same modules, but loads all of them
#                 synchronously (the program's cost apart from async probing)
#   builtin       the patched systemd-udevd of udev-builtin/systemd
#                 (backport-252), for which the generated rules take the
#                 builtin form: RUN{builtin}+="kmod load --async-probe"
. "$(dirname "${BASH_SOURCE[0]}")/../qemu/lib.sh"

BENCH_RUNNERS_KNOWN="stock program program-sync builtin"

# bench_image BUILDDIR WORK RUNNERS...: builds (or reuses) the image for
# RUNNERS in WORK; sets BENCH_KERNEL, BENCH_INITRD (the stock initramfs
# of the root: every runner boots the same one) and BENCH_IMAGE. An
# image whose inputs (root, .deb, udevd, guest files) are unchanged is
# reused: making a 2 GB ext4 image takes a while.
bench_image() {
	local build=$1 work=$2 r deb root kver udevd="" key tree
	shift 2
	for r in "$@"; do
		case " $BENCH_RUNNERS_KNOWN " in
		*" $r "*) ;;
		*) die "unknown runner $r (known: $BENCH_RUNNERS_KNOWN)" ;;
		esac
	done
	deb=$(bash "$UAP_TOP/test/package/build-deb.sh" "$build/deb") || die "the package does not build"
	root=$(guest_root) || die "no test root"
	kver=$(basename "$(ls -d "$root"/lib/modules/*)")
	BENCH_KERNEL=$root/boot/vmlinuz-$kver
	BENCH_INITRD=$root/boot/initrd.img-$kver
	case " $* " in
	*" builtin "*)
		udevd=$("$UAP_TOP/udev-builtin/systemd/build.sh" --print udevd) ||
			die "the patched systemd-udevd does not build"
		;;
	esac
	key=$({ basename "$root"; sha256sum <"$deb"; [ -z "$udevd" ] || sha256sum <"$udevd"
		cat "$QEMU_DIR"/lib.sh "$QEMU_DIR"/guest/*; } | sha256sum | cut -c1-16)
	mkdir -p "$work"
	BENCH_IMAGE=$work/bench-$key.img
	if [ -f "$BENCH_IMAGE" ]; then
		note "reusing $BENCH_IMAGE (inputs unchanged)"
		return 0
	fi
	rm -f "$work"/bench-*.img
	tree=$work/tree
	rm -rf "$tree"
	cp -a "$root" "$tree"
	install_boot_harness "$tree"
	dpkg_install "$tree" "$deb" >"$work/dpkg.log" 2>&1 || die "dpkg -i failed (log: $work/dpkg.log)"
	[ -z "$udevd" ] || install -m 755 "$udevd" "$tree/usr/local/lib/uap-test/systemd-udevd-builtin"
	make_image "$tree" "$BENCH_IMAGE.tmp"
	mv "$BENCH_IMAGE.tmp" "$BENCH_IMAGE"
	rm -rf "$tree"
}

# bench_clean WORK: removes the boots of an earlier run, keeps the image.
bench_clean() {
	mkdir -p "$1"
	find "$1" -mindepth 1 -maxdepth 1 ! -name 'bench-*.img' -exec rm -rf {} +
}

# bench_report DIR: DIR/report, the report the guest wrote (ttyS1),
# without the CR the tty adds to each line; fails if it is incomplete.
bench_report() {
	tr -d '\r' <"$1/report.log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' >"$1/report"
	grep -qx 'uap-bench end' "$1/report"
}

# bench_boot DIR RUNNER [APPEND...]: boots BENCH_IMAGE as RUNNER with
# bench-init.sh as init, once more if TCG's int3 trap killed the boot
# (tcg_text_poke_trap); fails unless the guest wrote a whole report.
bench_boot() {
	local dir=$1 runner=$2
	shift 2
	set -- init=/usr/local/lib/uap-test/bench-init.sh "uap_bench.runner=$runner" "$@"
	qemu_boot "$dir" "$BENCH_KERNEL" "$BENCH_INITRD" "$BENCH_IMAGE" "$@" || return 1
	if ! bench_report "$dir" && tcg_text_poke_trap "$dir"; then
		note "$(basename "$dir"): int3 trap in text being patched (TCG), booting again"
		echo "$dir" >>"$(dirname "$dir")/int3-retries"
		qemu_boot "$dir" "$BENCH_KERNEL" "$BENCH_INITRD" "$BENCH_IMAGE" "$@" || return 1
	fi
	bench_report "$dir"
}
