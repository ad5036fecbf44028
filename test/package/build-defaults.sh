#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The build as distributions configure it (TAP): meson setup with
# --auto-features=enabled (Fedora's %meson, Arch's arch-meson) and with
# --auto-features=disabled, on a PATH that holds only the tools of the
# build dependencies (debian/control's Build-Depends and the compiler),
# none of the tests' (lintian, dpkg-buildpackage, debootstrap, qemu,
# valgrind, apt-get...); then a build and a DESTDIR install of each, whose
# file list is checked, and the default build options (no -Werror).
#
#   build-defaults.sh BUILDDIR
set -u
. "$(dirname "$(readlink -f "$0")")/../qemu/lib.sh"
build=$(cd "${1:?usage: build-defaults.sh BUILDDIR}" && pwd)
work=$build/build-defaults
rm -rf "$work"
mkdir -p "$work/bin" "$work/home"

# The tools a build from debian/control's Build-Depends has: meson and
# ninja, the compiler and binutils (build-essential), pkgconf, scdoc, the
# shell and the basic tools of every build environment (ninja's rules run
# rm). depmod (kmod) is found in /sbin by its own lookup. Taken from the
# system's directories, not the caller's PATH (a developer's PATH may hold
# anything: pyenv shims, ccache).
sys_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for t in meson ninja cc gcc cpp as ld ld.bfd ar ranlib nm strip objcopy gcc-ar gcc-nm gcc-ranlib \
	pkg-config scdoc python3 sh bash env \
	rm mkdir cp mv ln cat chmod install sed grep find readlink dirname basename touch true false \
	test tr sort head tail cut wc printf echo mktemp ls; do
	p=$(PATH=$sys_path command -v "$t") || { tap_fail "build tool $t on the system"; continue; }
	ln -s "$p" "$work/bin/$t"
done
forbidden=lintian,dpkg-buildpackage,dpkg-source,dpkg-checkbuilddeps,debootstrap,qemu-system-x86_64,mkfs.ext4,valgrind,apt-get,unshare,rpmbuild,clang
found=
for t in ${forbidden//,/ }; do
	PATH=$work/bin command -v "$t" >/dev/null 2>&1 && found="$found $t"
done
check "the build's PATH has none of the tests' tools ($forbidden)${found:+ (has:$found)}" [ -z "$found" ]

# in_env CMD...: CMD with the build's PATH and nothing of the caller's
# environment (no CC, PKG_CONFIG_PATH, MESON_*...).
in_env() {
	env -i PATH="$work/bin" HOME="$work/home" LC_ALL=C.UTF-8 TERM=dumb "$@"
}
sysvar() { pkg-config --variable="$2" "$1"; }
udevdir=$(sysvar udev udevdir)
unitdir=$(sysvar systemd systemdsystemunitdir)
completions=$(sysvar bash-completion completionsdir)
pkg=udev-async-probe
dracutmod=/usr/lib/dracut/modules.d/96udev-async-probe

# installed DESTDIR: "PATH" per file, "PATH -> TARGET" per symlink.
installed() {
	(cd "$1" && find . ! -type d -printf '%P\n' | LC_ALL=C sort | while read -r f; do
		if [ -L "$f" ]; then echo "/$f -> $(readlink "$f")"; else echo "/$f"; fi
	done)
}
# same WHAT EXPECTED ACTUAL: check, with a diff when they differ.
same() {
	check "$1" [ "$2" = "$3" ] || tap_note "expected (<) and installed (>):" "$(diff <(echo "$2") <(echo "$3"))"
}
# suites BUILD: the test suites the configured build defines.
suites() {
	in_env python3 -c 'import json, sys
print(" ".join(sorted({s.split(":")[-1] for t in json.load(sys.stdin) for s in t["suite"]})))' \
		< <(in_env meson introspect "$1" --tests)
}
# Suites that need no root, no network and no kernel source.
local_suites='docs fuzz integration report unit valgrind'
local_only() {
	local s
	for s in $1; do
		[[ " $local_suites " == *" $s "* ]] || return 1
	done
}

# build NAME MESON-SETUP-ARGS...: configure, build and install to NAME/destdir.
build() {
	local dir=$work/$1 t0=$SECONDS
	shift
	if ! in_env meson setup "$dir" "$UAP_TOP" "$@" >"$dir.log" 2>&1; then
		tap_fail "meson setup $*"
		tap_note "$(tail -n 15 "$dir.log")"
		return 1
	fi
	tap_ok "meson setup $* ($((SECONDS - t0)) s)"
	t0=$SECONDS
	if ! in_env ninja -C "$dir" >>"$dir.log" 2>&1; then
		tap_fail "ninja: the default targets build"
		tap_note "$(tail -n 15 "$dir.log")"
		return 1
	fi
	tap_ok "ninja: the default targets build ($((SECONDS - t0)) s)"
	if ! in_env meson install -C "$dir" --destdir "$dir/destdir" --quiet >>"$dir.log" 2>&1; then
		tap_fail "meson install --destdir"
		tap_note "$(tail -n 15 "$dir.log")"
		return 1
	fi
	tap_ok "meson install --destdir"
}

# -- --auto-features=enabled, --prefix=/usr/local ------------------------------
if build enabled --auto-features=enabled --prefix=/usr/local; then
	opts=$(in_env meson introspect "$work/enabled" --buildoptions)
	werror=$(python3 -c 'import json, sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == "werror"][0])' <<<"$opts")
	check "werror is off by default (a distribution's newer compiler warns, not fails): werror=$werror" \
		[ "$werror" = False ]
	s=$(suites "$work/enabled")
	check "no test suite needing root, the network or a kernel source is configured: $s" local_only "$s"
	same "installed: the program, rules, configuration, units, completion, man pages, the initramfs-tools hook in /usr/share/initramfs-tools and the dracut module in /usr/lib/dracut/modules.d whatever the prefix" \
		"$(LC_ALL=C sort <<EOF
$udevdir/$pkg
$udevdir/rules.d/80-async-probe.rules
/usr/local/lib/modprobe.d/00-$pkg.conf
/usr/local/sbin/$pkg -> $udevdir/$pkg
$unitdir/$pkg-rules.service
$unitdir/$pkg-rules-update.service
$unitdir/$pkg-rules.path
$unitdir/$pkg-settle.service
$completions/$pkg
/usr/local/share/man/man8/$pkg.8
/usr/local/share/man/man5/$pkg.conf.5
/usr/share/initramfs-tools/hooks/$pkg
/usr/share/initramfs-tools/scripts/init-top/$pkg
$dracutmod/initrd-settle.sh
$dracutmod/module-setup.sh
$dracutmod/udev-async-probe-initrd-settle.service
$dracutmod/udev-async-probe-settled.sh
EOF
)" "$(installed "$work/enabled/destdir")"
	check "the hook and init-top script are executable" \
		test -x "$work/enabled/destdir/usr/share/initramfs-tools/hooks/$pkg" \
		-a -x "$work/enabled/destdir/usr/share/initramfs-tools/scripts/init-top/$pkg"
	check "the dracut module's scripts are executable, its unit is not" \
		test -x "$work/enabled/destdir$dracutmod/module-setup.sh" \
		-a -x "$work/enabled/destdir$dracutmod/initrd-settle.sh" \
		-a -x "$work/enabled/destdir$dracutmod/udev-async-probe-settled.sh" \
		-a ! -x "$work/enabled/destdir$dracutmod/udev-async-probe-initrd-settle.service"
