/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel log into the report's tables, line by line (parse.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

int report_parse_line(struct report *r, const char *line, size_t len);
int report_parse_buffer(struct report *r, const char *data, size_t size);

/*
 * The forms' common parts, each 1 when it used the line (parse.c). A log
 * record's facility is the kernel's (0) or a program's (any other), or
 * -1 where the form does not tell; @checked: the writer's name is
 * journald's word, not the writer's own.
 */
int report_parse_message(struct report *r, uint64_t t, const char *msg, int facility);
int report_parse_program_line(struct report *r, uint64_t t, const char *ident, size_t len, int pid,
                              const char *text, bool checked);
int report_parse_device_bus(struct report *r, const char *device);
bool report_parse_u64(const char **p, uint64_t max, uint64_t *ret);

/* journal.c: a line of journalctl -o json */
int report_parse_journal_entry(struct report *r, const char *line, size_t len);
