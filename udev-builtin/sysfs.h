/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

int read_one_line(const char *path, char *buf, size_t size);
