#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The 252 backport (udev-builtin/systemd/backport-252), TAP on stdout:
#   1. it applies to Debian's tree (debian/patches applied) and to the
#      plain upstream v252.39 tarball of the same source package
#   2. the patch files are what git format-patch makes of them, byte for
#      byte (git am, then format-patch as backport-252/README.md says)
#   3. build.sh builds udevadm and test-module-util with it
#   4. that udevadm has the kmod builtin's usage message "load
#      [--async-probe]", what the project's rules look for in udevd
#   5. test-module-util passes
# Skipped when the source cannot be fetched or the build-deps are missing,
# unless UAP_SYSTEMD_REQUIRED is set (meson -Dsystemd-builtin-tests=enabled).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../udev-builtin/systemd/lib.sh"

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }
diag() { sed 's/^/# /'; }
failed=0

sd_tap_pristine_tree
echo "1..5"
T=$(mktemp -d "${TMPDIR:-/tmp}/uap-check-backport.XXXXXX")
trap 'rm -rf "$T"' EXIT
mapfile -t patches < <(sd_series_patches)

# 1. Only the files the series modifies are needed to check that it applies.
touched=$(sed -n 's|^--- a/||p' "${patches[@]}" | sort -u)
applies() {
	local tree=$1 p
	for p in "${patches[@]}"; do
		(cd "$tree" && GIT_CEILING_DIRECTORIES=$(dirname "$tree") git apply --check "$p") 2>&1 ||
			{ echo "$(basename "$p") does not apply"; return 1; }
	done
}
mkdir -p "$T/debian" "$T/upstream"
# shellcheck disable=SC2154 # pristine: set by sd_tap_pristine_tree
(cd "$pristine" && cp --parents $touched "$T/debian/")
orig=$SD_CACHE/dl-$SD_DEB_VERSION/systemd_$SD_UPSTREAM_VERSION.orig.tar.gz
top=$(set +o pipefail; tar -tzf "$orig" | head -n1 | cut -d/ -f1)
tar -C "$T/upstream" -xzf "$orig" --strip-components=1 $(printf "$top/%s " $touched)
if out=$(applies "$T/debian") && out2=$(applies "$T/upstream"); then
	ok "the series applies to Debian's systemd $SD_DEB_VERSION (debian/patches applied) and to upstream v$SD_UPSTREAM_VERSION"
else
	not_ok "the series does not apply to Debian's systemd $SD_DEB_VERSION or to upstream v$SD_UPSTREAM_VERSION"
	printf '%s\n' "$out" "${out2:-}" | diag
fi

# 2. git am, then format-patch: the same files.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=check-backport GIT_AUTHOR_EMAIL=check-backport@invalid
export GIT_COMMITTER_NAME=check-backport GIT_COMMITTER_EMAIL=check-backport@invalid
if out=$(cd "$T/debian" && git init -q && git add -A -f && git commit -q -m base &&
	 git am -q "${patches[@]}" 2>&1 &&
	 git -c core.abbrev=12 format-patch -q --zero-commit --no-signature --no-renames \
		-o "$T/out" "HEAD~${#patches[@]}" 2>&1 &&
	 for p in "${patches[@]}"; do diff -u "$p" "$T/out/$(basename "$p")" || exit 1; done); then
	ok "the patch files are git format-patch's output (git am + format-patch gives them byte for byte)"
else
	not_ok "the patch files are not what git format-patch makes of them (see backport-252/README.md)"
	echo "$out" | head -n 40 | diag
fi

# 3. The build.
if out=$("$SD_DIR/build.sh" --print udevadm 2>&1 >"$T/udevadm"); then
	udevadm=$(cat "$T/udevadm")
	ok "build.sh built udevadm and test-module-util with the series ($udevadm)"
	echo "$out" | tail -n 3 | diag
else
	not_ok "build.sh failed"
	echo "$out" | tail -n 40 | diag
	exit 1
fi

# 4. What the project's rules look for (udev-builtin/udevd.c).
if LC_ALL=C grep -q -a -F 'load [--async-probe]' "$udevadm"; then
	ok "udevadm has the usage message \"load [--async-probe]\""
else
	not_ok "udevadm lacks the usage message \"load [--async-probe]\""
fi

# 5. The unit test.
if out=$("$SD_DIR/build.sh" --unit-test 2>&1); then
	ok "test-module-util passes"
else
	not_ok "test-module-util fails"
fi
echo "$out" | tail -n 20 | diag
exit "$failed"
