#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Real drivers whose probe is slow, on Debian's own 6.12 kernel under qemu
# (TCG, 2 vCPUs, the qemu lane's machine and root): N emulated adapters
# added to the machine, stock udev vs the program vs the in-udevd builtin
# (qemu-bench-lib.sh says what each runner is). docs/benchmarks.md says
# which devices, which drivers and why their probes are slow.
#
#   qemu-slow.sh BUILDDIR
#
# Environment:
#   COUNTS   the N to boot with (default "0 1 4 8")
#   BOOTS    boots per N and runner (default 3), alternating between runners
#   RUNNERS  default "stock program builtin"; stock is the reference
#   DEVICE   the qemu device added N times: am53c974 (default; driver
#            am53c974, a 3 s sleep in its probe) or e1000 (driver e1000, a
#            busy-wait; the machine has one e1000 already)
#   SMOKE    1: a test (TAP) instead of the table: every device stock binds
#            is bound in the project's boots, and the N devices were bound
#
# Every boot runs guest/bench-init.sh as init with initcall_debug (the
# kernel logs each probe's length) and uap_bench.barrier (the project's
# runners run "udev-async-probe settle" after "udevadm settle"). Figures
# come from the kernel log (qemu-slow.py): per N and runner, ms after
# "udevadm trigger" until udevadm settle returned, until every PCI device
# that stock binds with the same N was bound, until udev-async-probe
# settle returned, and the devices still unbound when each returned;
# bound(N) - bound(0) per runner, against one probe (the longest on a
# stock boot of the run) and against stock; then the goals as PASS/MISS.
set -eu -o pipefail
here=$(dirname "$(readlink -f "$0")")
. "$here/qemu-bench-lib.sh"
build=$(cd "${1:?usage: qemu-slow.sh BUILDDIR}" && pwd)
counts=${COUNTS:-0 1 4 8}
boots=${BOOTS:-3}
runners=${RUNNERS:-stock program builtin}
device=${DEVICE:-am53c974}
smoke=${SMOKE:-}
work=$build/qemu-slow

case $device in
am53c974) driver=am53c974 ;;
e1000) driver=e1000 ;;
*) die "DEVICE: am53c974 or e1000" ;;
esac
case " $runners " in *" stock "*) ;; *) die "RUNNERS must include stock, the reference" ;; esac
if [ -n "$smoke" ]; then
	[ "$(wc -w <<<"$counts")" -eq 1 ] || die "SMOKE: one N in COUNTS"
else
	# N=0 is the baseline of "added".
	case " $counts " in *" 0 "*) ;; *) die "COUNTS must include 0, the baseline" ;; esac
fi

# One image for every series; the boots of a series in a directory of
# their own, so a run of one device (or the smoke test) keeps the logs
# of the other.
runs=$work/$device${smoke:+-smoke}
mkdir -p "$work"
bench_clean "$runs"
# shellcheck disable=SC2086
bench_image "$build" "$work" $runners

machine=("${QEMU_DEVICES[@]}")
: >"$runs/boots"
for i in $(seq 1 "$boots"); do
	for n in $counts; do
		for r in $runners; do
			QEMU_DEVICES=("${machine[@]}")
			for _ in $(seq 1 "$n"); do
				QEMU_DEVICES+=(-device "$device")
			done
			d=$runs/$n-$r-$i
			s=$SECONDS
			if bench_boot "$d" "$r" initcall_debug uap_bench.barrier; then
				echo "$n $r $d/report" >>"$runs/boots"
				note "N=$n $r boot $i ($((SECONDS - s)) s): $(python3 "$here/qemu-slow.py" boot "$d/report" "$driver")"
			else
				echo "$n $r -" >>"$runs/boots"
				note "N=$n $r boot $i: no report ($((SECONDS - s)) s, see $d/console.log)"
			fi
		done
	done
done
QEMU_DEVICES=("${machine[@]}")

retries=0
[ ! -f "$runs/int3-retries" ] || retries=$(wc -l <"$runs/int3-retries")
if [ -n "$smoke" ]; then
	python3 "$here/qemu-slow.py" table "$runs/boots" "$device" "$driver" | sed 's/^/# /' ||
		echo "# no table"
	[ "$retries" -eq 0 ] || echo "# $retries boot(s) booted again after TCG's int3 trap"
	exec python3 "$here/qemu-slow.py" smoke "$runs/boots" "$device" "$driver" "$counts"
fi
python3 "$here/qemu-slow.py" table "$runs/boots" "$device" "$driver"
[ "$retries" -eq 0 ] || echo "$retries boot(s) booted again after TCG's int3 trap (tcg_text_poke_trap)"
