/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Which probes and drivers a report lists, and in which order (listing.c):
 * --sort, --top, --min-duration, --no-built-in. The summaries (critical
 * path, buses, a comparison's totals) always count every probe.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum report_sort {
        REPORT_SORT_START,
        REPORT_SORT_DURATION,   /* longest first, as systemd-analyze blame */
};

struct report_listing {
        enum report_sort sort;
        size_t top;             /* only the N longest; 0: all */
        uint64_t min_usec;      /* leave out probes shorter than this */
        bool no_built_in;       /* leave out built-in drivers' probes before user space */
        uint64_t axis_end_usec; /* the SVG's time axis runs at least this far; 0: to the last probe */
};

/* What one report lists: indices into r->probes and r->drivers. */
struct report_list {
        const struct report_listing *listing;
        size_t *probes, n_probes;       /* in listing order */
        size_t *timeline, n_timeline;   /* the same probes by start: the SVG's rows */
        size_t *drivers, n_drivers;
};

int report_list_make(struct report_list *l, const struct report *r, const struct report_listing *listing);
void report_list_done(struct report_list *l);
bool report_probe_early_built_in(const struct report *r, const struct report_probe *p);
const char *report_sort_to_string(enum report_sort sort);
/* "the 5 longest, 10.0ms or longer, no built-in driver before user space", or "" */
void report_listing_describe(const struct report_listing *l, char *buf, size_t size);
