/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where --svg=FILE goes (target.c). */
#include "output.h"

struct report_target {
        const char *path;
        int fd;                 /* a descriptor of the caller's that FILE names, or -1 */
};

int report_target_open(struct report_target *t, const char *path);
int report_target_write(const struct report_target *t, const struct report_picture *pic);
