# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Helpers shared by the project's bash scripts (setup, kernel, systemd,
# qemu, benchmarks); sourced, not run. The scripts that run inside a
# guest are POSIX sh and have their own (test/e2e/lib.sh).

UAP_CACHE=${UAP_CACHE:-/var/cache/udev-async-probe}
UAP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
	echo "$(basename "$0"): error: $*" >&2
	exit 1
}

note() {
	echo "$(basename "$0"): $*" >&2
}

# The cache holds kernel, systemd and qemu builds; never inside the
# repository, where git clean and a fresh clone would lose it.
check_cache_dir() {
	case "$UAP_CACHE/" in
	"$UAP_TOP"/*) die "UAP_CACHE ($UAP_CACHE) must be outside the repository" ;;
	esac
	mkdir -p "$UAP_CACHE" || die "cannot create $UAP_CACHE"
}

# The patch files a series file names, in order: series_patches DIR [SERIES].
series_patches() {
	local dir=$1 series=${2:-$1/series} p
	[ -f "$series" ] || die "no $series"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series" |
	while read -r p; do
		[ -f "$dir/$p" ] || die "$series names missing patch $p"
		echo "$dir/$p"
	done
}

# ratio A B [DIGITS]: A / B, for the benchmark tables.
ratio() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "n/a"; else printf "%.*f", d, a / b }'
}

# Package names from a list with "# why" comments: words outside comments.
package_words() {
	printf '%s\n' "$@" | sed 's/#.*//' | xargs -r printf '%s\n'
}

# ensure_packages WHAT PKG...: install the packages that are missing, and
# say which. Idempotent; as root only when something is missing.
ensure_packages() {
	local what=$1 p missing=()
	shift
	for p in $(package_words "$@"); do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		[ "$(id -u)" -eq 0 ] || die "$what needs ${missing[*]}; run as root to install them"
		note "$what: installing ${missing[*]}"
		apt_update_once
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
	fi
	echo "$what: packages present: $(package_words "$@" | xargs)"
}

# ensure_dir WHAT DIR: a directory the tests mount over (an empty one is
# enough); said when created.
ensure_dir() {
	[ -d "$2" ] && return 0
	[ "$(id -u)" -eq 0 ] || die "$1 needs the directory $2; run as root to create it"
	note "$1: creating $2 (empty), a mount point for the tests"
	mkdir -p "$2" || die "cannot create $2"
}

apt_update_once() {
	[ -z "${UAP_APT_UPDATED:-}" ] || return 0
	note "apt-get update"
	apt-get update -q >&2 || die "apt-get update failed"
	export UAP_APT_UPDATED=1
}
