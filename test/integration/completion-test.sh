#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion, driven as bash drives it. Prints TAP.
#   completion-test.sh COMPLETION_FILE
set -u
. /usr/share/bash-completion/bash_completion || { echo "1..0 # SKIP no bash-completion"; exit 0; }
. "$1"
# Only bash itself may call compopt, from a completion it runs.
compopt() { :; }

n=0 failed=0
# complete LINE WANT...: the words offered for the last word of LINE
complete_line() {
	local line=$1 got
	shift
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line COMP_POINT=${#line}
	COMPREPLY=()
	_udev_async_probe
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' ')
	n=$((n + 1))
	if [ "$got" = "$*" ]; then
		echo "ok $n - '$line' -> $got"
	else
		failed=$((failed + 1))
		echo "not ok $n - '$line' -> '$got', expected '$*'"
	fi
}

complete_line "udev-async-probe " config explain help load report rules settle status version
complete_line "udev-async-probe ex" explain
complete_line "udev-async-probe -C /etc st" status
complete_line "udev-async-probe explain --js" --json --json=
complete_line "udev-async-probe status --json=p" pretty
complete_line "udev-async-probe load --t" --timeout=
complete_line "udev-async-probe rules --o" --output=
complete_line "udev-async-probe rules --no" --no-kernel-cmdline
complete_line "udev-async-probe settle --t" --timeout=
complete_line "udev-async-probe report --j" --journal --journal= --json --json=
complete_line "udev-async-probe report --sv" --svg=
complete_line "udev-async-probe report --c" --compare= --config
complete_line "udev-async-probe report --so" --sort=
complete_line "udev-async-probe report --sort=d" duration
complete_line "udev-async-probe report --sort " duration start
complete_line "udev-async-probe report --t" --time-range= --top=
complete_line "udev-async-probe report --mi" --min-duration=
complete_line "udev-async-probe report --no" --no-built-in
# --compare takes a file or journal:BOOT: in an empty directory, only the latter.
here=$PWD empty=$(mktemp -d)
cd "$empty"
complete_line "udev-async-probe report --compare=jo" journal:
cd "$here"
rmdir "$empty"
complete_line "udev-async-probe --vers" --version
echo "1..$n"
[ $failed -eq 0 ]
