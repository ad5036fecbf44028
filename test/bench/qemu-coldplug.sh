#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Coldplug on Debian's own 6.12 kernel with real drivers under qemu (TCG,
# 2 vCPUs, the qemu lane's hardware and root, test/qemu/lib.sh): stock
# udev vs udev-async-probe installed from its .deb vs the in-udevd
# builtin (udev-builtin/systemd, a patched systemd-udevd 252), all booting
# one image (qemu-bench-lib.sh says what each runner is). Each boot
# runs guest/bench-init.sh as init: the initramfs (stock, the same for
# all) has mounted the root; the script starts systemd-udevd, runs
# "udevadm trigger" (subsystems, devices) and "udevadm settle", and waits
# until every probe the kernel started asynchronously has ended. Boots
# alternate between runners; the table gives the median and the range
# over BOOTS boots of each, and the ratios of the medians.
#
#   qemu-coldplug.sh BUILDDIR      (BOOTS=3 RUNNERS="stock program builtin")
#
# RUNNERS may add "program-sync": the program's rules and a rule that
# sets ASYNC_PROBE=0 on every PCI device, so the program runs for the
# same events and decides for the same modules but loads all of them
# synchronously: the cost of the program apart from async probing.
#
# Times, in ms from the trigger: "settle" until udevadm settle returns;
# "bound" until the last driver bound (kernel log, dd.c dynamic debug:
# "bound to device" and "async attach completed" lines).
set -eu -o pipefail
. "$(dirname "$(readlink -f "$0")")/qemu-bench-lib.sh"
build=$(cd "${1:?usage: qemu-coldplug.sh BUILDDIR}" && pwd)
boots=${BOOTS:-3}
runners=${RUNNERS:-stock program builtin}
work=$build/qemu-bench

bench_clean "$work"
# shellcheck disable=SC2086
bench_image "$build" "$work" $runners

# bench_figures DIR: "settle bound" in ms after the trigger.
bench_figures() {
	local log=$1/report
	sed -n '/^dmesg-begin$/,/^dmesg-end$/p' "$log" | awk -v settle="$(awk '$1 == "settle_ms" { print $2 }' "$log")" '
		function ts(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line * 1000 }
		/uap-bench: trigger/ { t0 = ts($0); on = 1; next }
		on && (/driver_bound: bound to device$/ || / async attach completed: /) { last = ts($0) }
		END { printf "%d %d\n", settle, (last > t0 ? last - t0 : 0) }'
}

rm -f "$work/figures"
for i in $(seq 1 "$boots"); do
	for r in $runners; do
		d=$work/$r-$i
		s=$SECONDS
		bench_boot "$d" "$r" || die "boot $r $i failed (see $d/console.log)"
		f=$(bench_figures "$d")
		echo "$r $f" >>"$work/figures"
		note "$r boot $i: settle ${f% *} ms, bound ${f#* } ms ($((SECONDS - s)) s)"
	done
done

python3 - "$work/figures" "$boots" $runners <<'PY'
import statistics, sys
figures, boots, runners = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows = {r: ([], []) for r in runners}
for line in open(figures):
    r, settle, bound = line.split()
    rows[r][0].append(int(settle)); rows[r][1].append(int(bound))
med = {r: (statistics.median(s), statistics.median(b)) for r, (s, b) in rows.items()}
print(f"Coldplug on Debian 6.12 under qemu (TCG, 2 vCPUs), {boots} boots each; "
      "ms from udevadm trigger, median (min-max)")
print()
print("| runner | settle | bound | settle / stock | bound / stock |")
print("|---|---:|---:|---:|---:|")
for r in runners:
    s, b = rows[r]
    rs = med[r][0] / med["stock"][0] if "stock" in med else float("nan")
    rb = med[r][1] / med["stock"][1] if "stock" in med else float("nan")
    print(f"| {r} | {med[r][0]:.0f} ({min(s)}-{max(s)}) | {med[r][1]:.0f} ({min(b)}-{max(b)}) "
          f"| {rs:.2f} | {rb:.2f} |")
PY
