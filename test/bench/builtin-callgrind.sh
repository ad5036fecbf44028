#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Instructions per modalias event (valgrind --tool=callgrind), in one run:
#
#   stock builtin    Debian's /bin/udevadm test-builtin "kmod load" SYSPATH
#   stock (src)      the same source built by build.sh --stock, same flags
#                    as the patched one (like-for-like baseline)
#   patched builtin  build.sh's udevadm with the 252 backport, as
#                    test-builtin "kmod load --async-probe" SYSPATH
#   RUN program      udev-async-probe load, with the event's environment
#   modprobe -b      modprobe -b MODALIAS
#
# all on one module tree: the fixture tree plus a module aliased to a real
# PCI device of this host (test/systemd/hostfix.py), mounted as this
# kernel's /lib/modules in a private mount namespace with the shipped
# modprobe.d config (buses=pci: the program decides async; the patched
# builtin is told so by --async-probe, as a generated rule would),
# and a lean insert trap (insert-trap.c) in place of finit_module.
# Each figure is the median of RUNS (default 5) runs: systemd's hashmaps
# are seeded randomly, which moves a count by a percent or two.
#
# Two measures: "whole process" (what a RUN program or modprobe costs per
# event), and for the builtins the inclusive cost of builtin_kmod() alone
# (callgrind --toggle-collect), which is what udevd pays per event: the
# libkmod context and the config are loaded once, at init. Debian's binary
# is stripped, so it has only the whole-process figure. Builtins run at
# udevd's default log level (info), the others at their defaults.
#
#   builtin-callgrind.sh [PROGRAM]   (default: build/udev-builtin/udev-async-probe)
# Needs root (mount namespace); builds the two udevadm variants if needed.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../udev-builtin/systemd/lib.sh"

program=$(readlink -f "${1:-$REPO_DIR/build/udev-builtin/udev-async-probe}")
[ -x "$program" ] || die "no program at $program (meson compile -C build, or pass its path)"
[ "$(id -u)" -eq 0 ] || die "needs root (mount namespace)"
command -v valgrind >/dev/null || die "needs valgrind"
modprobe=$(command -v modprobe || echo /sbin/modprobe)
stock_deb=/bin/udevadm

patched=$("$SD_DIR/build.sh" --print udevadm)
stock_src=$("$SD_DIR/build.sh" --stock --print udevadm)

T=$(mktemp -d "${TMPDIR:-/tmp}/uap-bench.XXXXXX")
[ -n "${UAP_BENCH_KEEP:-}" ] && echo "keeping $T" >&2 || trap 'rm -rf "$T"' EXIT
${CC:-cc} -D_GNU_SOURCE -shared -fPIC -O2 -o "$T/trap.so" "$here/insert-trap.c" -ldl
eval "$(python3 "$REPO_DIR/test/systemd/hostfix.py" "$T/tree")"
[ -n "$PCI_SYSPATH" ] || die "this machine has no PCI device with a modalias"

cat >"$T/inner.sh" <<'EOF'
set -eu -o pipefail
mount -t tmpfs -o mode=0755 tmpfs /lib/modules
mkdir "/lib/modules/$HOST_KREL"
mount --bind "$T/tree/lib/modules/$HOST_KREL" "/lib/modules/$HOST_KREL"
for d in /etc/modprobe.d /usr/local/lib/modprobe.d /lib/modprobe.d; do
	[ -d "$d" ] && mount -t tmpfs tmpfs "$d"
done
cp "$REPO_DIR"/modprobe-d/*.conf /etc/modprobe.d/
echo "root=/dev/vda" >"$T/cmdline"
mount --bind "$T/cmdline" /proc/cmdline
mount -t tmpfs tmpfs /run
# A udev db entry, as a device that udev has seen has: sd-device then reads
# the db once (for MODALIAS) instead of retrying the missing file on every
# property lookup. In udevd the event's device comes sealed from the uevent
# and reads no db at all.
mkdir -p /run/udev/data
echo "E:UAP_BENCH=1" >"/run/udev/data/+$PCI_SUBSYSTEM:${PCI_SYSPATH##*/}"

