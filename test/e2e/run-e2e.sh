#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End-to-end: each scenario of scenarios.sh that names RUNNER boots the
# patched UML kernel with the host's userspace, starts a real
# systemd-udevd, loads the test bus and checks the kernel's read-back.
# Prints TAP.
#
#   run-e2e.sh [-f EXTRA.sh] [-a FILE]... [-e VAR=VALUE]... [-k ARGS] BUILD_DIR RUNNER [SCENARIO...]
#
# -f adds a file of scenario functions (e.g. the benchmark's), -a a file
# the scenario uses, copied next to it into the run dir (the guest's
# working directory: the clone may be under /tmp, which UML hides), -e
# sets a variable for the scenario inside UML, -k adds kernel arguments
# to every scenario's.
set -eu -o pipefail
e2e=$(cd "$(dirname "$0")" && pwd)
kernel=$e2e/../kernel
. "$kernel/lib.sh"
. "$e2e/scenarios.sh"

extra= vars= more_kargs=
files=()
while getopts f:a:e:k: opt; do
	case $opt in
	f) extra=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
	a) files+=("$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG")") ;;
	e) vars="$vars ${OPTARG%%=*}='${OPTARG#*=}'" ;;
	k) more_kargs=$OPTARG ;;
	*) die "usage: $0 [-f extra.sh] [-a file]... [-e VAR=VALUE]... [-k ARGS] BUILD_DIR RUNNER [SCENARIO...]" ;;
	esac
done
shift $((OPTIND - 1))
build=$(cd "$1" && pwd) runner=$2
shift 2

case $runner in
program | stock) udevd=/lib/systemd/systemd-udevd ;;
builtin)
	udevd=$("$REPO_DIR/udev-builtin/systemd/build.sh" --print udevd) ||
		die "cannot build the patched systemd-udevd" ;;
*) die "unknown runner $runner" ;;
esac

"$kernel/build.sh" >&2 || die "UML kernel build failed"

# Install the project as a package would, outside /tmp (UML mounts a
# tmpfs there).
check_cache_dir
# A stage of its own: other runs may install theirs at the same time.
stage=$(mktemp -d "$UAP_CACHE/e2e-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage/root meson install -C "$build" --quiet >&2
for f in udev/udev-async-probe rules.d/80-async-probe.rules modprobe.d/00-udev-async-probe.conf \
	 system/udev-async-probe-rules-update.service; do
	found=$(find "$stage/root" -path "*/$f" -type f -print -quit)
	[ -n "$found" ] || die "meson install did not install $f"
	cp "$found" "$stage/"
done
cp "$build/test/integration/trap.so" "$stage/"

scenarios=$(echo "$E2E_TABLE" | awk -v r="$runner" \
	'NF >= 2 && $1 !~ /^#/ && index("," $2 ",", "," r ",") { print $1 }')
[ $# -eq 0 ] || scenarios=$*

n=0 failed=0
for s in $scenarios; do
	n=$((n + 1))
	kargs=$(echo "$E2E_TABLE" | awk -v s="$s" '$1 == s { print $3 }')
	[ "$kargs" != - ] || kargs=
	kargs="$kargs $more_kargs"
	script=$(mktemp)
	cat >"$script" <<-SH
	RUNNER=$runner SCENARIO=$s STAGE=$stage UDEVD=$udevd $vars
	. ./lib.sh
	. ./scenarios.sh
	${extra:+. ./$(basename "$extra")}
	install_project
	scenario_$(echo "$s" | tr - _)
	finish
	SH
	# udevd logs to /dev/kmsg: keep all of it (no ratelimit, big buffer).
	if "$kernel/uml-run.sh" -t 600 -k "printk.devkmsg=on log_buf_len=8M $kargs" "$script" \
		"$e2e/lib.sh" "$e2e/scenarios.sh" ${extra:+"$extra"} ${files[@]+"${files[@]}"} >"$script.log" 2>&1; then
		echo "ok $n - $runner/$s"
	else
		failed=$((failed + 1))
		echo "not ok $n - $runner/$s"
	fi
	grep -E '^(CHECK|# )' "$script.log" | sed 's/^/# /' || true
	grep -E '^uml-run: FAIL' "$script.log" | sed 's/^/# /' || true
	[ -z "${E2E_KEEP:-}" ] || cp "$script.log" "$E2E_KEEP/$s.log"
	rm -f "$script" "$script.log"
done
echo "1..$n"
[ $failed -eq 0 ]
