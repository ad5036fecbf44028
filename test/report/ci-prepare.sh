#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the report's tests need beyond the program's build (run as root;
# idempotent). clang's libFuzzer for the fuzz run comes with the test
# packages of test/deps.sh.
set -eu
. "$(dirname "$(readlink -f "$0")")/../common.sh"

packages=(
	chromium	# a real browser renders the SVG timeline to a PNG, headless
	fonts-dejavu-core	# the timeline's font, so its text renders the same everywhere
	libexpat1-dev	# the fuzz target checks that every SVG is well-formed XML
)
ensure_packages "report tests" "${packages[@]}"
