#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package (TAP): build it with dpkg-buildpackage -us -uc, lint
# it, check its file list and maintainer scripts, then install, upgrade
# (to a rebuild whose shipped configuration changed), remove and purge
# it with dpkg in a copy of the qemu lane's cached bookworm root, which
# has initramfs-tools and Debian's 6.12 kernel installed.
#
#   check-package.sh BUILDDIR
set -u
. "$(dirname "$(readlink -f "$0")")/../qemu/lib.sh"
build=$(cd "${1:?usage: check-package.sh BUILDDIR}" && pwd)
debdir=$build/deb
pkg=udev-async-probe
doc=/usr/share/doc/$pkg

# -- the source tree ----------------------------------------------------------
# Build-Depends as one list, one relation per line, whitespace normalized.
build_depends=$(awk '/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, "") } f && /^[^ \t]/ && !/^Build-Depends/ { exit }
	f { print }' "$UAP_TOP/debian/control" | tr '\n' ' ' | tr ',' '\n' | sed -e 's/^ *//' -e 's/ *$//' -e 's/  */ /g' | grep .)
# udev.pc and systemd.pc (udevdir, systemdsystemunitdir) are in systemd-dev
# from systemd 253-2 on (trixie), in udev and systemd before (bookworm).
pc_deps() {
	grep -qxF 'systemd-dev | systemd (<< 253-2~)' <<<"$build_depends" &&
		grep -qxF 'systemd-dev | udev (<< 253-2~)' <<<"$build_depends" &&
		! grep -qxE '(systemd|udev)( \(.*\))?' <<<"$build_depends"
}
check "Build-Depends: systemd-dev (trixie) or, before systemd 253-2, systemd and udev (bookworm), for udev.pc and systemd.pc" \
	pc_deps || tap_note "Build-Depends:" "$build_depends"
check "a top-level COPYING with the text of the LGPL 2.1 (the SPDX headers' LGPL-2.1-or-later)" \
	cmp -s "$UAP_TOP/COPYING" /usr/share/common-licenses/LGPL-2.1
tests_control=$UAP_TOP/debian/tests/control
autopkgtests=$(awk '/^Tests:/ { for (i = 2; i <= NF; i++) print $i }' "$tests_control" 2>/dev/null | tr -d ,)
check "debian/tests/control names autopkgtests: $(xargs <<<"$autopkgtests")" test -n "$autopkgtests"

t0=$SECONDS
if ! deb=$(bash "$UAP_TOP/test/package/build-deb.sh" "$debdir"); then
	tap_fail "dpkg-buildpackage -us -uc"
	tap_end
	exit 1
fi
tap_ok "dpkg-buildpackage -us -uc: $(basename "$deb") ($((SECONDS - t0)) s)"

# -- lintian -------------------------------------------------------------
t0=$SECONDS
# Overridden tags ("O:") are shown with their reasons ("N:"); lintian
# 2.116 exits 2 for them with --show-overrides, so the verdict is ours:
# no E: or W: line, and lintian itself did not fail (exit 1).
lint=$(lintian --profile debian --pedantic --display-info --show-overrides "$debdir"/*.changes 2>&1)
rc=$?
lint=$(grep -v '^running with root privileges' <<<"$lint")
tap_note "lintian --profile debian --pedantic --display-info --show-overrides ($((SECONDS - t0)) s):" "${lint:-(nothing)}"
check "lintian --profile debian: no error or warning (exit $rc)" \
	test $rc -ne 1 -a -z "$(grep -E '^[EW]: ' <<<"$lint")"

# The same package in trixie's layout (DEP17: nothing in /lib, all in
# /usr/lib), repacked: the overrides must match there too, so that a
# trixie build is as clean as a bookworm one.
dep17=$build/deb-dep17
rm -rf "$dep17" && dpkg-deb -R "$deb" "$dep17"
if [ -d "$dep17/lib" ]; then
	mkdir -p "$dep17/usr/lib" && cp -a "$dep17/lib/." "$dep17/usr/lib/" && rm -rf "${dep17:?}/lib"
	find "$dep17" -path "$dep17/DEBIAN" -prune -o -type l -lname '/lib/*' -print0 |
		while IFS= read -r -d '' l; do
			# relative, as dh_link makes a link within /usr
			ln -sfn "$(realpath -s -m --relative-to="$(dirname "/${l#"$dep17"/}")" "/usr$(readlink "$l")")" "$l"
		done
	(cd "$dep17" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0 md5sum >DEBIAN/md5sums)
fi
dpkg-deb -b --root-owner-group "$dep17" "$build/${pkg}_dep17.deb" >/dev/null
t0=$SECONDS
lint=$(lintian --profile debian --pedantic --display-info --show-overrides "$build/${pkg}_dep17.deb" 2>&1)
rc=$?
lint=$(grep -v '^running with root privileges' <<<"$lint")
tap_note "lintian of the package repacked into /usr/lib (DEP17, trixie's layout) ($((SECONDS - t0)) s):" "${lint:-(nothing)}"
check "lintian, DEP17 layout: no error or warning, every override matches (exit $rc)" \
	test $rc -ne 1 -a -z "$(grep -E '^[EW]: |(mismatched|unused)-override' <<<"$lint")"

# -- file list -------------------------------------------------------------
# "PATH" per file, "PATH -> TARGET" per symlink; PATH absolute.
list=$(dpkg-deb -c "$deb" | awk '{ p = $6; sub(/^\./, "", p); if ($7 == "->") p = p " -> " $8; print p }')
perms=$(dpkg-deb -c "$deb" | awk '{ p = $6; sub(/^\./, "", p); print $1, p }')
has() { grep -qxF -- "$1" <<<"$list"; }
executable() { grep -qE "^-rwxr-xr-x $1\$" <<<"$perms"; }
tap_note "files:" "$list"

udevdir=$(pkg-config --variable=udevdir udev)
check "the program in udev's directory, executable: $udevdir/$pkg" executable "$udevdir/$pkg"
check "the command on PATH: /usr/sbin/$pkg -> $udevdir/$pkg" \
	grep -qE "^/usr/sbin/$pkg -> ($udevdir/$pkg|(\.\./)+${udevdir#/}/$pkg)\$" <<<"$list"
rules=$(grep -E "^$udevdir/rules.d/[^/]*async-probe[^/]*\.rules\$" <<<"$list")
check "the rules file: ${rules:-none}" [ "$rules" = "$udevdir/rules.d/80-async-probe.rules" ]
first=$(printf '%s\n' "$(basename "$rules")" 80-drivers.rules | LC_ALL=C sort | head -n 1)
check "$(basename "$rules") sorts before systemd's 80-drivers.rules" [ "$first" = "$(basename "$rules")" ]
conf=/usr/lib/modprobe.d/00-$pkg.conf
check "the shipped configuration in the vendor directory, named to sort before an admin's file: $conf" \
	has "$conf"
check "nothing in /etc (admin overrides live there) or /usr/local" \
	bash -c '! grep -qE "^/(etc|usr/local)/." <<<"$1"' _ "$list"
check "man pages udev-async-probe(8) and udev-async-probe.conf(5)" \
	bash -c 'grep -qx /usr/share/man/man8/udev-async-probe.8.gz <<<"$1" &&
		 grep -qx /usr/share/man/man5/udev-async-probe.conf.5.gz <<<"$1"' _ "$list"
check "the initramfs-tools hook and init-top script, executable" \
	bash -c 'grep -qE "^-rwxr-xr-x /usr/share/initramfs-tools/hooks/udev-async-probe$" <<<"$1" &&
		 grep -qE "^-rwxr-xr-x /usr/share/initramfs-tools/scripts/init-top/udev-async-probe$" <<<"$1"' _ "$perms"
missing=
for d in core rfc; do
	for p in $(series_patches "$UAP_TOP/kernel-patch/$d") "$UAP_TOP/kernel-patch/$d/series"; do
		has "$doc/kernel-patch/$d/$(basename "$p")" || missing="$missing kernel-patch/$d/$(basename "$p")"
	done
done
for d in upstream backport-252 backport-257; do
	for p in $(series_patches "$UAP_TOP/udev-builtin/systemd/$d") "$UAP_TOP/udev-builtin/systemd/$d/series" \
		 "$UAP_TOP/udev-builtin/systemd/$d/README.md"; do
		has "$doc/systemd-patch/$d/$(basename "$p")" || missing="$missing systemd-patch/$d/$(basename "$p")"
	done
done
check "every patch of the kernel series (core, rfc) and of the systemd series (upstream, backport-252, backport-257), their series files and READMEs, uncompressed in $doc${missing:+ (missing:$missing)}" [ -z "$missing" ]
# The README links docs/ (pages and pictures) and both series' READMEs:
# shipped, uncompressed, every relative link resolving in $doc.
unpacked=$build/deb-root
rm -rf "$unpacked" && dpkg-deb -x "$deb" "$unpacked"
docs=$(bash "$UAP_TOP/test/package/shipped-docs.sh" "$unpacked" "$doc" "$UAP_TOP")
check "README.md, docs/*.md and docs/*.png uncompressed in $doc, every relative link of its .md files resolving there" \
	[ -z "$docs" ] || tap_note "$docs"
units=$(grep -E '^/(usr/)?lib/systemd/system/[^/]+\.(service|path)$' <<<"$list")
check "the systemd units: $(xargs -rn1 basename <<<"$units" | xargs)" \
	test "$(xargs -rn1 basename <<<"$units" | xargs)" = \
		"$pkg-rules-update.service $pkg-rules.path $pkg-rules.service $pkg-settle.service"
completion=/usr/share/bash-completion/completions/$pkg
check "bash completion: $completion" has "$completion"

# -- maintainer scripts ----------------------------------------------------
ctl=$build/deb-control
rm -rf "$ctl"
dpkg-deb -e "$deb" "$ctl"
tap_note "maintainer scripts and triggers: $(cd "$ctl" && ls | grep -vxE 'control|md5sums' | xargs)"
bad=
for s in "$ctl"/preinst "$ctl"/postinst "$ctl"/prerm "$ctl"/postrm; do
	[ -e "$s" ] && ! sh -n "$s" && bad="$bad $(basename "$s")"
done
check "maintainer scripts parse with sh -n${bad:+ (not:$bad)}" [ -z "$bad" ]
check "installing, upgrading and removing activate update-initramfs" \
	grep -qx 'activate-noawait update-initramfs' "$ctl/triggers"
udev_interest() {
	local p
	for p in /bin/udevadm /usr/bin/udevadm /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
		grep -qx "interest-noawait $p" "$ctl/triggers" || return 1
	done
}
check "udev's udevadm and systemd-udevd, split or merged /usr, are file triggers (the rules' form follows udevd)" \
	udev_interest
# prerm remove: the rules generated at boot run the program, so they go
# (and udevd rereads its rules) while it is still installed, after the
# units that regenerate them are stopped.
prerm_removes_rules() {
	local stop rm
	stop=$(grep -n "deb-systemd-invoke stop .*'$pkg-rules.path'" "$ctl/prerm" | cut -d: -f1 | head -n 1)
	rm=$(grep -n 'rm -f /run/udev/rules.d/80-async-probe.rules' "$ctl/prerm" | cut -d: -f1 | head -n 1)
	[ -n "$stop" ] && [ -n "$rm" ] && [ "$rm" -gt "$stop" ]
}
check "prerm deletes the rules generated at boot, after stopping the units that regenerate them" \
	prerm_removes_rules
# unit_handled UNIT [stop]: enabled by postinst, its state purged by
# postrm, and with "stop", stopped by prerm.
unit_handled() {
	grep -q "deb-systemd-helper enable '$1'" "$ctl/postinst" &&
		grep -q "deb-systemd-helper purge .*'$1'" "$ctl/postrm" &&
		{ [ -z "${2:-}" ] || grep -q "deb-systemd-invoke stop .*'$1'" "$ctl/prerm"; }
}
rules_units_handled() { unit_handled "$pkg-rules.path" stop && unit_handled "$pkg-rules.service" stop; }
check "postinst enables the rules units, prerm stops them, postrm purges their state" rules_units_handled
check "postinst enables the barrier unit, postrm purges its state" unit_handled "$pkg-settle.service"
starts_rules_only() {
	grep -q "deb-systemd-invoke \$_dh_action '$pkg-rules.path' '$pkg-rules.service'" "$ctl/postinst" &&
		! grep -q "deb-systemd-invoke .*$pkg-settle" "$ctl/postinst"
}
check "postinst starts the rules units at installation, not the barrier" starts_rules_only

# -- dpkg in a chroot --------------------------------------------------------
t0=$SECONDS
if ! root=$(guest_root); then
	tap_fail "the cached bookworm root for the chroot test"
	tap_end
	exit 1
fi
work=$build/package-chroot
rm -rf "$work"
cp -a "$root" "$work"
kver=$(basename "$(ls -d "$work"/lib/modules/*)")
in_root() { run_in_root "$work" "$@" </dev/null; }
# Every path but dpkg's own records, logs, caches and the regenerated initramfs.
tree() {
	(cd "$work" && find . -xdev \( -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache \
		-o -path ./tmp -o -path ./run -o -path './boot/initrd.img-*' -o -path ./proc -o -path ./sys \
		-o -path ./dev \) -prune -o -print | LC_ALL=C sort)
}
tree >"$build/package-tree-before"
tap_note "chroot: copy of $(basename "$root") ($((SECONDS - t0)) s)"

# v2: the same package with a changed shipped configuration (virtio added
# to buses) and a higher version, repacked from v1.
v1=$(dpkg-deb -f "$deb" Version)
v2=$v1+confchange
rm -rf "$build/deb-v2" && dpkg-deb -R "$deb" "$build/deb-v2"
sed -i "s/^Version: .*/Version: $v2/" "$build/deb-v2/DEBIAN/control"
sed -i 's/^options udev_async_probe \(.*\)buses=pci$/options udev_async_probe \1buses=pci,virtio/' \
	"$build/deb-v2$conf"
(cd "$build/deb-v2" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb -b --root-owner-group "$build/deb-v2" "$work/root/${pkg}_v2.deb" >/dev/null
cp "$deb" "$work/root/${pkg}_v1.deb"
# v0: version 0.1, which shipped the configuration as $pkg.conf (sorting
# after admin files such as local.conf); repacked from v1.
v0=0.1
old_conf=/usr/lib/modprobe.d/$pkg.conf
rm -rf "$build/deb-v0" && dpkg-deb -R "$deb" "$build/deb-v0"
sed -i "s/^Version: .*/Version: $v0/" "$build/deb-v0/DEBIAN/control"
mv "$build/deb-v0$conf" "$build/deb-v0$old_conf"
(cd "$build/deb-v0" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb -b --root-owner-group "$build/deb-v0" "$build/${pkg}_v0.deb" >/dev/null

e1000=pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00
vrng=virtio:d00000004v00001AF4
explain() { in_root "$udevdir/$pkg" -S "$kver" explain "$1" 2>&1; }
# decided MODULE WORD: explain's output (stdin) says "MODULE: WORD, ..."
decided() { awk -v m="$1:" '$1 == m { sub(/,$/, "", $2); print $2 }' | grep -qx "$2"; }
# initrd_has REGEX N: the initramfs has N files whose path ends in udev/REGEX
initrd_has() {
	[ "$(in_root lsinitramfs "/boot/initrd.img-$kver" | grep -cE "udev/$1\$")" -eq "$2" ]
}

t0=$SECONDS
out=$(in_root dpkg -i "/root/${pkg}_v1.deb" 2>&1)
check "dpkg -i $pkg $v1 ($((SECONDS - t0)) s, initramfs rebuilt by the trigger)" \
	[ "$(in_root dpkg-query -W -f '${Status}' $pkg)" = "install ok installed" ] || tap_note "$out"
wants=/etc/systemd/system/sysinit.target.wants
units_enabled() {
	test -L "$work$wants/$pkg-rules.service" \
		-a -L "$work/etc/systemd/system/paths.target.wants/$pkg-rules.path" \
		-a -L "$work/etc/systemd/system/systemd-udev-settle.service.wants/$pkg-settle.service"
}
check "enabled: the rules service for sysinit.target, its path unit, the barrier for systemd-udev-settle.service" \
	units_enabled
# What installing udev does to it: dpkg runs our postinst "triggered",
# which without systemd (a chroot) has nothing to regenerate.
out=$(in_root sh -c 'dpkg-trigger --no-await /bin/udevadm && dpkg --triggers-only --pending' 2>&1)
check "a new /bin/udevadm (udev installed or upgraded) runs the package's trigger, which succeeds" \
	eval 'grep -q "Processing triggers for $pkg" <<<"$out" && [ "$(in_root dpkg-query -W -f "\${Status}" $pkg)" = "install ok installed" ]' ||
	tap_note "$out"
out=$(in_root "$udevdir/$pkg" --version 2>&1)
rc=$?
tap_note "$pkg --version:" "$out"
check "the program runs in a plain $CODENAME with its Depends (--version)" test $rc -eq 0
out=$(explain "$e1000")
tap_note "explain $e1000:" "$out"
check "explain: e1000 (a PCI device) would probe asynchronously" decided e1000 async <<<"$out"
out=$(explain "$vrng")
tap_note "explain $vrng:" "$out"
check "explain: virtio_rng (bus not listed in $v1) would load plainly" decided virtio_rng sync <<<"$out"
check "the initramfs now has the program and the rules" \
	initrd_has "(udev-async-probe|rules.d/80-async-probe.rules)" 2
runs_for() { in_root "$udevdir/$pkg" rules 2>&1 | grep RUN | grep -v '^#' | awk -F, '{ print $1 }' | paste -sd ' '; }
out=$(runs_for)
check "udev-async-probe rules: runs the program for ${out:-nothing}" test "$out" = 'ENV{ASYNC_PROBE}=="?*" SUBSYSTEM=="pci"'
# debian/tests, run as autopkgtest runs them (a temporary AUTOPKGTEST_TMP,
# the installed package), in the chroot: they must pass, not skip (the
# chroot has Debian's kernel modules and the host's sysfs).
rm -rf "$work/root/autopkgtest" && cp -a "$UAP_TOP/debian/tests" "$work/root/autopkgtest"
for t in $autopkgtests; do
	t0=$SECONDS
	out=$(in_root sh -c 'cd /root && tmp=$(mktemp -d) && AUTOPKGTEST_TMP=$tmp sh "autopkgtest/$1"; rc=$?; rm -rf "$tmp"; exit $rc' sh "$t" 2>&1)
	rc=$?
	tap_note "debian/tests/$t:" "$out"
	check "autopkgtest $t passes in the chroot (exit $rc, $((SECONDS - t0)) s)" test $rc -eq 0
done
rm -rf "$work/root/autopkgtest"
# prerm, run by dpkg before the files go: "upgrade" keeps the rules generated
# at boot (the new version's program runs them), "remove" deletes them
# while the program is still there. (Each in_root has a /run of its own.)
prerm=/var/lib/dpkg/info/$pkg.prerm
out=$(in_root sh -c "mkdir -p /run/udev/rules.d && echo '# generated' >/run/udev/rules.d/80-async-probe.rules &&
	$prerm upgrade 99 && test -e /run/udev/rules.d/80-async-probe.rules" 2>&1)
check "prerm upgrade keeps the rules generated at boot" [ $? -eq 0 ] || tap_note "$out"
out=$(in_root sh -c "mkdir -p /run/udev/rules.d && echo '# generated' >/run/udev/rules.d/80-async-probe.rules &&
	$prerm remove && ! test -e /run/udev/rules.d/80-async-probe.rules && test -x $udevdir/$pkg" 2>&1)
check "prerm remove deletes the rules generated at boot, the program still installed" [ $? -eq 0 ] || tap_note "$out"

# enable=0 when the initramfs is built: nothing of the package goes in.
# In a file whose name sorts before the old shipped name: any admin file wins.
echo 'options udev_async_probe enable=0' >"$work/etc/modprobe.d/local.conf"
out=$(explain "$e1000")
check "with enable=0 in /etc/modprobe.d/local.conf, explain: e1000 loads plainly" decided e1000 sync <<<"$out" ||
	tap_note "$out"
in_root update-initramfs -u -k "$kver" >/dev/null 2>&1
check "with enable=0 in /etc/modprobe.d/local.conf, update-initramfs leaves the program and its rules out" \
	initrd_has "(udev-async-probe|rules.d/80-async-probe.rules)" 0
rm "$work/etc/modprobe.d/local.conf"
# The admin's /etc/udev/rules.d/80-async-probe.rules wins in the initramfs
# as on the real root: a link to /dev/null masks the rules, a file
# replaces them.
mkdir -p "$work/etc/udev/rules.d"
ln -s /dev/null "$work/etc/udev/rules.d/80-async-probe.rules"
in_root update-initramfs -u -k "$kver" >/dev/null 2>&1
check "with the rules masked in /etc/udev/rules.d, update-initramfs leaves the program and its rules out" \
	initrd_has "(udev-async-probe|rules.d/80-async-probe.rules)" 0
rm "$work/etc/udev/rules.d/80-async-probe.rules"
printf '# the admin\nACTION=="add", SUBSYSTEM=="virtio", ENV{MODALIAS}=="?*", RUN{program}+="udev-async-probe load"\n' \
	>"$work/etc/udev/rules.d/80-async-probe.rules"
in_root update-initramfs -u -k "$kver" >/dev/null 2>&1
rules=$(in_root sh -c 'd=$(mktemp -d) && unmkinitramfs "$1" "$d" >/dev/null 2>&1
	for f in "$d"/main/usr/lib "$d"/main/lib "$d"/usr/lib "$d"/lib; do
		[ -f "$f/udev/rules.d/80-async-probe.rules" ] && { cat "$f/udev/rules.d/80-async-probe.rules"; break; }
	done; rm -rf "$d"' sh "/boot/initrd.img-$kver")
check "with the admin's own 80-async-probe.rules in /etc/udev/rules.d, the initramfs carries that file" \
	cmp -s <(printf '%s\n' "$rules") "$work/etc/udev/rules.d/80-async-probe.rules" || tap_note "initramfs rules:" "$rules"
rm "$work/etc/udev/rules.d/80-async-probe.rules"
in_root update-initramfs -u -k "$kver" >/dev/null 2>&1
# An administrator's override, which dpkg does not own.
admin=/etc/modprobe.d/$pkg-local.conf
printf '# the admin: e1000 never asynchronous\noptions e1000 async_probe=0\n' >"$work$admin"
admin_sum=$(sha256sum <"$work$admin")
out=$(explain "$e1000")
check "explain: the admin's per-module opt-out for e1000 is in effect" decided e1000 sync <<<"$out" ||
	tap_note "$out"

t0=$SECONDS
out=$(in_root dpkg -i "/root/${pkg}_v2.deb" 2>&1)
rc=$?
check "upgrade to $v2 with a changed shipped configuration, no prompt ($((SECONDS - t0)) s)" \
	[ $rc -eq 0 ] || tap_note "$out"
check "the shipped configuration is the new one" grep -q 'buses=pci,virtio' "$work$conf"
check "the admin's file is untouched" [ "$(sha256sum <"$work$admin")" = "$admin_sum" ]
out=$(explain "$vrng")
tap_note "explain $vrng:" "$out"
check "explain: virtio_rng now probes asynchronously (the new shipped buses)" decided virtio_rng async <<<"$out"
out=$(runs_for)
check "udev-async-probe rules after the upgrade: runs the program for ${out:-nothing}" \
	test "$out" = 'ENV{ASYNC_PROBE}=="?*" SUBSYSTEM=="pci|virtio"'
out=$(explain "$e1000")
check "explain: the admin's opt-out for e1000 still wins" decided e1000 sync <<<"$out" || tap_note "$out"

t0=$SECONDS
out=$(in_root sh -c "mkdir -p /run/udev/rules.d && echo '# generated' >/run/udev/rules.d/80-async-probe.rules &&
	dpkg -r $pkg && ! test -e /run/udev/rules.d/80-async-probe.rules" 2>&1)
check "dpkg -r removes the package and the rules generated at boot ($((SECONDS - t0)) s)" [ $? -eq 0 ] || tap_note "$out"
left=$(cd "$work" && ls -d ".$udevdir/$pkg" ".$udevdir/rules.d/80-async-probe.rules" \
	".$conf" "./usr/share/initramfs-tools/hooks/$pkg" 2>/dev/null)
check "after remove: program, rules, shipped configuration and hook gone${left:+ (left: $left)}" [ -z "$left" ]
check "after remove: the admin's file is kept" [ "$(sha256sum <"$work$admin")" = "$admin_sum" ]
check "after remove: the units' enablement (admin state in /etc) is kept" units_enabled
check "after remove: the initramfs no longer has the program or the rules" \
	initrd_has "(udev-async-probe|rules.d/80-async-probe.rules)" 0

t0=$SECONDS
out=$(in_root dpkg -P $pkg 2>&1)
check "dpkg -P purges the package ($((SECONDS - t0)) s)" \
	[ -z "$(in_root dpkg-query -W -f '${Status}' $pkg 2>/dev/null)" ] || tap_note "$out"
rm -f "$work/root/${pkg}_v1.deb" "$work/root/${pkg}_v2.deb"
tree >"$build/package-tree-after"
diff=$(diff "$build/package-tree-before" "$build/package-tree-after")
tap_note "paths added or removed by install, upgrade, remove and purge:" "${diff:-(none)}"
check "after purge: nothing left but the admin's own file" \
	test "$(grep '^[<>]' <<<"$diff")" = "> .$admin"

# An upgrade from the package that shipped $old_conf removes it: it is no
# conffile (nothing under /etc is), so dpkg removes what the new version no
# longer ships. Triggers are left pending: the initramfs is not looked at.
# The admin had masked the old file with a /dev/null link of its name in
# /etc/modprobe.d; after the upgrade it must still mask the shipped one.
cp "$build/${pkg}_v0.deb" "$work/root/${pkg}_v0.deb"
cp "$deb" "$work/root/${pkg}_v1.deb"
legacy=/etc/modprobe.d/$pkg.conf
mask=/etc/modprobe.d/$(basename "$conf")
ln -s /dev/null "$work$legacy"
out=$(in_root dpkg --no-triggers -i "/root/${pkg}_v0.deb" 2>&1) && test -e "$work$old_conf" ||
	tap_note "$out"
out=$(explain "$e1000")
check "$v0 with $legacy linked to /dev/null: e1000 loads plainly" decided e1000 sync <<<"$out" || tap_note "$out"
out=$(in_root dpkg --no-triggers -i "/root/${pkg}_v1.deb" 2>&1)
rc=$?
check "upgrade from $v0 (shipped $old_conf) to $v1: the old file is gone, the new one there" \
	test $rc -eq 0 -a ! -e "$work$old_conf" -a -e "$work$conf" || tap_note "$out"
check "the upgrade masks $mask (a /dev/null link), as $legacy masked the old file" \
	test "$(readlink "$work$mask")" = /dev/null || tap_note "$out"
out=$(explain "$e1000")
check "after the upgrade, e1000 still loads plainly (the admin's mask holds)" decided e1000 sync <<<"$out" ||
	tap_note "$out"
out=$(in_root dpkg --no-triggers -P "$pkg" 2>&1)
check "purge removes the mask the upgrade made, and leaves the admin's own link" \
	test ! -e "$work$mask" -a ! -L "$work$mask" -a -L "$work$legacy" || tap_note "$out"
rm -f "$work/root/${pkg}_v0.deb" "$work/root/${pkg}_v1.deb"
rm -rf "$work"
tap_end
