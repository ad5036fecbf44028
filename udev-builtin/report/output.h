/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The report as text, JSON (output.c) and an SVG timeline (svg.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "model.h"

void report_print_text(const struct report *r, FILE *f, const char *source);
void report_print_json(const struct report *r, FILE *f, enum json_mode mode, const char *source);
void report_write_svg(const struct report *r, FILE *f, const char *title);
void report_format_usec(uint64_t usec, char *buf, size_t size);
