/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The probes as a timeline, in the manner of systemd-analyze plot: one row
 * per probe, a time axis from boot, async and sync told apart by colour.
 * A self-contained SVG: styles inline, no scripts, no external references;
 * every text from the log escaped for XML.
 */
#include <inttypes.h>
#include <string.h>

#include "output.h"
#include "utf8.h"

#define FONT_PX 12
#define CHAR_PX 7               /* a sans-serif character at FONT_PX, about */
#define ROW_PX 18
#define BAR_PX 12
#define CHART_PX 960            /* the time axis */
#define TOP_PX 100              /* title, legend, axis labels */
#define MARGIN_PX 10
#define DURATION_PX 80          /* room for the duration right of a bar */
#define LABEL_MAX_PX 420

/*
 * Text as XML character data. utf8_escape() shows every C0 control, DEL,
 * the C1 controls, broken UTF-8 and surrogates as \xNN; of what XML 1.0
 * forbids that leaves U+FFFE and U+FFFF, shown the same way, byte by byte
 * (a character reference to them is not well-formed either).
 */
static void put_text(FILE *f, const char *s)
{
        char buf[2048];

        utf8_escape(s, buf, sizeof(buf));
        for (const char *p = buf; *p; p++)
                switch (*p) {
                case '&':
                        fputs("&amp;", f);
                        break;
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                case '\'':
                        fputs("&apos;", f);
                        break;
                case '\xef':
                        if (p[1] == '\xbf' && (p[2] == '\xbe' || p[2] == '\xbf')) {
                                fprintf(f, "\\xef\\xbf\\x%02x", (unsigned char) p[2]);
                                p += 2;
                                break;
                        }
                        /* fall through */
                default:
                        fputc(*p, f);
                }
}

/* A step of 1, 2 or 5 times a power of ten giving at most 12 ticks. */
static uint64_t tick_step(uint64_t range)
{
        static const uint64_t mult[] = { 1, 2, 5 };

        for (uint64_t p = 1; p < UINT64_MAX / 10; p *= 10)
                for (size_t i = 0; i < 3; i++)
                        if (range / (p * mult[i]) <= 12)
                                return p * mult[i];
        return UINT64_MAX / 10;
}

/* Tick labels in seconds, with as many decimals as the step needs. */
static void tick_label(uint64_t usec, uint64_t step, char *buf, size_t size)
{
        uint64_t s = usec / 1000000, frac = usec % 1000000;

        if (step >= 1000000)
                snprintf(buf, size, "%" PRIu64 " s", s);
        else if (step >= 100000)
                snprintf(buf, size, "%" PRIu64 ".%01" PRIu64 " s", s, frac / 100000);
        else if (step >= 10000)
                snprintf(buf, size, "%" PRIu64 ".%02" PRIu64 " s", s, frac / 10000);
        else if (step >= 1000)
                snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 " s", s, frac / 1000);
        else
                snprintf(buf, size, "%" PRIu64 ".%06" PRIu64 " s", s, frac);
}

/* A lane's heading, and the room below it for its marks' labels. */
#define LANE_HEAD_PX 36
#define LANE_GAP_PX 12

struct layout {
        uint64_t range, step;   /* usec on the axis, between ticks */
        double scale;           /* px per usec */
        unsigned label_px, x0, width, height;
};

static void label_of(const struct report_probe *p, char *buf, size_t size)
{
        if (p->driver[0])
                snprintf(buf, size, "%s (%s)", p->device, p->driver);
        else
                snprintf(buf, size, "%s", p->device);
}

/* The rows of a lane, with its heading when it has one. */
static unsigned lane_px(const struct report_lane *lane)
{
        return (lane->name ? LANE_HEAD_PX : 0) + (unsigned) lane->n_rows * ROW_PX;
}

/*
 * Every lane on one axis: from boot to the last probe drawn or mark, or
 * to @pic->axis_end_usec where that is later (pictures of several boots
 * on one scale), in steps of 1, 2 or 5.
 */
static struct layout layout_of(const struct report_picture *pic)
{
        struct layout l = {};
        uint64_t end = 1000;
        size_t longest = 0;
        char label[2 * REPORT_NAME_MAX + 4];
        unsigned rows_px = 0;