# count NAME TOGGLE [VAR=value...] -- CMD...: one callgrind run of CMD with
# the variables set; prints the instruction count and the trap's inserts.
count() {
	local name=$1 toggle=$2 vars=() i counts=() nets=() total prep; shift 2
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	for i in $(seq "$RUNS"); do
		rm -f "$T/inserts" "$T/cg.$name".*
		# The program inserts in a child: dumping before fork() leaves the
		# child with only its own work, so the files add up to the whole.
		env "${vars[@]}" valgrind --tool=callgrind --callgrind-out-file="$T/cg.$name.%p" \
			--dump-before=fork ${toggle:+--toggle-collect=$toggle} "$@" >"$T/log.$name" 2>&1 ||
			{ cat "$T/log.$name" >&2; return 1; }
		total=$(cat "$T/cg.$name".* | sed -n 's/^totals: //p' | awk '{ s += $1 } END { print s + 0 }')
		# Not the loader's per-event cost: sd-device's lazy reading of
		# uevent, db and subsystem link, which udevd's event device (sealed,
		# from the uevent) never does, and the trap's bookkeeping.
		prep=$(for f in "$T/cg.$name".*; do
			callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null; done |
		       sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%)  [^=]*\(sd-device\.c:device_properties_prepare\|:trap_record\) .*/\1/p' |
		       tr -d , | awk '{ s += $1 } END { print s + 0 }')
		counts+=("$total")
		nets+=("$(( total - ${prep:-0} ))")
	done
	echo "$name $(median "${counts[@]}") $(median "${nets[@]}")" \
		"$(tr '\n' ',' <"$T/inserts" 2>/dev/null | sed 's/,$//')"
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
export LD_PRELOAD=$T/trap.so TRAP_LOG=$T/inserts
kmod_load=(test-builtin "kmod load" "$PCI_SYSPATH")
kmod_load_async=(test-builtin "kmod load --async-probe" "$PCI_SYSPATH")
# udevd's default log level: the debug lines are not even formatted.
count stock_deb "" SYSTEMD_LOG_LEVEL=info -- "$STOCK_DEB" "${kmod_load[@]}"
count stock_src "" SYSTEMD_LOG_LEVEL=info -- "$STOCK_SRC" "${kmod_load[@]}"
count patched "" SYSTEMD_LOG_LEVEL=info -- "$PATCHED" "${kmod_load_async[@]}"
# Per event: symbols bound at startup, as in a udevd worker after its first
# event (lazy PLT binding is a once-per-process cost).
count stock_src_cmd builtin_kmod SYSTEMD_LOG_LEVEL=info LD_BIND_NOW=1 -- "$STOCK_SRC" "${kmod_load[@]}"
count patched_cmd builtin_kmod SYSTEMD_LOG_LEVEL=info LD_BIND_NOW=1 -- "$PATCHED" "${kmod_load_async[@]}"
if [ -n "$PCI2_SYSPATH" ]; then
	count stock_deps_cmd builtin_kmod SYSTEMD_LOG_LEVEL=info LD_BIND_NOW=1 -- \
		"$STOCK_SRC" test-builtin "kmod load" "$PCI2_SYSPATH"
	count patched_deps_cmd builtin_kmod SYSTEMD_LOG_LEVEL=info LD_BIND_NOW=1 -- \
		"$PATCHED" test-builtin "kmod load --async-probe" "$PCI2_SYSPATH"
fi
count program "" ACTION=add SUBSYSTEM="$PCI_SUBSYSTEM" MODALIAS="$PCI_MODALIAS" \
	DEVPATH="${PCI_SYSPATH#/sys}" SYSTEMD_LOG_TARGET=console -- "$PROGRAM" load
count modprobe "" -- "$MODPROBE" -b "$PCI_MODALIAS"
EOF

