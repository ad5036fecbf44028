# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Debian suites other than (or besides) the host's own: sid, trixie,
# bookworm. Sourced, not run.
#
# Each suite has an apt configuration of the project's own under
# $UAP_CACHE/apt/SUITE/: a sources.list with deb-src lines only, its
# lists, its package cache and an empty dpkg status. apt-get and
# apt-cache run with -o Dir::... pointing there, so the host's apt
# configuration is never read for sources nor written: a fresh Debian with
# stock sources and no deb-src entry works, and nothing of sid is ever
# installed on the host. Binaries of a suite live only in a debootstrap'ed
# root of that suite (suite_root), which installs from the archive itself.
#
#   suite_update SUITE                 apt-get update of the suite's lists
#   suite_fetch_source SUITE PKG[=VER] DIR
#                                      download a source package into DIR
#                                      (kept: a second call downloads
#                                      nothing); prints its version
#   suite_root SUITE [PACKAGE...]      a minbase root with PACKAGEs, cached
#                                      and reused; prints its directory
#   suite_chroot [--bind SRC DST]... ROOT CMD...
#                                      CMD inside ROOT
#
# UAP_DEBIAN_MIRROR and UAP_DEBIAN_SECURITY_MIRROR pick other mirrors,
# UAP_DEBIAN_KEYRING another keyring (default: the debian-archive-keyring
# package's, which has the keys of bookworm, trixie and sid).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

