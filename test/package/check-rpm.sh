#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The RPM spec (TAP): rpmbuild --nodeps -bb of packaging/rpm/udev-async-probe.spec
# from the working tree, on this Debian host, with test/package/rpm-macros
# standing in for Fedora's meson and systemd macros (this proves the spec,
# not a Fedora build); then its file list, modes and scriptlets, as
# check-package.sh checks the .deb's.
#
#   check-rpm.sh BUILDDIR
set -u
. "$(dirname "$(readlink -f "$0")")/../qemu/lib.sh"
build=$(cd "${1:?usage: check-rpm.sh BUILDDIR}" && pwd)
pkg=udev-async-probe
spec=$UAP_TOP/packaging/rpm/$pkg.spec
top=$build/rpm
rm -rf "$top"
mkdir -p "$top"/{SOURCES,SPECS,BUILD,BUILDROOT,RPMS,SRPMS,src}

version=$(sed -n "s/^ *version : '\(.*\)',\$/\1/p" "$UAP_TOP/meson.build")
spec_version=$(awk '$1 == "Version:" { print $2 }' "$spec")
check "the spec's Version is the project's: $spec_version (meson.build: $version)" \
	[ -n "$version" -a "$spec_version" = "$version" ]

# Source0: the working tree as git sees it, committed or not (as
# build-deb.sh takes it), in NAME-VERSION/.
(cd "$UAP_TOP" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - --transform "s|^|$pkg-$version/|" -cf - | xz -T2 -1 >"$top/SOURCES/$pkg-$version.tar.xz")
cp "$spec" "$top/SPECS/"

t0=$SECONDS
# --nocheck: %check runs the unit and integration suites, which the Debian
# package's build (check-package.sh) and the other builds run already.
if rpmbuild --nodeps --nocheck -bb --define "_topdir $top" --load "$UAP_TOP/test/package/rpm-macros" \
	"$top/SPECS/$pkg.spec" >"$top/build.log" 2>&1; then
	tap_ok "rpmbuild --nodeps --nocheck -bb, with the test's stand-in macros ($((SECONDS - t0)) s)"
else
	tap_fail "rpmbuild --nodeps -bb (log: $top/build.log)"
	tap_note "$(tail -n 30 "$top/build.log")"
	tap_end
	exit 1
fi
rpm=$(find "$top/RPMS" -name "$pkg-$version-*.rpm" ! -name '*-debug*' | head -n 1)
check "one binary package: $(basename "${rpm:-none}")" test -f "$rpm" || { tap_end; exit 1; }

# "MODE PATH" per file and link, "PATH -> TARGET" per link.
dump=$(rpm -qp --queryformat '[%{FILEMODES:perms} %{FILENAMES} %{FILELINKTOS}\n]' "$rpm" 2>/dev/null)
tap_note "files:" "$dump"
list=$(awk '{ p = $2; if ($3 != "") p = p " -> " $3; print p }' <<<"$dump")
has() { grep -qxF -- "$1" <<<"$list"; }
executable() { grep -qE "^-rwxr-xr-x $1( |\$)" <<<"$dump"; }
udevdir=/usr/lib/udev
unitdir=/usr/lib/systemd/system
check "the program in udev's directory, executable: $udevdir/$pkg" executable "$udevdir/$pkg"
check "the command on PATH: /usr/sbin/$pkg -> $udevdir/$pkg" \
	grep -qE "^/usr/sbin/$pkg -> ($udevdir/$pkg|\.\./lib/udev/$pkg)\$" <<<"$list"
check "the rules file: $udevdir/rules.d/80-async-probe.rules" has "$udevdir/rules.d/80-async-probe.rules"
check "the shipped configuration in the vendor directory: /usr/lib/modprobe.d/00-$pkg.conf" \
	has "/usr/lib/modprobe.d/00-$pkg.conf"
units=$(grep -E "^$unitdir/[^/]+\.(service|path)\$" <<<"$list" | xargs -rn1 basename | xargs)
check "the systemd units: $units" \
	test "$units" = "$pkg-rules-update.service $pkg-rules.path $pkg-rules.service $pkg-settle.service"