fi

# -- --auto-features=disabled, --prefix=/usr ----------------------------------
if build disabled --auto-features=disabled --prefix=/usr; then
	same "installed: the program, rules, configuration, units and completion; no man pages, no hook, no dracut module" \
		"$(LC_ALL=C sort <<EOF
$udevdir/$pkg
$udevdir/rules.d/80-async-probe.rules
/usr/lib/modprobe.d/00-$pkg.conf
/usr/sbin/$pkg -> $udevdir/$pkg
$unitdir/$pkg-rules.service
$unitdir/$pkg-rules-update.service
$unitdir/$pkg-rules.path
$unitdir/$pkg-settle.service
$completions/$pkg
EOF
)" "$(installed "$work/disabled/destdir")"
fi

# -- the hook's directory, overridden (configure only) -----------------------
dir=$work/hookdir
if in_env meson setup "$dir" "$UAP_TOP" --auto-features=disabled -Dinitramfs-tools=enabled \
	-Dinitramfs-tools-dir=/opt/initramfs-tools >"$dir.log" 2>&1; then
	hooks=$(in_env meson introspect "$dir" --installed | python3 -c 'import json, sys
print("\n".join(sorted(p for p in json.load(sys.stdin).values() if "initramfs" in p)))')
	same "-Dinitramfs-tools-dir=/opt/initramfs-tools: the hook and init-top script go there" \
		"$(printf '%s\n' /opt/initramfs-tools/hooks/$pkg /opt/initramfs-tools/scripts/init-top/$pkg)" "$hooks"
else
	tap_fail "meson setup -Dinitramfs-tools=enabled -Dinitramfs-tools-dir=/opt/initramfs-tools"
	tap_note "$(tail -n 15 "$dir.log")"
fi
out=$(in_env meson setup "$work/relative" "$UAP_TOP" -Dinitramfs-tools-dir=share/initramfs-tools 2>&1)
check "-Dinitramfs-tools-dir with a relative path: configure fails and says why" \
	grep -q 'initramfs-tools-dir.*absolute' <<<"$out" || tap_note "$out"

# -- the dracut module's directory, overridden (configure only) ---------------
dir=$work/dracutdir
if in_env meson setup "$dir" "$UAP_TOP" --auto-features=disabled -Ddracut=enabled \
	-Ddracut-dir=/opt/dracut/modules.d >"$dir.log" 2>&1; then
	mods=$(in_env meson introspect "$dir" --installed | python3 -c 'import json, sys
print("\n".join(sorted(p for p in json.load(sys.stdin).values() if "dracut" in p)))')
	same "-Ddracut-dir=/opt/dracut/modules.d: the module goes there" \
		"$(printf '/opt/dracut/modules.d/96udev-async-probe/%s\n' initrd-settle.sh module-setup.sh \
			udev-async-probe-initrd-settle.service udev-async-probe-settled.sh)" "$mods"
else
	tap_fail "meson setup -Ddracut=enabled -Ddracut-dir=/opt/dracut/modules.d"
	tap_note "$(tail -n 15 "$dir.log")"
fi
out=$(in_env meson setup "$work/relative-dracut" "$UAP_TOP" -Ddracut-dir=lib/dracut/modules.d 2>&1)
check "-Ddracut-dir with a relative path: configure fails and says why" \
	grep -q 'dracut-dir.*absolute' <<<"$out" || tap_note "$out"

# -- the project's own CI keeps -Werror ----------------------------------------
setups=$(grep -cE '^(CC=[a-z]+ )?run setup ' "$UAP_TOP/test/run-tests.sh")
werror_setups=$(grep -E '^(CC=[a-z]+ )?run setup ' "$UAP_TOP/test/run-tests.sh" | grep -c -- '-Dwerror=true')
check "test/run-tests.sh (.ci/run) builds with -Dwerror=true: $werror_setups of its $setups builds" \
	[ "$setups" -gt 0 -a "$werror_setups" -eq "$setups" ]

[ "$TAP_FAILED" -eq 0 ] && rm -rf "$work"
tap_end
