#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build (or reuse) the patched udevadm (backport-252) and the stock one of
# the same source, then run host-builtin.py on them (and Debian's udevadm).
#   host-test.sh TRAP.so SHIPPED_CONF_DIR
# Skips (77) when systemd's build-deps are missing, unless
# UAP_SYSTEMD_REQUIRED is set (meson -Dsystemd-builtin-tests=enabled).
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../udev-builtin/systemd/lib.sh"

sd_tap_pristine_tree
udevadm=$("$SD_DIR/build.sh" --print udevadm)
stock=$("$SD_DIR/build.sh" --stock --print udevadm)
exec python3 "$here/host-builtin.py" "$udevadm" "$1" "$2" "$stock" /bin/udevadm
