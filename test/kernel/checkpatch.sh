#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scripts/checkpatch.pl --strict on every patch of the series; any error,
# warning or check fails, except UNKNOWN_COMMIT_ID: the unpacked tarball
# has no git history, so checkpatch cannot look up any cited commit and
# flags every one (the ids in commit messages are checked by hand; the
# form of each citation is still checked, as GIT_COMMIT_ID).
set -eu -o pipefail
. "$(dirname "$0")/lib.sh"

check_cache_dir
exec 9>"$UAP_CACHE/pristine.lock"
flock 9
tree=$(pristine_tree)
# checkpatch runs scripts/spdxcheck.py through `python3`; Debian's has ply
# (python3-ply), a pyenv or venv one may not.
if /usr/bin/python3 -c 'import ply' 2>/dev/null; then
	export PATH=/usr/bin:$PATH
fi

bad=0 n=0
for p in $(kernel_series_patches); do
	n=$((n + 1))
	out=$(cd "$tree" && ./scripts/checkpatch.pl --strict --color=never --ignore UNKNOWN_COMMIT_ID "$p" 2>&1) || true
	total=$(echo "$out" | grep -E '^total: ' || echo "total: no result")
	echo "$(basename "$p"): $total"
	if [ "$total" != "$(echo "$total" | grep -E '^total: 0 errors, 0 warnings, 0 checks')" ]; then
		echo "$out"
		bad=$((bad + 1))
	fi
done
[ "$n" -gt 0 ] || die "empty series"
echo "$((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
