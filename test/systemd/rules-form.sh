#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "udev-async-probe rules" against real udevd binaries: the builtin form
# for the udevd of the 252 backport (build.sh), the program form for the
# same tree built without it (build.sh --stock) and for Debian's own.
# TAP on stdout.
#
#   rules-form.sh PROGRAM
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../udev-builtin/systemd/lib.sh"
prog=${1:?usage: rules-form.sh PROGRAM}

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }

patched=$("$SD_DIR/build.sh" --print udevd) || die "the patched udevd does not build"
stock=$("$SD_DIR/build.sh" --stock --print udevd) || die "the stock udevd does not build"
debian=
for u in /usr/lib/systemd/systemd-udevd /lib/systemd/systemd-udevd; do
	[ -e "$u" ] && debian=$u && break
done

conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
echo 'options udev_async_probe buses=pci' >"$conf"

# form UDEVD WANT WHAT
form() {
	local out got
	if ! out=$("$prog" -C "$conf" rules --udevd="$1" 2>&1); then
		not_ok "$3: rules failed: $out"
		return
	fi
	got=$(sed -n 's/^# Form: \([a-z]*\)\..*/\1/p' <<<"$out")
	case $2 in
	builtin) grep -qxF 'SUBSYSTEM=="pci", RUN{builtin}+="kmod load --async-probe", ENV{UDEV_ASYNC_PROBE_REQUESTED}="1"' <<<"$out" ;;
	program) grep -qxF 'SUBSYSTEM=="pci", RUN{program}+="udev-async-probe load", ENV{UDEV_ASYNC_PROBE_REQUESTED}="1"' <<<"$out" ;;
	esac && [ "$got" = "$2" ] && ok "$3: the $2 form" ||
		{ not_ok "$3: the form is ${got:-none}, expected $2"; sed 's/^/# /' <<<"$out"; }
}

form "$patched" builtin "the 252 backport's udevd ($patched)"
form "$stock" program "the same tree without it ($stock)"
if [ -n "$debian" ]; then
	form "$debian" program "Debian's udevd ($debian)"
else
	n=$((n + 1)); echo "ok $n # SKIP no systemd-udevd installed"
fi
echo "1..$n"
exit $failed
