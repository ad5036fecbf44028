/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Where the program keeps, until reboot, what it did and what it warned about. */
#define STATE_DIR "/run/udev-async-probe"

int state_dir(bool create);
int state_subdir(int dir, const char *name, bool create);
int state_write_new_file(int dir, const char *name, const char *text);
int state_replace_file(int tmp_dir, const char *tmp, int dir, const char *name, const char *text);