UAP_DEBIAN_MIRROR=${UAP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
UAP_DEBIAN_SECURITY_MIRROR=${UAP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
UAP_DEBIAN_KEYRING=${UAP_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
# Bump when suite_root's recipe changes in a way its key misses.
SUITE_ROOT_FORMAT=3

# suite_dir SUITE: the suite's apt directory (created), on stdout.
suite_dir() {
	local d=$UAP_CACHE/apt/$1
	case "$1" in
	"" | */* | .*) die "bad suite name '$1'" ;;
	esac
	check_cache_dir
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/sources.list.d" ||
		die "cannot create $d"
	[ -f "$d/status" ] || : >"$d/status"
	echo "$d"
}

# suite_lines TYPE SUITE [OPTIONS]: the sources.list lines of SUITE, of
# TYPE deb or deb-src. A stable release also gets its -updates and
# -security suites; sid and experimental are one suite each.
suite_lines() {
	local type=$1 suite=$2 opts=${3:+ $3}
	echo "$type$opts $UAP_DEBIAN_MIRROR $suite main"
	case "$suite" in
	sid | unstable | experimental | rc-buggy) ;;
	*)
		echo "$type$opts $UAP_DEBIAN_MIRROR $suite-updates main"
		echo "$type$opts $UAP_DEBIAN_SECURITY_MIRROR $suite-security main"
		;;
	esac
}

# suite_sources SUITE: write the suite's sources.list (when it changed);
# prints its path.
suite_sources() {
	local suite=$1 d want
	d=$(suite_dir "$suite")
	want="# Written by udev-async-probe (test/debian-suite.sh): sources of $suite, for apt-get source."
	want+=$'\n'"$(suite_lines deb-src "$suite" "[signed-by=$UAP_DEBIAN_KEYRING]")"
	if [ "$(cat "$d/sources.list" 2>/dev/null)" != "$want" ]; then
		printf '%s\n' "$want" >"$d/sources.list.tmp" || die "cannot write $d/sources.list"
		mv "$d/sources.list.tmp" "$d/sources.list" || die "cannot write $d/sources.list"
	fi
	echo "$d/sources.list"
}

# The options that make apt use the suite's directory and nothing of the
# host's but its keyrings and methods: sources, source parts, lists,
# caches, dpkg status and preferences.
suite_apt_options() {
	local d=$UAP_CACHE/apt/$1
	printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" \
		-o "Dir::Etc::SourceParts=$d/sources.list.d" \
		-o "Dir::Etc::Preferences=$d/preferences" \
		-o "Dir::Etc::PreferencesParts=$d/sources.list.d" \
		-o "Dir::State::Lists=$d/lists" \
		-o "Dir::State::status=$d/status" \
		-o "Dir::Cache=$d/cache" \
		-o "APT::Default-Release=" \
		-o "Acquire::Languages=none"
}

# suite_apt_tool TOOL SUITE ARGS...: apt-get or apt-cache with the suite's
# configuration.
suite_apt_tool() {
	local tool=$1 suite=$2 opts
	shift 2
	suite_sources "$suite" >/dev/null
	mapfile -t opts < <(suite_apt_options "$suite")
	"$tool" "${opts[@]}" "$@"
}

# suite_apt SUITE ARGS... and suite_apt_cache SUITE ARGS...
suite_apt() { suite_apt_tool apt-get "$@"; }
suite_apt_cache() { suite_apt_tool apt-cache "$@"; }

# suite_update SUITE: apt-get update of the suite's lists, once per
# shell and suite (the lists are locked: parallel tests wait). When the
# archive cannot be reached, lists from an earlier update are used (said
# on stderr); without any, it fails.
suite_update() {
	local suite=$1 d var rc=0
	var=UAP_SUITE_UPDATED_${suite//[^a-zA-Z0-9]/_}
	[ -z "${!var:-}" ] || return 0
	d=$(suite_dir "$suite")
	(
		flock 9
		suite_apt "$suite" update -q --error-on=any >&2
	) 9>"$d/update.lock" || rc=$?
	if [ $rc -ne 0 ]; then
		compgen -G "$d/lists/*_Sources*" >/dev/null || {
			note "apt-get update for $suite failed and there are no earlier lists"
			return 1
		}
		note "apt-get update for $suite failed; using the lists of $(date -r "$d/lists" '+%F %R')"
	fi
	export "$var=1"
}

# dsc_complete DSC: the .dsc and every file it names are there, with the
# SHA-256 it gives (an interrupted download is not complete).
dsc_complete() {
	[ -f "$1" ] || return 1
	(cd "$(dirname "$1")" &&
	 awk '/^Checksums-Sha256:/ { f = 1; next } /^[^ ]/ { f = 0 } f && NF == 3 { print $1 "  " $3 }' "$(basename "$1")" |
		sha256sum --check --quiet --strict) >/dev/null 2>&1
}

# newest_version: the highest of the Debian versions on stdin, as dpkg
# orders them.
newest_version() {
	local v best=''
	while read -r v; do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

# suite_fetch_source SUITE PKG[=VERSION] DIR: download the source package
# (.dsc and the files it names, without unpacking) into DIR, unless DIR
# already has it; prints its version: VERSION, or the suite's newest.
suite_fetch_source() {
	local suite=$1 pkg=${2%%=*} ver='' dir=$3
	[ "$pkg" = "$2" ] || ver=${2#*=}
	suite_update "$suite" || return 1
	if [ -z "$ver" ]; then
		ver=$(suite_apt_cache "$suite" showsrc --only-source "$pkg" 2>/dev/null |
			awk '$1 == "Version:" { print $2 }' | newest_version)
		[ -n "$ver" ] || { note "$suite has no source package $pkg"; return 1; }
	fi
	mkdir -p "$dir" || die "cannot create $dir"
	if ! dsc_complete "$dir/${pkg}_${ver#*:}.dsc"; then
		note "fetching the $suite source of $pkg $ver into $dir"
		(cd "$dir" && suite_apt "$suite" source --download-only -q "$pkg=$ver") >&2 || {
			note "apt-get source $pkg=$ver ($suite) failed"
			return 1
		}
	fi
	echo "$ver"
}

# suite_chroot [--bind SRC DST]... ROOT CMD...: CMD chrooted into ROOT as
# root, with /proc, /sys, /dev, a private /run and /tmp, and each SRC
# bound at DST (created in ROOT if missing), all in a private mount
# namespace that ends with CMD. ROOT is bound onto itself, so that its /
# is a mount point, as on a real system (unshare --mount in it makes /
# private, which fails on a plain directory). The environment is cleared but for PATH,
# DEBIAN_FRONTEND and the variables named in SUITE_CHROOT_ENV.
suite_chroot() {
	local binds=() root v envs=()
	while [ "${1:-}" = --bind ]; do
		binds+=("$2" "$3")
		shift 3
	done
	root=$1
	shift
	for v in ${SUITE_CHROOT_ENV:-}; do
		envs+=("$v=${!v:-}")
	done
	unshare --mount --propagation private -- bash -c '
		root=$1 n=$2; shift 2
		mount --bind "$root" "$root" &&
		mount -t proc proc "$root/proc" &&
		mount -t sysfs sysfs "$root/sys" &&
		mount --rbind /dev "$root/dev" &&
		mount -t tmpfs tmpfs "$root/run" &&
		mount -t tmpfs tmpfs "$root/tmp" || exit 1
		while [ "$n" -gt 0 ]; do
			mkdir -p "$root/$2" && mount --bind "$1" "$root/$2" || exit 1
			shift 2; n=$((n - 1))
		done
		[ "$1" = -- ] && shift
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"' suite_chroot "$root" $((${#binds[@]} / 2)) \
		"${binds[@]}" -- "${envs[@]}" "$@"
}

# The host's settings for reaching the archive, for a root to reach it the
# same way: its proxies, and whether it checks Release files' Valid-Until
# (off where the host installs from a frozen snapshot of the archive).
host_apt_settings() {
	echo "// The host's settings for reaching the archive (test/debian-suite.sh)."
	apt-config dump 2>/dev/null |
		grep -E '^Acquire::(https?::Proxy|Check-Valid-Until) ' || true
}

# suite_archives SUITE: the package cache the roots of SUITE share
# (created), on stdout: bind it at /var/cache/apt/archives of a root for
# apt-get install, so that a cold run fetches what they have in common once.
suite_archives() {
	local d
	d=$(suite_dir "$1")/root-archives
	mkdir -p "$d/partial" || die "cannot create $d"
	echo "$d"
}

# suite_root SUITE [PACKAGE...]: a minbase root of SUITE with PACKAGEs
# (and what they depend on, without recommends) installed, under
# $UAP_CACHE/roots/, made once and then reused: keyed on the suite, the
# mirror, the packages and SUITE_ROOT_FORMAT, built under a lock (one at a
# time), so parallel callers wait and get the same root. Prints its
# directory; never write to it (bind a directory over a path in it, or
# copy it). Needs root. debootstrap runs once per suite: each root starts
# as a copy of that minbase, gets the host's resolver and apt settings of
# the day, the suite's -updates and -security suites (the sources that
# suite_fetch_source takes too), a dist-upgrade and its packages, through
# suite_archives. A root of a moving suite (sid) is as old as the day it
# was made: remove it (and its minbase) to get a newer one.
suite_root() {
	local suite=$1 key root tmp log pkgs base archives
	shift
	[ "$(id -u)" -eq 0 ] || die "a $suite root needs root (debootstrap, chroot)"
	command -v debootstrap >/dev/null || die "a $suite root needs debootstrap (test/deps.sh installs it)"
	check_cache_dir
	mkdir -p "$UAP_CACHE/roots" || die "cannot create $UAP_CACHE/roots"
	pkgs=$(printf '%s\n' "$@" | sort -u | xargs)
	key=$(echo "$SUITE_ROOT_FORMAT $suite $UAP_DEBIAN_MIRROR $pkgs" | sha256sum | cut -c1-16)
	root=$UAP_CACHE/roots/$suite-$key
	key=$(echo "$SUITE_ROOT_FORMAT $suite $UAP_DEBIAN_MIRROR" | sha256sum | cut -c1-16)
	base=$UAP_CACHE/roots/$suite-minbase-$key
	archives=$(suite_archives "$suite")
	(
		flock 9
		[ -f "$root/.complete" ] && exit 0
		if [ ! -f "$base/.complete" ]; then
			log=$base.log
			rm -rf --one-file-system "$base" "$base.tmp" || die "cannot remove $base.tmp"
			note "debootstrap $suite from $UAP_DEBIAN_MIRROR into $base.tmp (log: $log)"
			debootstrap --variant=minbase --keyring="$UAP_DEBIAN_KEYRING" \
				"$suite" "$base.tmp" "$UAP_DEBIAN_MIRROR" >"$log" 2>&1 ||
				{ tail -n 20 "$log" >&2; die "debootstrap $suite failed (log: $log)"; }
			# Its packages seed the shared cache instead of being copied into every root.
			find "$base.tmp/var/cache/apt/archives" -maxdepth 1 -name '*.deb' \
				-exec mv -f -t "$archives" {} + || die "cannot move debootstrap's packages to $archives"
			suite_lines deb "$suite" >"$base.tmp/etc/apt/sources.list" &&
				echo "$suite minbase" >"$base.tmp/.complete" &&
				mv "$base.tmp" "$base" || die "cannot complete $base"
		fi
		tmp=$root.tmp
		log=$root.log
		rm -rf --one-file-system "$tmp" || die "cannot remove $tmp"
		{ cp -a "$base" "$tmp" && rm "$tmp/.complete" &&
		  cp -L /etc/resolv.conf "$tmp/etc/resolv.conf" &&
		  host_apt_settings >"$tmp/etc/apt/apt.conf.d/00udev-async-probe-host"; } ||
			die "cannot make $tmp from $base"
		[ -z "$pkgs" ] || note "installing in the $suite root: $pkgs"
		# shellcheck disable=SC2086 # one word per package
		{ suite_chroot "$tmp" apt-get update -q &&
		  suite_chroot --bind "$archives" /var/cache/apt/archives "$tmp" sh -c \
			'apt-get dist-upgrade -y -q && apt-get install -y -q --no-install-recommends "$@" &&
			 apt-get autoclean -q' sh $pkgs; } >"$log" 2>&1 ||
			{ tail -n 20 "$log" >&2; die "installing '$pkgs' in the $suite root failed (log: $log)"; }
		echo "$suite $pkgs" >"$tmp/.complete" && mv "$tmp" "$root" || die "cannot complete $root"
	) 9>"$UAP_CACHE/roots/lock" || exit 1
	echo "$root"
}
