/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Two boots side by side (compare.c): A, the boot --compare names, and B,
 * the report's own. Devices are matched by name; the totals are each
 * boot's, the differences B - A.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "listing.h"
#include "model.h"
#include "output.h"

enum { REPORT_A, REPORT_B };

/* One device in one boot. */
struct report_side {
        bool present;
        size_t main;            /* the probe that bound it (its last that returned 0), else its last */
        uint64_t start_usec;    /* its first probe's start */
        uint64_t usec;          /* the time of all its probes */
        size_t n_probes;
        bool bound;             /* a probe of it returned 0 */
        bool critical;          /* a probe of it is on the critical path */
        bool early_built_in;    /* every probe of it: a built-in driver's, before user space */
};

struct report_row {
        const char *device;
        struct report_side side[2];
        size_t pos;             /* in the default order: B's by start, then those only in A */
        bool shown;
};

/* Why a boot's synchronous totals are unknown. */
enum report_sync_unknown {
        REPORT_SYNC_KNOWN,
        REPORT_SYNC_NO_PROBES,          /* the boot has no probe */
        REPORT_SYNC_MODES,              /* a probe counted is of unknown mode */
        REPORT_SYNC_BUSES,              /* a probe's bus is unknown: it may be on a listed one */
        REPORT_SYNC_MODES_AND_BUSES,
};

/* A boot's totals on the listed buses (every bus when none is listed); -1: none, or unknown. */
struct report_totals {
        size_t probes;
        int64_t end_usec;               /* when the last probe counted ended */
        int64_t end_after_udevd_usec;   /* the same from systemd-udevd's first line; -1 also: ended before it */
        enum report_sync_unknown sync_unknown;
        int64_t sync_probes;            /* -1 (and sync_usec) unless sync_unknown is REPORT_SYNC_KNOWN */
        int64_t sync_usec;
        size_t critical_probes;
        int64_t critical_usec;
        int64_t critical_end_usec;
};

struct report_comparison {
        const struct report *boot[2];
        const char *source[2];
        const struct report_listing *listing;
        bool all_buses;                 /* no bus listed: the totals count every bus */
        struct report_totals totals[2];
        struct report_row *rows;        /* in the default order */
        size_t n_rows;
        size_t *shown, n_shown;         /* rows listed, in listing order */
        size_t *lane[2], n_lane[2];     /* the probes of the rows listed, by start: the SVG's */
        size_t *row_of[2];              /* probe index -> row */
};

int report_compare(struct report_comparison *c, const struct report *a, const char *source_a,
                   const struct report *b, const char *source_b, const struct report_listing *listing);
void report_comparison_done(struct report_comparison *c);
void report_print_compare_text(const struct report_comparison *c, FILE *f);
void report_print_compare_json(const struct report_comparison *c, FILE *f, enum json_mode mode);
