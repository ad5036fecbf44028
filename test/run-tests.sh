#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite: install what is missing, then
#   1. gcc build: unit, fixture, valgrind and kernel (KUnit, UML) suites
#   2. ASan+UBSan build: unit and fixture suites
#   3. clang release build with -Werror, without the journal, and a DESTDIR install
# and print one "N passed, N failed" line over all of it.
set -eu
case "${1:-}" in
-h | --help)
	sed -n '3,6s/^# //p' "$0"
	echo "usage: sudo $0 (as root: installs packages, builds kernels, boots guests)"
	exit 0 ;;
"") ;;
*) echo "usage: sudo $0" >&2; exit 2 ;;
esac
cd "$(dirname "$(readlink -f "$0")")/.."
top=$PWD
out=${UAP_BUILD_ROOT:-$top/build-tests}

bash test/deps.sh

status=0
run() {
	echo "=== $*"
	"$@" || status=1
}

setup() {
	local dir=$1; shift
	rm -rf "$dir"
	meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	ninja -C "$dir"
}

mkdir -p "$out"
# -Werror here (the project's default is off, for distributions' builds).
run setup "$out/gcc" -Dwerror=true -Dkernel-tests=enabled -Dsystemd-builtin-tests=enabled -Dpackage-tests=enabled
run meson test -C "$out/gcc" --print-errorlogs

run setup "$out/asan" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dkernel-tests=disabled -Dpackage-tests=disabled
run meson test -C "$out/asan" --print-errorlogs --suite unit --suite integration

CC=clang run setup "$out/clang" -Dwerror=true --buildtype=release -Dkernel-tests=disabled -Djournal=false -Dpackage-tests=disabled
run env DESTDIR="$out/destdir" meson install -C "$out/clang" --quiet
for f in lib/udev/udev-async-probe lib/udev/rules.d/80-async-probe.rules \
	 usr/local/lib/modprobe.d/00-udev-async-probe.conf \
	 lib/systemd/system/udev-async-probe-rules.service lib/systemd/system/udev-async-probe-rules.path \
	 lib/systemd/system/udev-async-probe-settle.service lib/systemd/system/udev-async-probe-rules-update.service \
	 usr/local/share/man/man8/udev-async-probe.8 usr/local/share/man/man5/udev-async-probe.conf.5 \
	 usr/share/initramfs-tools/hooks/udev-async-probe \
	 usr/share/initramfs-tools/scripts/init-top/udev-async-probe \
	 usr/lib/dracut/modules.d/96udev-async-probe/module-setup.sh \
	 usr/lib/dracut/modules.d/96udev-async-probe/udev-async-probe-initrd-settle.service; do
	[ -e "$out/destdir/$f" ] || { echo "DESTDIR install lacks /$f"; status=1; }
done
[ "$(readlink "$out/destdir/usr/local/sbin/udev-async-probe")" = /lib/udev/udev-async-probe ] ||
	{ echo "DESTDIR install lacks the /usr/local/sbin/udev-async-probe link"; status=1; }
# The units' default dependencies name the standard targets, which a DESTDIR
# does not have: verify in a copy that adds the host systemd's own targets.
rm -rf "$out/verify-root"
cp -a "$out/destdir" "$out/verify-root"
cp -n /lib/systemd/system/*.target "$out/verify-root/lib/systemd/system/"
run systemd-analyze verify --root="$out/verify-root" --man=no \
	"$out"/verify-root/lib/systemd/system/udev-async-probe-*.service \
	"$out"/verify-root/lib/systemd/system/udev-async-probe-*.path

python3 - "$out" <<'PY'
import json, pathlib, sys
passed = failed = skipped = 0
for log in sorted(pathlib.Path(sys.argv[1]).glob("*/meson-logs/testlog.json")):
    for line in log.read_text().splitlines():
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
