/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* The option of udevd's kmod builtin that appends async_probe=1. */
#define UDEVD_ASYNC_PROBE_OPTION "--async-probe"

int udevd_path(char *buf, size_t size);
int udevd_has_async_probe(const char *path);
