/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What ran while what else ran (overlap.c), for the analysis. Needs the
 * probes sorted by start, each with its driver, and the log's touch.
 */
#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct report_overlap {
        size_t *alone_attach;   /* per probe: the module (index + 1) whose init call alone ran at its attach */
        size_t *alone_probe;    /* per probe: ... alone ran from its start to its end */
        bool *nested;           /* per probe: inside a longer probe of another driver */
        size_t *named;          /* per driver: the load (module index + 1) of its name its attach ran in */
};

int report_overlap(struct report *r, struct report_overlap *o);
void report_overlap_done(struct report_overlap *o);
