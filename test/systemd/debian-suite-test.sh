#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test/debian-suite.sh, the helper for other Debian suites than the
# host's: its apt configuration is the project's own, under
# $UAP_CACHE/apt/SUITE/, and the host's apt configuration and lists stay
# as they are (a fresh Debian with stock sources and no deb-src entry
# must work). TAP. Needs deb.debian.org: skipped when the archive cannot
# be reached, unless UAP_SYSTEMD_REQUIRED is set.
#   debian-suite-test.sh [SUITE]    (default sid)
set -eu -o pipefail
. "$(dirname "$0")/../debian-suite.sh"

suite=${1:-sid}
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }
failed=0

# What the host's apt reads and writes, listed with sizes and times.
host_apt_state() {
	find /etc/apt /var/lib/apt/lists -maxdepth 2 ! -name lock -printf '%p %s %T@\n' 2>/dev/null | sort
	apt-config dump 2>/dev/null | grep -E '^Dir::(Etc|State|Cache)' || true
}

if ! check_cache_dir 2>/dev/null || [ ! -w "$UAP_CACHE" ]; then
	echo "1..0 # SKIP $UAP_CACHE is not writable (run as root or set UAP_CACHE)"
	exit 0
fi
before=$(host_apt_state)

dir=$(suite_dir "$suite")
if ! suite_update "$suite" >"$dir/update.out" 2>&1; then
	[ -n "${UAP_SYSTEMD_REQUIRED:-}" ] && { cat "$dir/update.out" >&2; die "cannot reach the archive for $suite"; }
	echo "1..0 # SKIP the Debian archive for $suite cannot be reached: $(tail -n 1 "$dir/update.out")"
	exit 0
fi

echo "1..6"
list=$dir/sources.list
if grep -qE "^deb-src \[signed-by=[^]]+\] [a-z]+://[^ ]+ $suite main$" "$list" &&
   ! grep -qE '^deb ' "$list"; then
	ok "$list has deb-src lines for $suite, signed by a keyring"
else
	not_ok "$list: $(cat "$list" 2>&1)"
fi

if ls "$dir"/lists/*_dists_"${suite}"_main_source_Sources* >/dev/null 2>&1; then
	ok "apt-get update wrote the $suite source lists under $dir/lists"
else
	not_ok "no $suite Sources in $dir/lists: $(ls "$dir/lists" 2>&1)"
fi

# A small native package: its whole source is one .dsc and one tarball.
src=$(mktemp -d "${TMPDIR:-/tmp}/uap-suite-test.XXXXXX")
trap 'rm -rf "$src"' EXIT
want=$(suite_apt_cache "$suite" showsrc --only-source base-files |
	awk '$1 == "Version:" { print $2 }' | newest_version)
if ver=$(suite_fetch_source "$suite" base-files "$src") && [ -n "$want" ] && [ "$ver" = "$want" ] &&
   [ -f "$src/base-files_$ver.dsc" ]; then
	ok "suite_fetch_source $suite base-files printed $ver and left its .dsc"
else
	not_ok "suite_fetch_source $suite base-files: '${ver:-}' (want '$want'), $(ls "$src")"
fi

# Fetched again: nothing downloaded, same version.
if ver2=$(suite_fetch_source "$suite" base-files "$src" 2>"$src/err") && [ "$ver2" = "$ver" ] &&
   ! grep -q '^Get:' "$src/err"; then
	ok "a second fetch reuses the download"
else
	not_ok "second fetch: '${ver2:-}' $(cat "$src/err")"
fi

if suite_fetch_source "$suite" uap-no-such-source-package "$src" >/dev/null 2>&1; then
	not_ok "a source package the suite lacks was 'fetched'"
else
	ok "a source package the suite lacks fails"
fi

after=$(host_apt_state)
if [ "$before" = "$after" ]; then
	ok "the host's apt configuration and lists are unchanged"
else
	not_ok "the host's apt state changed: $(diff <(echo "$before") <(echo "$after") | head -n 20)"
fi
exit $failed
