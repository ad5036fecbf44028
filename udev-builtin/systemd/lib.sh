# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034
# Shared paths and helpers for the systemd builtin scripts; sourced, not run.

SD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SD_DIR/../../test/debian-suite.sh"
REPO_DIR=$UAP_TOP
SD_CACHE=$UAP_CACHE/systemd
JOBS=${JOBS:-2}

# The Debian source the backport is made against: bookworm's systemd, with
# Debian's own patches applied (what "apt-get source systemd" unpacks). It
# applies to the plain upstream v252.39 tree too (test/systemd/
# check-backport.sh checks both). Older versions stay on snapshot.debian.org.
SD_DEB_VERSION=252.39-1~deb12u2
SD_DEB_SUITE=bookworm
SD_UPSTREAM_VERSION=${SD_DEB_VERSION%%-*}

# The series build.sh applies: the kmod builtin's --async-probe switch,
# backported from the upstream form (upstream/) to 252.
SD_SERIES_DIR=$SD_DIR/backport-252

# The patch files named by the series file, in order.
sd_series_patches() {
	series_patches "$SD_SERIES_DIR"
}

# The unpacked Debian source tree (downloaded once, then reused), on stdout,
# fetched with the project's own apt sources for the suite
# (test/debian-suite.sh; the host's need no deb-src entry). Exits 77
# (meson's "skipped") when it cannot be fetched and UAP_SYSTEMD_REQUIRED is
# not set.
pristine_tree() {
	local tree=$SD_CACHE/systemd-$SD_DEB_VERSION dl=$SD_CACHE/dl-$SD_DEB_VERSION
	check_cache_dir
	mkdir -p "$SD_CACHE" || die "cannot create $SD_CACHE"
	exec 8>"$SD_CACHE/pristine.lock"
	flock 8
	if [ ! -f "$tree/.unpacked" ]; then
		if ! suite_fetch_source "$SD_DEB_SUITE" "systemd=$SD_DEB_VERSION" "$dl" >/dev/null; then
			flock -u 8
			[ -n "${UAP_SYSTEMD_REQUIRED:-}" ] &&
				die "cannot fetch systemd $SD_DEB_VERSION from $SD_DEB_SUITE (gone from the archive? snapshot.debian.org?)"
			note "SKIP: cannot fetch the systemd $SD_DEB_VERSION source"
			exit 77
		fi
		rm -rf "$tree"
		dpkg-source --no-check -x "$dl/systemd_$SD_DEB_VERSION.dsc" "$tree" >&2 ||
			die "dpkg-source -x failed"
		touch "$tree/.unpacked"
	fi
	flock -u 8
	echo "$tree"
}

# For a TAP test: sets $pristine to the unpacked tree, or ends the test
# as skipped (exit 0) when the source cannot be fetched or the build-deps
# are missing; with UAP_SYSTEMD_REQUIRED set, missing build-deps fail it.
sd_tap_pristine_tree() {
	local missing
	pristine=$(pristine_tree) || {
		[ $? -eq 77 ] || exit 1
		echo "1..0 # SKIP no systemd $SD_DEB_VERSION source"
		exit 0
	}
	if ! missing=$(cd "$pristine" && dpkg-checkbuilddeps 2>&1); then
		[ -n "${UAP_SYSTEMD_REQUIRED:-}" ] && die "$missing (run udev-builtin/systemd/ci-prepare.sh)"
		echo "1..0 # SKIP systemd build-deps missing: $missing"
		exit 0
	fi
}

# Key for builds from the patched tree: Debian version, series, patches and
# the build script itself.
series_key() {
	{
		echo "$SD_DEB_VERSION"
		cat "$SD_SERIES_DIR/series"
		sd_series_patches | xargs -r cat
		cat "$SD_DIR/build.sh"
	} | sha256sum | cut -c1-16
}
