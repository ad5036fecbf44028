#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package on trixie (TAP): the same debian/ as bookworm's,
# built with dpkg-buildpackage -us -uc in a debootstrapped trixie root
# (test/debian-suite.sh's suite_root, cached) with debian/control's
# Build-Depends as trixie resolves them (systemd-dev), then trixie's
# lintian on the result, and its DEP17 layout (nothing under /lib).
#
#   check-trixie.sh BUILDDIR
set -u
. "$(dirname "$(readlink -f "$0")")/../qemu/lib.sh"
build=$(cd "${1:?usage: check-trixie.sh BUILDDIR}" && pwd)
out=$build/deb-trixie
pkg=udev-async-probe

# build-essential and debian/control's Build-Depends, lintian
# (TRIXIE_BUILD_PACKAGES, test/qemu/lib.sh: the qemu lane's trixie boots
# install the .deb built here).
t0=$SECONDS
if ! root=$(suite_root trixie "${TRIXIE_BUILD_PACKAGES[@]}"); then
	tap_fail "a trixie root with the build dependencies and lintian"
	tap_end
	exit 1
fi
tap_ok "the trixie root: $(basename "$root") ($((SECONDS - t0)) s)"
check "the trixie root's Build-Depends are satisfied (dpkg-checkbuilddeps)" \
	suite_chroot --bind "$UAP_TOP/debian" /tmp/src/debian "$root" sh -c 'cd /tmp/src && dpkg-checkbuilddeps'

t0=$SECONDS
if ! deb=$(bash "$UAP_TOP/test/package/build-deb.sh" "$out" "$root"); then
	tap_fail "dpkg-buildpackage -us -uc in trixie (log: $out/build.log)"
	tap_end
	exit 1
fi
tap_ok "dpkg-buildpackage -us -uc in trixie: $(basename "$deb") ($((SECONDS - t0)) s)"
check "built against trixie's systemd-dev" grep -q 'systemd-dev' "$out"/*.buildinfo

t0=$SECONDS
lint=$(suite_chroot --bind "$out" /tmp/build "$root" \
	sh -c 'lintian --profile debian --pedantic --display-info --show-overrides /tmp/build/*.changes; echo "exit $?"' 2>&1)
rc=$(sed -n 's/^exit //p' <<<"$lint" | tail -n 1)
lint=$(grep -v -e '^running with root privileges' -e '^exit [0-9]*$' <<<"$lint")
version=$(suite_chroot "$root" lintian --version 2>/dev/null)
tap_note "trixie's $version --profile debian --pedantic --display-info --show-overrides ($((SECONDS - t0)) s):" \
	"${lint:-(nothing)}"
check "trixie's lintian: no error or warning, every override matches (exit $rc)" \
	test "$rc" != 1 -a -z "$(grep -E '^[EW]: |(mismatched|unused)-override' <<<"$lint")"

# DEP17: on trixie everything is under /usr.
list=$(dpkg-deb -c "$deb" | awk '{ p = $6; sub(/^\./, "", p); if ($7 == "->") p = p " -> " $8; print p }')
tap_note "files:" "$list"
has() { grep -qxF -- "$1" <<<"$list"; }
toplevel=$(grep -vE '^/(usr/.*)?$' <<<"$list")
check "nothing outside /usr (DEP17)${toplevel:+ (has: $(xargs <<<"$toplevel"))}" [ -z "$toplevel" ]
program() { has "/usr/lib/udev/$pkg" && has "/usr/sbin/$pkg -> ../lib/udev/$pkg"; }
check "the program in /usr/lib/udev, the command on PATH a relative link to it" program
rules_units() { has /usr/lib/udev/rules.d/80-async-probe.rules && has "/usr/lib/systemd/system/$pkg-rules.service"; }
check "the rules in /usr/lib/udev/rules.d, the units in /usr/lib/systemd/system" rules_units
check "the initramfs-tools hook in /usr/share/initramfs-tools" has "/usr/share/initramfs-tools/hooks/$pkg"

[ "$TAP_FAILED" -eq 0 ] && rm -rf "$out/src"
tap_end
