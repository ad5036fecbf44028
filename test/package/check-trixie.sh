#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package on trixie (TAP): the same debian/ as bookworm's,
# built with dpkg-buildpackage -us -uc in a debootstrapped trixie root
# (test/debian-suite.sh's suite_root, cached) with debian/control's
# Build-Depends as trixie resolves them (systemd-dev), then trixie's
# lintian on the result, its DEP17 layout (nothing under /lib), and its
# autopkgtest (debian/tests) in a trixie testbed.
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
no_dracut() { ! grep -q dracut <<<"$list"; }
check "no dracut module in $pkg (it has a package of its own)" no_dracut

# The dracut module's package.
ddeb=$(dirname "$deb")/${pkg}-dracut_$(dpkg-deb -f "$deb" Version)_all.deb
if [ -f "$ddeb" ]; then
	dlist=$(dpkg-deb -c "$ddeb" | awk '{ p = $6; sub(/^\./, "", p); print $1 " " p }')
	tap_note "$(basename "$ddeb"):" "$dlist" "Depends: $(dpkg-deb -f "$ddeb" Depends)"
	mod=/usr/lib/dracut/modules.d/96$pkg
	dracut_files() {
		grep -qx -- "-rwxr-xr-x $mod/module-setup.sh" <<<"$dlist" &&
			grep -qx -- "-rwxr-xr-x $mod/initrd-settle.sh" <<<"$dlist" &&
			grep -qx -- "-rwxr-xr-x $mod/udev-async-probe-settled.sh" <<<"$dlist" &&
			grep -qx -- "-rw-r--r-- $mod/udev-async-probe-initrd-settle.service" <<<"$dlist"
	}
	check "$(basename "$ddeb"): the module in $mod" dracut_files
	only_module() {
		local path
		while read -r _ path; do
			case "$path" in
			/ | /usr/ | /usr/lib/ | /usr/share/ | /usr/share/doc/ | /usr/lib/dracut/* | "/usr/share/doc/$pkg-dracut/"*) ;;
			*) echo "has $path"; return 1 ;;
			esac
		done <<<"$dlist"
	}
	check "$(basename "$ddeb"): nothing but the module and its docs" only_module
	depends() { dpkg-deb -f "$ddeb" Depends | grep -q "dracut-core" && dpkg-deb -f "$ddeb" Depends | grep -q "$pkg (>= "; }
	check "$(basename "$ddeb"): depends on dracut-core and $pkg" depends
	trig() { dpkg-deb --ctrl-tarfile "$ddeb" | tar -xO ./triggers 2>/dev/null | grep -qx 'activate-noawait update-initramfs'; }
	check "$(basename "$ddeb"): activates update-initramfs (dracut's interest rebuilds the images)" trig
else
	tap_fail "the dracut module's package: $(basename "$ddeb")"
fi

# debian/tests, by autopkgtest's chroot backend on an overlay of the
# build root (no kernel there: explain, skippable, skips).
t0=$SECONDS
summary=$(bash "$UAP_TOP/test/package/autopkgtest-trixie.sh" "$root" "$out/autopkgtest" "$deb" "$ddeb")
rc=$?
tap_note "autopkgtest $(dpkg-query -W -f '${Version}' autopkgtest 2>/dev/null) -- chroot, trixie (exit $rc, $((SECONDS - t0)) s; log: $out/autopkgtest/log):" "$summary"
autopkgtest_ok() {
	grep -Eq '^smoke +PASS' <<<"$summary" && grep -Eq '^explain +(PASS|SKIP)' <<<"$summary" &&
		[ "$rc" -eq 0 -o "$rc" -eq 2 ]
}
check "autopkgtest in a trixie testbed: smoke passes, explain passes or skips (no kernel modules there)" autopkgtest_ok

[ "$TAP_FAILED" -eq 0 ] && rm -rf "$out/src"
tap_end