man_pages() {
	grep -qE "^/usr/share/man/man8/$pkg\.8(\.gz)?\$" <<<"$list" &&
		grep -qE "^/usr/share/man/man5/$pkg\.conf\.5(\.gz)?\$" <<<"$list"
}
check "man pages udev-async-probe(8) and udev-async-probe.conf(5)" man_pages
check "bash completion" has "/usr/share/bash-completion/completions/$pkg"
check "the license: /usr/share/licenses/$pkg/COPYING" has "/usr/share/licenses/$pkg/COPYING"
dracutmod=/usr/lib/dracut/modules.d/96udev-async-probe
dracut_module() {
	executable "$dracutmod/module-setup.sh" && executable "$dracutmod/initrd-settle.sh" &&
		executable "$dracutmod/udev-async-probe-settled.sh" &&
		grep -qE "^-rw-r--r-- $dracutmod/udev-async-probe-initrd-settle.service( |\$)" <<<"$dump" &&
		grep -qE "^d[rwx-]{9} $dracutmod( |\$)" <<<"$dump"
}
check "the dracut module (Fedora's initramfs builder): $dracutmod, its scripts executable, its directory owned" dracut_module
outside=$(grep -E "^/(etc|usr/local|lib|lib64|bin|sbin)/|initramfs-tools" <<<"$list")
check "nothing in /etc, /usr/local, /lib, /bin, /sbin (merged /usr) or initramfs-tools${outside:+ (has: $(xargs <<<"$outside"))}" \
	[ -z "$outside" ]

# -- scriptlets ----------------------------------------------------------------
scripts=$(rpm -qp --scripts --triggers "$rpm" 2>/dev/null)
tap_note "scriptlets:" "$scripts"
# section NAME: one scriptlet's text ("NAME scriptlet (using /bin/sh):" to the next)
section() { awk -v s="$1 scriptlet" 'index($0, s) == 1 { f = 1; next } / scriptlet \(using / { f = 0 } f' <<<"$scripts"; }
all_units="$pkg-rules.service $pkg-rules.path $pkg-settle.service"
check "postinstall: the units follow the system's preset" \
	grep -q "preset $all_units" <<<"$(section postinstall)"
check "preuninstall: on removal the units are disabled and stopped" \
	grep -q "disable --now $all_units" <<<"$(section preuninstall)"
preun_removes_rules() {
	local s stop rm
	s=$(section preuninstall)
	stop=$(grep -n 'disable --now' <<<"$s" | cut -d: -f1 | head -n 1)
	rm=$(grep -n 'rm -f /run/udev/rules.d/80-async-probe.rules' <<<"$s" | cut -d: -f1 | head -n 1)
	[ -n "$stop" ] && [ -n "$rm" ] && [ "$rm" -gt "$stop" ] && grep -qF "if [ \$1 -eq 0 ]" <<<"$s"
}
check "preuninstall: on removal, after the units stop, the rules generated at boot go (the program still there)" \
	preun_removes_rules
# A oneshot that ran is inactive: try-restart would skip the rules service.
restarts_rules_only() {
	local s
	s=$(section postuninstall)
	grep -q "try-restart $pkg-rules.path " <<<"$s" &&
		grep -q "is-enabled $pkg-rules.service" <<<"$s" &&
		grep -q "systemctl restart $pkg-rules.service " <<<"$s" &&
		! grep -q "restart.*$pkg-settle" <<<"$s"
}
check "postuninstall: an upgrade restarts the path unit and runs the rules service again where enabled, not the barrier" \
	restarts_rules_only
udev_trigger() {
	grep -q "triggerin scriptlet.*systemd-udev" <<<"$scripts" &&
		grep -q "systemctl restart $pkg-rules.service" <<<"$scripts"
}
check "a trigger on systemd-udev regenerates the rules (their form follows udevd)" udev_trigger
bad=
for s in pretrans prein postinstall preuninstall postuninstall; do
	body=$(section "$s")
	[ -n "$body" ] && ! sh -n <<<"$body" && bad="$bad $s"
done
check "scriptlets parse with sh -n${bad:+ (not:$bad)}" [ -z "$bad" ]
preset_doc() {
	local u
	for u in $all_units; do
		grep -qx "#   enable $u" "$spec" || return 1
	done
}
check "the spec documents the preset lines that enable the units" preset_doc

[ "$TAP_FAILED" -eq 0 ] && rm -rf "$top"
tap_end
