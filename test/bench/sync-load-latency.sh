#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Synchronous load latency of an empty module (uap_empty) while another
# module's async probes (uap_slow async_probe=1, 4 devices) of 1, 3 and
# 10 s are in flight: the patched kernel (kernel-patch/series) against
# the same series without the async probe domain patch. Both kernels
# come from test/kernel/build.sh, each in its own cache dir (the
# unpatched one through UAP_SERIES). Prints one table with the ratios
# measured in this run.
#
#   sync-load-latency.sh [SECONDS...]      (default: 1 3 10)
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../kernel/lib.sh"
delays=${*:-1 3 10}
NDEVS=4

check_cache_dir
unpatched=$(unpatched_series)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs inside UML: one baseline load with nothing in flight, then one load
# per delay while NDEVS probes of that length run.
cat >"$work/inner.sh" <<EOF
#!/bin/sh
now_ms() { echo \$((\$(date +%s%N) / 1000000)); }
in_flight() { cat /sys/bus/uaptest/drivers/uap_slow/in_flight 2>/dev/null || echo 0; }
wait_in_flight() {
	i=0
	while [ "\$(in_flight)" -ne "\$1" ] && [ \$i -lt 300 ]; do sleep 0.05; i=\$((i + 1)); done
	[ "\$(in_flight)" -eq "\$1" ]
}
modprobe uap_bus ndevs=$NDEVS || exit 1
t0=\$(now_ms); modprobe uap_empty; t1=\$(now_ms); rmmod uap_empty
echo "RESULT delay=0 ms=\$((t1 - t0)) left=0"
for d in $delays; do
	modprobe uap_slow async_probe=1 delay_ms=\$((d * 1000))
	wait_in_flight $NDEVS || { echo "probes did not start"; exit 1; }
	t0=\$(now_ms); modprobe uap_empty; t1=\$(now_ms)
	echo "RESULT delay=\$d ms=\$((t1 - t0)) left=\$(in_flight)"
	wait_in_flight 0
	rmmod uap_empty uap_slow
done
rmmod uap_bus
EOF

declare -A ms left
for kernel in patched unpatched; do
	series=$SERIES_FILE
	[ "$kernel" = patched ] || series=$unpatched
	t0=$(date +%s)
	UAP_SERIES=$series "$KTEST_DIR/build.sh" >"$work/build-$kernel.log" 2>&1 ||
		{ tail -n 30 "$work/build-$kernel.log" >&2; echo "sync-load-latency: $kernel build failed" >&2; exit 1; }
	echo "sync-load-latency: $kernel kernel ready in $(( $(date +%s) - t0 )) s" >&2
	out=$(UAP_SERIES=$series "$KTEST_DIR/uml-run.sh" -t 600 "$work/inner.sh" 2>&1) ||
		{ echo "$out" >&2; echo "sync-load-latency: $kernel run failed" >&2; exit 1; }
	while read -r _ d m l; do
		ms[$kernel.${d#delay=}]=${m#ms=}
		left[$kernel.${d#delay=}]=${l#left=}
	done < <(echo "$out" | grep -o 'RESULT .*')
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }'; }

echo
echo "Sync load latency: \`modprobe uap_empty\` (init returns 0) while $NDEVS probes of"
echo "uap_slow (loaded with async_probe=1) are running, ms; 'left' = probes still"
echo "running when it returned."
echo
echo "| async probes | unpatched ms | left | patched ms | left | unpatched / patched |"
echo "|---|---|---|---|---|---|"
for d in 0 $delays; do
	label="${d} s"
	[ "$d" = 0 ] && label="none"
	printf '| %s | %s | %s | %s | %s | %s |\n' "$label" \
		"${ms[unpatched.$d]}" "${left[unpatched.$d]}" \
		"${ms[patched.$d]}" "${left[patched.$d]}" \
		"$(ratio "${ms[unpatched.$d]}" "${ms[patched.$d]}")"
done
