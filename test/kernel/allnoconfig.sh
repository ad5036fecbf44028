#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The series on small kernels, where what it adds must still link: a
# 64-bit UML allnoconfig kernel without CONFIG_MODULES (the driver core
# may only refer to module_async_probe_domain, which the module loader
# defines, under IS_ENABLED(CONFIG_MODULES)), and one with CONFIG_MODULES
# but without CONFIG_SYSFS (drivers/base/module.c is not built then).
# Builds the patched source tree of build.sh in build dirs of its own
# (ccache; about 3 min each cold, seconds when nothing changed).
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

check_cache_dir
paths=$("$KTEST_DIR/build.sh" --print-paths) || die "kernel build failed"
eval "$paths"
export CCACHE_DIR=$UAP_CACHE/ccache CCACHE_BASEDIR=$UAP_CACHE CCACHE_NOHASHDIR=1
exec 9>"$UAP_CACHE/build.lock"
flock 9

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

# build NAME CONFIG-LINE...: allnoconfig plus those lines, then vmlinux.
build() {
	local name=$1 B=$UAP_CACHE/allnoconfig-$1 line
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
	for line in "# CONFIG_MODULES is not set" "$@"; do
		[ "$line" = "# CONFIG_MODULES is not set" ] && [ "$name" != nomodules ] && continue
		grep -qxF -- "$line" "$B/.config" || { not_ok "$name: .config lacks '$line'"; return; }
	done
	if "${make[@]}" vmlinux >>"$B/build.log" 2>&1; then
		ok "$name: vmlinux links ($(grep -E '^(# )?CONFIG_(MODULES|SYSFS)[= ]' "$B/.config" | tr '\n' ' '))"
	else
		not_ok "$name: vmlinux does not build"; tail -n 30 "$B/build.log" | sed 's/^/# /'
	fi
}

build nomodules
build nosysfs CONFIG_EXPERT=y CONFIG_MODULES=y "# CONFIG_SYSFS is not set"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
