/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The report as text, JSON (output.c) and an SVG timeline (svg.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "listing.h"
#include "model.h"

/* One boot's probes in the picture, drawn as rows of one lane. */
struct report_lane {
        const struct report *r;
        const char *id;                 /* "a", "b": the lane's id; NULL for a single boot */
        const char *name;               /* its heading; NULL for a single boot */
        const size_t *rows;             /* probe indices, by start */
        size_t n_rows;
};

/* The picture: its lanes on one time axis. */
struct report_picture {
        const char *title;
        const struct report_lane *lanes;
        size_t n_lanes;
        uint64_t axis_end_usec;         /* the axis runs at least this far; 0: to the last probe */
};

void report_print_text(const struct report *r, const struct report_list *l, FILE *f, const char *source);
void report_print_json(const struct report *r, const struct report_list *l, FILE *f, enum json_mode mode,
                       const char *source);
void report_write_svg(const struct report_picture *pic, FILE *f);
void report_format_usec(uint64_t usec, char *buf, size_t size);
