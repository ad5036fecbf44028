/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where the log comes from (input.c): each reader logs its own errors. */
#include "model.h"

int report_read_kmsg(struct report *r);
int report_read_file(struct report *r, const char *path);
/* @boot: as journalctl -b takes it (-1, a boot id); NULL: this boot */
int report_read_journal(struct report *r, const char *boot);
