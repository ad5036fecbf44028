#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# udevadm (systemd-udevd is the same multi-call binary) of Debian trixie's
# systemd with udev-builtin/systemd/backport-257's series applied, for
# the trixie guest of the qemu lane (run-lane.sh --suite trixie). Prints
# its path and the Debian version it was built from ("PATH VERSION").
#
#   backport-257.sh
#
# Exits 77 when trixie's systemd source cannot be fetched (check-upstream.sh
# skips; with UAP_SYSTEMD_REQUIRED it fails).
# It is the udevadm target of the tree and build dir of check-upstream.sh
# --target=backport-257, which the systemd tests build for the unit test
# anyway: trixie's orig tarball (Debian's tree) plus the series, with
# Debian's paths, -Dlink-udev-shared=false (the binary carries the
# patched module-util.c of libshared and replaces the guest's
# /usr/bin/udevadm alone) and the builtins udevd uses at boot (kmod,
# blkid, acl). It is built on the host where the host's meson is new
# enough, else in a trixie root: a binary built against bookworm's glibc
# and libraries runs on trixie's newer ones (same sonames), and
# run-lane.sh runs it in the guest's tree before booting it. Only what
# changed is built again.
set -eu -o pipefail
. "$(dirname "$(readlink -f "$0")")/../debian-suite.sh"

log=$(mktemp) || die "cannot create a temporary file"
trap 'rm -f "$log"' EXIT
tap=$(bash "$UAP_TOP/udev-builtin/systemd/check-upstream.sh" --target=backport-257 --udevadm 2>"$log") ||
	die "check-upstream.sh --target=backport-257 --udevadm failed: $tap $(tail -n 20 "$log")"
if grep -q '^1\.\.0 # SKIP' <<<"$tap"; then
	# Nothing to build from (the archive cannot be reached, the cache
	# cannot be written): exit 77, as build.sh, saying why.
	note "$tap"
	exit 77
fi
out=$(sed -n 's/.*udevadm: //p' "$log" | tail -n 1)
read -r path ver <<<"$out"
if [ ! -x "${path:-}" ] || [ -z "${ver:-}" ]; then
	die "no udevadm from check-upstream.sh: $tap $(tail -n 20 "$log")"
fi
note "$(grep '^ok 5 ' <<<"$tap")"
echo "$path $ver"
