#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The series on small kernels, where what it adds must still link: a
# 64-bit UML allnoconfig kernel without CONFIG_MODULES (the driver core
# may only refer to module_async_probe_domain, which the module loader
# defines, under IS_ENABLED(CONFIG_MODULES)), and one with CONFIG_MODULES
# but without CONFIG_SYSFS (drivers/base/module.c is not built then).
# A whole vmlinux per configuration would cost a cold run minutes, so it
# builds the objects the series changes and checks that every async or
# module-async symbol the driver core leaves undefined is defined by an
# object that this configuration builds (the link-time question the two
# configurations raise). Build dirs of its own, ccache.
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

check_cache_dir
# Only the patched source is needed, not the UML kernel of build.sh.
UAP_KSRC=$(patched_source) || die "cannot apply the series"
export CCACHE_DIR=$UAP_CACHE/ccache CCACHE_BASEDIR=$UAP_CACHE CCACHE_NOHASHDIR=1
exec 9>"$UAP_CACHE/build.lock"
flock 9

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

# check NAME CONFIG-LINE...: allnoconfig plus those lines, then the objects.
check() {
	local name=$1 B=$UAP_CACHE/allnoconfig-$1 line sym objs defined missing=
	shift
	# Started afresh when the source tree changed (ccache keeps that
	# short): make would reuse objects of the other tree's build.
	[ "$(cat "$B/srctree" 2>/dev/null)" = "$UAP_KSRC" ] || rm -rf "$B"
	mkdir -p "$B"
	echo "$UAP_KSRC" >"$B/srctree"
	printf '%s\n' CONFIG_64BIT=y "$@" >"$B/allno.config"
	local make=(make -C "$UAP_KSRC" O="$B" ARCH=um CC="ccache gcc" -j"$JOBS")
	if ! KCONFIG_ALLCONFIG="$B/allno.config" "${make[@]}" allnoconfig >"$B/build.log" 2>&1; then
		not_ok "$name: allnoconfig"; tail -n 30 "$B/build.log" | sed 's/^/# /'; return
	fi
	[ "$name" != nomodules ] || set -- "# CONFIG_MODULES is not set"
	for line in "$@"; do
		grep -qxF -- "$line" "$B/.config" || { not_ok "$name: .config lacks '$line'"; return; }
	done
	# The objects this configuration builds, of those the series touches.
	objs=(drivers/base/dd.o kernel/async.o)
	grep -qx CONFIG_MODULES=y "$B/.config" && objs+=(kernel/module/main.o)
	grep -qx CONFIG_MODULES=y "$B/.config" && grep -qx CONFIG_SYSFS=y "$B/.config" &&
		objs+=(drivers/base/module.o)
	if ! "${make[@]}" "${objs[@]}" >>"$B/build.log" 2>&1; then
		not_ok "$name: ${objs[*]} do not build"; tail -n 30 "$B/build.log" | sed 's/^/# /'; return
	fi
	defined=$(cd "$B" && nm --defined-only "${objs[@]}" | awk 'NF == 3 { print $3 }')
	for sym in $(cd "$B" && nm -u drivers/base/dd.o | awk '{ print $2 }' |
			grep -E '^(module_async_probe|async_)'); do
		grep -qx -- "$sym" <<<"$defined" || missing="$missing $sym"
	done
	if [ -n "$missing" ]; then
		not_ok "$name: drivers/base/dd.o needs$missing, which no object of this configuration defines"
	else
		ok "$name: every async symbol dd.o needs is defined (${objs[*]}; $(grep -E '^(# )?CONFIG_(MODULES|SYSFS)[= ]' "$B/.config" | tr '\n' ' '))"
	fi
}

check nomodules
check nosysfs CONFIG_EXPERT=y CONFIG_MODULES=y "# CONFIG_SYSFS is not set"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
