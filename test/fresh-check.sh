#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run the setup scripts and the README's two commands as a fresh Debian
# machine would: no deb-src entry in the apt sources (Debian's default),
# an empty cache; the setup scripts must leave /etc/apt/sources.list.d as
# they found it. Everything is
# put back afterwards, whatever happens (trap), and the script says what
# it moved, what the setup scripts wrote and how each step ended.
#
#   fresh-check.sh              setup scripts, then test/demo.sh and test/run-tests.sh
#   fresh-check.sh --setup      the setup scripts only (test/deps.sh --demo, test/deps.sh)
#
# Packages the machine already has stay installed: removing them would
# break whatever else runs here. The cache directory is a new one
# (FRESH_CACHE, default a new directory under /var/tmp), deleted at the
# end unless KEEP_CACHE=1.
set -eu -o pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/test/common.sh"
[ "$(id -u)" -eq 0 ] || die "run as root: it edits /etc/apt and installs packages"

setup_only=false
case "${1:-}" in
--setup) setup_only=true ;;
"") ;;
*) die "usage: $0 [--setup]" ;;
esac

apt=/etc/apt
saved=$(mktemp -d /var/tmp/uap-fresh-apt.XXXXXX)
cache=${FRESH_CACHE:-$(mktemp -d /var/tmp/uap-fresh-cache.XXXXXX)}
[ -z "$(ls -A "$cache")" ] || die "$cache is not empty"

# Keep exact copies of every apt source file; restore them on any exit.
cp -a "$apt/sources.list.d" "$saved/"
[ -e "$apt/sources.list" ] && cp -a "$apt/sources.list" "$saved/"
restore() {
	local rc=$?
	trap - EXIT INT TERM
	note "restoring the apt sources from $saved"
	rm -rf "$apt/sources.list.d"
	cp -a "$saved/sources.list.d" "$apt/"
	if [ -e "$saved/sources.list" ]; then cp -a "$saved/sources.list" "$apt/"; else rm -f "$apt/sources.list"; fi
	apt-get update -q >/dev/null 2>&1 || note "apt-get update after restoring failed"
	rm -rf "$saved"
	if [ "${KEEP_CACHE:-0}" = 1 ]; then
		note "cache kept: $cache"
	else
		rm -rf "$cache"
	fi
	exit $rc
}
trap restore EXIT INT TERM

# Move aside: the deb-src file earlier versions of the setup scripts
# wrote (if it is there), one-line deb-src entries, and deb-src in deb822
# Types (a stanza left without a type is dropped).
old_src=$apt/sources.list.d/udev-async-probe-deb-src.sources
[ ! -e "$old_src" ] || { rm -f "$old_src" && note "moved aside $old_src"; }
for f in "$apt"/sources.list "$apt"/sources.list.d/*.list; do
	[ -f "$f" ] && grep -qE '^[[:space:]]*deb-src[[:space:]]' "$f" || continue
	sed -i -E 's/^([[:space:]]*deb-src[[:space:]])/# fresh-check: \1/' "$f"
	note "commented out the deb-src lines of $f"
done
for f in "$apt"/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -qE '^Types:.*deb-src' "$f" || continue
	awk -v RS= -v ORS='\n\n' '{
		if (match($0, /(^|\n)Types:[^\n]*/)) {
			t = substr($0, RSTART, RLENGTH); n = t
			gsub(/[ \t]deb-src/, "", n)
			if (n ~ /Types:[ \t]*$/ || n ~ /Types:[ \t]*\n?$/) next
			sub(/Types:[^\n]*/, substr(n, index(n, "Types:")))
		}
		print }' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
	note "removed deb-src from the Types of $f"
done
left=$(grep -rlE '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' "$apt"/sources.list "$apt"/sources.list.d 2>/dev/null || true)
[ -z "$left" ] || die "deb-src entries left in: $left"
apt-get update -q >/dev/null || die "apt-get update without deb-src failed"
cp -a "$apt/sources.list.d" "$saved/aside"
note "no deb-src entry left; UAP_CACHE=$cache (empty)"

export UAP_CACHE=$cache
unset UAP_APT_UPDATED
results=()
step() {
	local t0=$SECONDS rc=0
	note "=== $*"
	"$@" || rc=$?
	results+=("$(printf '%-40s exit %d, %d s' "$*" "$rc" $((SECONDS - t0)))")
	return 0
}
cd "$top"
step bash test/deps.sh --demo
step bash test/deps.sh
if ! $setup_only; then
	step bash test/demo.sh
	step bash test/run-tests.sh
fi

# The project keeps its apt sources under the cache (test/debian-suite.sh).
if diff -rN "$saved/aside" "$apt/sources.list.d" >&2; then
	results+=("the setup scripts changed nothing in $apt/sources.list.d: exit 0,")
else
	results+=("the setup scripts changed $apt/sources.list.d (above): exit 1,")
fi
note "results:"
printf '  %s\n' "${results[@]}" >&2
! printf '%s\n' "${results[@]}" | grep -qv 'exit 0,'