export T REPO_DIR HOST_KREL RUNS=${RUNS:-5} PCI_SYSPATH PCI_SUBSYSTEM PCI_MODALIAS PCI2_SYSPATH
STOCK_DEB=$stock_deb PATCHED=$patched STOCK_SRC=$stock_src PROGRAM=$program MODPROBE=$modprobe \
	unshare -m --propagation private bash "$T/inner.sh" >"$T/counts"

declare -A n net inserts
while read -r name count netcount ins; do
	n[$name]=$count
	net[$name]=$netcount
	inserts[$name]=$ins
done <"$T/counts"

row() { printf '%-58s %12s  %s\n' "$@"; }

echo "device: $PCI_SYSPATH ($PCI_MODALIAS), module uap_hostpci, config buses=pci (the program's)"
echo
row "per event: builtin_kmod() inclusive, as udevd runs it [1]" "instructions" "ratio"
row "  stock builtin (252 source, same flags)" "${net[stock_src_cmd]}" "1.000 (${inserts[stock_src_cmd]})"
row "  patched builtin, kmod load --async-probe" "${net[patched_cmd]}" \
	"$(ratio "${net[patched_cmd]}" "${net[stock_src_cmd]}" 3) (${inserts[patched_cmd]})"
if [ -n "${net[stock_deps_cmd]:-}" ]; then
	row "  stock builtin, a module with two dependencies" "${net[stock_deps_cmd]}" \
		"1.000 (${inserts[stock_deps_cmd]})"
	row "  patched builtin, the same" "${net[patched_deps_cmd]}" \
		"$(ratio "${net[patched_deps_cmd]}" "${net[stock_deps_cmd]}" 3) (${inserts[patched_deps_cmd]})"
fi
row "  [1] not counted: sd-device's lazy db/uevent read and the trap; with them:" "" ""
row "      stock ${n[stock_src_cmd]}, patched ${n[patched_cmd]}" "" \
	"$(ratio "${n[patched_cmd]}" "${n[stock_src_cmd]}" 3)"
echo
row "whole process (fork+exec per event for RUN and modprobe)" "instructions" "ratio to stock Debian"
row "  stock Debian udevadm test-builtin \"kmod load\"" "${n[stock_deb]}" "1.000 (${inserts[stock_deb]})"
row "  stock udevadm from source" "${n[stock_src]}" "$(ratio "${n[stock_src]}" "${n[stock_deb]}" 3)"
row "  patched udevadm, kmod load --async-probe" "${n[patched]}" "$(ratio "${n[patched]}" "${n[stock_deb]}" 3)"
row "  udev-async-probe load (RUN)" "${n[program]}" \
	"$(ratio "${n[program]}" "${n[stock_deb]}" 3) (${inserts[program]})"
row "  modprobe -b MODALIAS" "${n[modprobe]}" \
	"$(ratio "${n[modprobe]}" "${n[stock_deb]}" 3) (${inserts[modprobe]})"
echo
row "patched builtin per event / stock builtin per event" "" \
	"$(ratio "${net[patched_cmd]}" "${net[stock_src_cmd]}" 3) (goal <= 1.05)"
row "RUN program / patched builtin per event" "" "$(ratio "${n[program]}" "${net[patched_cmd]}" 3)"
row "modprobe -b / patched builtin per event" "" "$(ratio "${n[modprobe]}" "${net[patched_cmd]}" 3)"
row "patched udevadm / stock udevadm from source (whole)" "" "$(ratio "${n[patched]}" "${n[stock_src]}" 3)"
if awk -v a="${net[patched_cmd]}" -v b="${net[stock_src_cmd]}" 'BEGIN { exit !(a <= 1.05 * b) }'; then
	echo "goal met: patched builtin <= 1.05 x stock per event"
else
	echo "goal NOT met for a module without dependencies: +$(( net[patched_cmd] - net[stock_src_cmd] ))" \
		"instructions per loaded module (option parsing, the module's options check, option string)"
fi
