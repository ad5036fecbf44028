/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel log into the report's tables, line by line (parse.c). */
#include <stddef.h>

#include "model.h"

int report_parse_line(struct report *r, const char *line, size_t len);
int report_parse_buffer(struct report *r, const char *data, size_t size);