        for (size_t k = 0; k < pic->n_lanes; k++) {
                const struct report_lane *lane = &pic->lanes[k];

                for (size_t i = 0; i < lane->n_rows; i++) {
                        const struct report_probe *p = &lane->r->probes[lane->rows[i]];

                        label_of(p, label, sizeof(label));
                        if (strlen(label) > longest)
                                longest = strlen(label);
                        if (p->end_usec > end)
                                end = p->end_usec;
                }
                if (lane->r->udevd_usec > end)
                        end = lane->r->udevd_usec;
                rows_px += lane_px(lane) + (k > 0 ? LANE_GAP_PX : 0);
        }
        if (pic->axis_end_usec >= end) {
                l.step = tick_step(pic->axis_end_usec);
                l.range = (pic->axis_end_usec + l.step - 1) / l.step * l.step;
        } else {
                l.step = tick_step(end);
                l.range = (end / l.step + 1) * l.step;
        }
        l.scale = (double) CHART_PX / (double) l.range;
        l.label_px = longest * CHAR_PX + 2 * MARGIN_PX;
        if (l.label_px > LABEL_MAX_PX)
                l.label_px = LABEL_MAX_PX;
        if (l.label_px < 120)
                l.label_px = 120;
        l.x0 = l.label_px;
        l.width = l.x0 + CHART_PX + DURATION_PX;
        l.height = TOP_PX + rows_px + 2 * MARGIN_PX;
        return l;
}

static double x_of(const struct layout *l, uint64_t usec)
{
        return l->x0 + (double) usec * l->scale;
}

/* "9 probes: 3 async, 6 sync, 0 unknown; 3 drivers", or "5 of 47 probes: ..." */
static void put_counts(FILE *f, const struct report_lane *lane)
{
        const struct report *r = lane->r;
        size_t n_async = 0, n_sync = 0;

        for (size_t i = 0; i < lane->n_rows; i++) {
                n_async += r->probes[lane->rows[i]].mode == REPORT_MODE_ASYNC;
                n_sync += r->probes[lane->rows[i]].mode == REPORT_MODE_SYNC;
        }
        if (lane->n_rows < r->n_probes)
                fprintf(f, "%zu of ", lane->n_rows);
        fprintf(f, "%zu probes: %zu async, %zu sync, %zu unknown; %zu drivers%s", r->n_probes, n_async, n_sync,
                lane->n_rows - n_async - n_sync, r->n_drivers,
                r->times_received ? "; times: when journald received each line, not the kernel's" : "");
}

static void write_head(const struct report_picture *pic, FILE *f, const struct layout *l)
{
        fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
                "viewBox=\"0 0 %u %u\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"%u\">\n",
                l->width, l->height, l->width, l->height, FONT_PX);
        fputs("<style>\n"
              "rect.async { fill: #2b7bb9; }\n"
              "rect.sync { fill: #e8743b; }\n"
              "rect.unknown { fill: #9a9a9a; }\n"
              "rect.failed { fill-opacity: 0.4; stroke: #c62828; stroke-width: 1; stroke-dasharray: 3 2; }\n"
              "rect.critical { stroke: #000000; stroke-width: 1.5; }\n"
              "rect.stripe { fill: #f2f2f2; }\n"
              "line.tick { stroke: #d0d0d0; stroke-width: 1; }\n"
              "line.mark { stroke: #6a1b9a; stroke-width: 1; stroke-dasharray: 4 3; }\n"
              "line.lane { stroke: #444444; stroke-width: 1; }\n"
              "text.small { font-size: 10px; fill: #444444; }\n"
              "text.mark { font-size: 10px; fill: #6a1b9a; }\n"
              "</style>\n", f);
        fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n", l->width, l->height);
        fprintf(f, "<text x=\"%u\" y=\"22\" font-size=\"16\" font-weight=\"bold\">", MARGIN_PX);
        put_text(f, pic->title);
        fprintf(f, "</text>\n<text x=\"%u\" y=\"40\" class=\"small\">", MARGIN_PX);
        if (pic->n_lanes == 1)
                put_counts(f, &pic->lanes[0]);
        else
                fprintf(f, "%zu boots on one time axis, one lane each; a device's probes in each lane", pic->n_lanes);
        fputs("</text>\n", f);
}

static void write_legend(FILE *f)
{
        static const struct {
                const char *class, *text;
        } items[] = {
                { "async", "async probe" },
                { "sync", "sync probe" },
                { "unknown", "not known" },
                { "sync failed", "probe failed (any colour)" },
                { "unknown critical", "on the critical path" },
        };
        unsigned x = MARGIN_PX;

        for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
                fprintf(f, "<rect class=\"%s\" x=\"%u\" y=\"50\" width=\"24\" height=\"%u\"/>"
                        "<text x=\"%u\" y=\"60\">%s</text>\n", items[i].class, x, BAR_PX, x + 30,
                        items[i].text);
                x += 30 + (unsigned) strlen(items[i].text) * CHAR_PX + 24;
        }
}

/* The ticks, across every lane. */
static void write_axis(FILE *f, const struct layout *l)
{
        unsigned bottom = l->height - MARGIN_PX;
        char label[48];

        for (uint64_t t = 0; t <= l->range; t += l->step) {
                double x = x_of(l, t);

                tick_label(t, l->step, label, sizeof(label));
                fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"/>"
                        "<text x=\"%.1f\" y=\"%u\" text-anchor=\"middle\" class=\"small\">%s</text>\n",
                        x, TOP_PX - 8, x, bottom, x, TOP_PX - 12, label);
        }
}

