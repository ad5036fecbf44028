#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The SMP lane: boot the x86_64 debug kernel (build.sh with UAP_KARCH=x86_64:
# KASAN, lockdep, DEBUG_KOBJECT_RELEASE) under qemu-system-x86_64 -smp 4
# (TCG) with a busybox initramfs holding the modules and the test scripts,
# and run the named phases inside, in one boot:
#
#   qemu-smp.sh [-k 'kernel args'] [-t timeout_s] [-d disks] phase...
#
# phases: kunit (kunit-modules.sh), probe-domain, stress, ahci-bench,
# async-driver-probe, rfc-ahci; -d
# attaches that many disks to q35's AHCI controller. A -k word NAME=value
# without a dot reaches the phases as an environment variable. The console
# goes to stdout and $run/console.log. Exit: 0 when every phase passed;
# 1 when one failed; 124 on timeout; 125 when the kernel reported a
# problem (WARNING, BUG, KASAN, lockdep, ...) or the guest did not finish.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

kargs="" timeout_s=1800 ndisks=0
while getopts k:t:d: opt; do
	case $opt in
	k) kargs=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	d) ndisks=$OPTARG ;;
	*) die "usage: $0 [-k 'kernel args'] [-t timeout_s] [-d disks] phase..." ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || die "usage: $0 [-k 'kernel args'] [-t timeout_s] [-d disks] phase..."
[ "$ndisks" -le 6 ] || die "q35's AHCI controller has 6 ports"

paths=$(UAP_KARCH=x86_64 "$KTEST_DIR/build.sh" --print-paths) || die "kernel build failed"
eval "$paths"
busybox=$(command -v busybox) || die "busybox missing (test/kernel/ci-prepare.sh installs busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$busybox" 2>&1 | grep -q 'not a dynamic' || die "$busybox is not static (busybox-static)"

mkdir -p "$UAP_CACHE/runs"
run=$(mktemp -d "$UAP_CACHE/runs/x86.XXXXXX")
ls -1dt "$UAP_CACHE"/runs/x86.*/ | tail -n +6 | xargs -r rm -rf

# The initramfs: busybox, /init, the scripts, the module tree.
root=$run/root
mkdir -p "$root"/{bin,dev,tests,lib/modules}
cp "$busybox" "$root/bin/busybox"
cp "$KTEST_DIR/x86-init.sh" "$root/init"
chmod +x "$root/init"
for phase in "$@"; do
	case $phase in
	kunit) cp "$KTEST_DIR/kunit-modules.sh" "$root/tests/kunit.sh" ;;
	probe-domain) cp "$KTEST_DIR/probe-domain-test.sh" "$root/tests/probe-domain.sh" ;;
	stress) cp "$KTEST_DIR/stress-test.sh" "$root/tests/stress.sh" ;;
	ahci-bench) cp "$KTEST_DIR/ahci-bench.sh" "$root/tests/ahci-bench.sh" ;;
	async-driver-probe) cp "$KTEST_DIR/async-driver-probe.sh" "$root/tests/async-driver-probe.sh" ;;
	rfc-ahci) cp "$KTEST_DIR/rfc-ahci.sh" "$root/tests/rfc-ahci.sh" ;;
	*) die "unknown phase $phase" ;;
	esac
done
cp -a "$UAP_MODDIR" "$root/lib/modules/"
mknod "$root/dev/console" c 5 1
(cd "$root" && find . | cpio -o -H newc --quiet) >"$run/initramfs.cpio"
rm -rf "$root"

drives=()
for ((i = 0; i < ndisks; i++)); do
	truncate -s 64M "$run/disk$i.img"
	drives+=(-drive "if=none,id=d$i,file=$run/disk$i.img,format=raw"
		 -device "ide-hd,drive=d$i,bus=ide.$i")
done

echo "qemu-smp: booting $UAP_KERNEL, -smp 4 (run dir $run)"
rc=0 t0=$(date +%s)
# loglevel=5: warnings and worse on the console (the kobject release
# messages of DEBUG_KOBJECT_RELEASE are info); x86-init.sh greps dmesg for
# the rest at the end.
timeout -k 10 "$timeout_s" qemu-system-x86_64 -machine q35 -accel tcg -smp 4 -m 2048 \
	-nographic -no-reboot -kernel "$UAP_KERNEL" -initrd "$run/initramfs.cpio" \
	"${drives[@]}" \
	-append "console=ttyS0 loglevel=5 log_buf_len=16M panic=-1 UAP_TESTS=\"$*\" $kargs" \
	</dev/null 2>&1 | tee "$run/console.log" || rc=$?
rm -f "$run"/disk*.img
echo "qemu-smp: qemu ran $(( $(date +%s) - t0 )) s"

if [ "$rc" = 124 ]; then
	echo "qemu-smp: FAIL: timed out after ${timeout_s}s"
	exit 124
fi
if grep -nE '(WARNING:|BUG:|Oops|Kernel panic|general protection fault|Call Trace|KASAN|circular locking|inconsistent lock state|UAP-DMESG)' \
	"$run/console.log"; then
	echo "qemu-smp: FAIL: kernel reported a problem (above)"
	exit 125
fi
if ! grep -q '^UAP-DONE' "$run/console.log"; then
	echo "qemu-smp: FAIL: the guest did not finish (qemu exit $rc)"
	exit 125
fi
status=0
for phase in "$@"; do
	s=$(sed -n "s/^UAP-STATUS $phase \([0-9]*\).*/\1/p" "$run/console.log" | tr -d '\r')
	echo "qemu-smp: phase $phase exited ${s:-?}"
	[ "${s:-1}" = 0 ] || status=1
done
exit "$status"
