/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

int read_one_line(const char *path, char *buf, size_t size);
/* The first line of what one read(2) of @fd gives, without its newline. */
int read_line_fd(int fd, char *buf, size_t size);
int read_module_async_probe(const char *module, char *buf, size_t size);