/* Where user space and systemd-udevd started, over a lane from @top to @bottom, labelled at @label_y. */
static void write_marks(const struct report *r, FILE *f, const struct layout *l, unsigned top, unsigned bottom,
                        unsigned label_y)
{
        static const char *const names[] = { "init", "udevd" };
        const uint64_t at[] = { r->userspace_usec, r->udevd_usec };

        for (size_t i = 0; i < 2; i++)
                if (at[i])
                        fprintf(f, "<line class=\"mark\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\"/>"
                                "<text class=\"mark\" x=\"%.1f\" y=\"%u\">%s</text>\n",
                                x_of(l, at[i]), top, x_of(l, at[i]), bottom, x_of(l, at[i]) + 3, label_y, names[i]);
}

static void write_row(const struct report *r, FILE *f, const struct layout *l, size_t i, unsigned y)
{
        const struct report_probe *p = &r->probes[i];
        char label[2 * REPORT_NAME_MAX + 4], dur[32];
        double x = x_of(l, p->start_usec), w = (double) (p->end_usec - p->start_usec) * l->scale;

        if (w < 1)
                w = 1;
        label_of(p, label, sizeof(label));
        report_format_usec(p->end_usec - p->start_usec, dur, sizeof(dur));

        fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", l->x0 - MARGIN_PX, y + ROW_PX - 5);
        put_text(f, label);
        fprintf(f, "</text>\n<rect class=\"%s%s%s\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%u\">"
                "<title>", report_mode_to_string(p->mode), p->result ? " failed" : "",
                p->critical ? " critical" : "", x, y + (ROW_PX - BAR_PX) / 2, w, BAR_PX);
        put_text(f, label);
        fprintf(f, " on ");
        put_text(f, p->bus[0] ? p->bus : "?");
        fprintf(f, ": %s, %s, returned %i</title></rect>\n", dur, report_mode_to_string(p->mode), p->result);
        fprintf(f, "<text x=\"%.1f\" y=\"%u\" class=\"small\">%s</text>\n", x + w + 4, y + ROW_PX - 5, dur);
}

/*
 * A lane from @y: its heading (a boot of several), the marks, the rows.
 * A single boot's lane has no heading, its marks' labels above the axis.
 */
static unsigned write_lane(const struct report_lane *lane, FILE *f, const struct layout *l, unsigned y)
{
        unsigned rows_y = y + (lane->name ? LANE_HEAD_PX : 0), bottom = rows_y + (unsigned) lane->n_rows * ROW_PX;

        fprintf(f, "<g class=\"lane\"");
        if (lane->id)
                fprintf(f, " id=\"lane-%s\"", lane->id);
        fputs(">\n", f);
        if (lane->name) {
                fprintf(f, "<line class=\"lane\" x1=\"0\" y1=\"%u\" x2=\"%u\" y2=\"%u\"/>\n", y, l->width, y);
                /* The heading on one line; the marks' labels on the next, clear of it. */
                fprintf(f, "<text x=\"%u\" y=\"%u\"><tspan font-weight=\"bold\">", MARGIN_PX, y + 15);
                put_text(f, lane->name);
                fputs("</tspan><tspan dx=\"12\" font-size=\"10\" fill=\"#444444\">", f);
                put_counts(f, lane);
                fputs("</tspan></text>\n", f);
                write_marks(lane->r, f, l, y + 21, bottom, y + 31);
        } else
                write_marks(lane->r, f, l, TOP_PX - 24, l->height - MARGIN_PX, TOP_PX - 26);
        for (size_t i = 0; i < lane->n_rows; i++)
                write_row(lane->r, f, l, lane->rows[i], rows_y + (unsigned) i * ROW_PX);
        fputs("</g>\n", f);
        return bottom;
}

void report_write_svg(const struct report_picture *pic, FILE *f)
{
        struct layout l = layout_of(pic);
        unsigned y = TOP_PX;

        write_head(pic, f, &l);
        write_legend(f);
        /* Back to front: stripes, the axis' lines, the lanes. */
        for (size_t k = 0; k < pic->n_lanes; k++) {
                const struct report_lane *lane = &pic->lanes[k];
                unsigned rows_y = y + (lane->name ? LANE_HEAD_PX : 0);

                for (size_t i = 1; i < lane->n_rows; i += 2)
                        fprintf(f, "<rect class=\"stripe\" x=\"0\" y=\"%zu\" width=\"%u\" height=\"%u\"/>\n",
                                rows_y + i * ROW_PX, l.width, ROW_PX);
                y += lane_px(lane) + LANE_GAP_PX;
        }
        write_axis(f, &l);
        y = TOP_PX;
        for (size_t k = 0; k < pic->n_lanes; k++)
                y = write_lane(&pic->lanes[k], f, &l, y) + LANE_GAP_PX;
        fputs("</svg>\n", f);
}
