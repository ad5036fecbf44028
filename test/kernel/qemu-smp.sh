#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The SMP lane: boot the x86_64 debug kernel (build.sh with UAP_KARCH=x86_64:
# KASAN, lockdep, DEBUG_KOBJECT_RELEASE) under qemu-system-x86_64 -smp 4
# (TCG) with a busybox initramfs holding the modules and the test scripts,
# and run the named phases inside, in one boot (or more, with "+"):
#
#   qemu-smp.sh [-k 'kernel args'] [-t timeout_s] [-d disks] [-n] phase... [+ phase...]
#
# phases: kunit (kunit-modules.sh), probe-domain, stress, ahci-bench,
# async-driver-probe, rfc-ahci, numa-count, ahci-unload; -d
# attaches that many disks to q35's AHCI controller. -n boots two NUMA
# nodes (CPUs 0-1 and 1 GB on node 0, CPUs 2-3 and 1 GB on node 1) and
# attaches the disks to an ich9-ahci controller behind a PCIe expander
# bridge of node 1 (pxb-pcie, numa_node=1) and a root port instead: q35's
# root bus gives its devices no node, the built-in controller stays there
# without disks. The guest's probes of that controller then run through
# pci_call_probe()'s work item on a CPU of node 1. A -k word NAME=value
# without a dot reaches the phases as an environment variable. A "+"
# starts another boot for the phases after it (timeout_s covers them all).
# The console goes to stdout and $run/console.log. Exit: 0 when every
# phase passed; 1 when one failed; 124 on timeout; 125 when the kernel
# reported a problem (WARNING, BUG, KASAN, lockdep, ...) or the guest did not finish.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

usage="usage: $0 [-k 'kernel args'] [-t timeout_s] [-d disks] [-n] phase... [+ phase...]"
kargs="" timeout_s=1800 ndisks=0 numa=false
while getopts k:t:d:n opt; do
	case $opt in
	k) kargs=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	d) ndisks=$OPTARG ;;
	n) numa=true ;;
	*) die "$usage" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || die "$usage"
[ "$ndisks" -le 6 ] || die "an AHCI controller has 6 ports"

# UAP_KPATHS: a file holding what "build.sh --print-paths" printed for a
# kernel already built, to boot it while another kernel builds (build.sh
# waits for the build lock even to reuse a kernel).
if [ -n "${UAP_KPATHS:-}" ]; then
	paths=$(cat "$UAP_KPATHS") || die "cannot read $UAP_KPATHS"
else
	paths=$(UAP_KARCH=x86_64 "$KTEST_DIR/build.sh" --print-paths) || die "kernel build failed"
fi
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
cp "$KTEST_DIR/ahci-guest.sh" "$root/tests/"
chmod +x "$root/init"
for phase in "$@"; do
	case $phase in
	+) ;;
	kunit) cp "$KTEST_DIR/kunit-modules.sh" "$root/tests/kunit.sh" ;;
	probe-domain) cp "$KTEST_DIR/probe-domain-test.sh" "$root/tests/probe-domain.sh" ;;
	stress) cp "$KTEST_DIR/stress-test.sh" "$root/tests/stress.sh" ;;
	ahci-bench) cp "$KTEST_DIR/ahci-bench.sh" "$root/tests/ahci-bench.sh" ;;
	async-driver-probe) cp "$KTEST_DIR/async-driver-probe.sh" "$root/tests/async-driver-probe.sh" ;;
	rfc-ahci) cp "$KTEST_DIR/rfc-ahci.sh" "$root/tests/rfc-ahci.sh" ;;
	ahci-unload) cp "$KTEST_DIR/ahci-unload.sh" "$root/tests/ahci-unload.sh" ;;
	numa-count)
		$numa || die "phase numa-count needs -n"
		cp "$KTEST_DIR/numa-count.sh" "$root/tests/numa-count.sh" ;;
	*) die "unknown phase $phase" ;;
	esac
done
cp -a "$UAP_MODDIR" "$root/lib/modules/"
mknod "$root/dev/console" c 5 1
(cd "$root" && find . | cpio -o -H newc --quiet) >"$run/initramfs.cpio"
rm -rf "$root"

machine=(-smp 4 -m 2048)
ahci=ide
if $numa; then
	# Memory backends for the nodes (qemu 7.2's q35 takes no -numa mem=).
	machine=(-smp 4 -m 2048
		 -object memory-backend-ram,id=mem0,size=1G
		 -object memory-backend-ram,id=mem1,size=1G
		 -numa node,nodeid=0,cpus=0-1,memdev=mem0
		 -numa node,nodeid=1,cpus=2-3,memdev=mem1
		 -device pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0
		 -device pcie-root-port,id=rp1,bus=pxb1,chassis=1,slot=1
		 -device ich9-ahci,id=ahci1,bus=rp1)
	ahci=ahci1
fi
drives=()
for ((i = 0; i < ndisks; i++)); do
	truncate -s 64M "$run/disk$i.img"
	drives+=(-drive "if=none,id=d$i,file=$run/disk$i.img,format=raw"
		 -device "ide-hd,drive=d$i,bus=$ahci.$i")
done

# The phases in boots: a "+" between two phases boots the kernel again
# (with the same disks) for the ones after it, for phases that need
# modules loaded in an order an earlier phase already used.
boots=() cur=""
for phase in "$@"; do
	if [ "$phase" = + ]; then
		boots+=("$cur") cur=""
	else
		cur="$cur${cur:+ }$phase"
	fi
done
boots+=("$cur")
phases=$(echo "${boots[*]}")

rc=0 t0=$(date +%s) n=0
: >"$run/console.log"
for tests in "${boots[@]}"; do
	left=$((timeout_s - ($(date +%s) - t0)))
	[ "$left" -gt 0 ] || { rc=124; break; }
	n=$((n + 1))
	echo "qemu-smp: boot $n of ${#boots[@]}: $UAP_KERNEL, -smp 4$($numa && echo ', 2 NUMA nodes'), phases: $tests (run dir $run)"
	# loglevel=5: warnings and worse on the console (the kobject release
	# messages of DEBUG_KOBJECT_RELEASE are info); x86-init.sh greps dmesg
	# for the rest at the end.
	timeout -k 10 "$left" qemu-system-x86_64 -machine q35 -accel tcg "${machine[@]}" \
		-nographic -no-reboot -kernel "$UAP_KERNEL" -initrd "$run/initramfs.cpio" \
		"${drives[@]}" \
		-append "console=ttyS0 loglevel=5 log_buf_len=16M panic=-1 UAP_TESTS=\"$tests\" $kargs" \
		</dev/null 2>&1 | tee -a "$run/console.log" || rc=$?
	[ "$rc" = 0 ] || break
done
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
if [ "$(grep -c '^UAP-DONE' "$run/console.log")" -ne "${#boots[@]}" ]; then
	echo "qemu-smp: FAIL: the guest did not finish (qemu exit $rc)"
	exit 125
fi
status=0
for phase in $phases; do
	s=$(sed -n "s/^UAP-STATUS $phase \([0-9]*\).*/\1/p" "$run/console.log" | tr -d '\r')
	echo "qemu-smp: phase $phase exited ${s:-?}"
	[ "${s:-1}" = 0 ] || status=1
done
exit "$status"
