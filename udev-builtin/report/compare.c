/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two boots side by side: what changed for each device, and the totals
 * that say what the change saved. A is the boot --compare names, B the
 * report's own; a difference is B - A. Devices are matched by name (a
 * PCI address, a bus's device name): a device in one boot only is listed
 * with the other side empty and named as such. Both boots are read with
 * the same configuration, so "the listed buses" are the same in both.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "compare.h"
#include "utf8.h"

#define ESC(buf, s) (utf8_escape((s), (buf), sizeof(buf)), (buf))

static const char *const side_name[2] = { "A", "B" };
static const char *const side_key[2] = { "a", "b" };

static size_t row_hash_of(const void *items, size_t i)
{
        const char *name = ((const struct report_row *) items)[i].device;

        return report_hash(name, strlen(name), false);
}

static bool row_eq(const void *items, size_t i, const void *key)
{
        return strcmp(((const struct report_row *) items)[i].device, key) == 0;
}

/* Each probe of boot @s to its device's row; rows are added in the boot's order of start. */
static int collect_side(struct report_comparison *c, struct report_index *index, int s)
{
        const struct report *r = c->boot[s];

        for (size_t i = 0; i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];
                size_t *slot = report_index_slot(index, c->rows, row_hash_of, row_eq,
                                                 report_hash(p->device, strlen(p->device), false), p->device);
                struct report_side *d;

                if (slot == NULL)
                        return -ENOMEM;
                if (*slot == 0) {
                        c->rows[c->n_rows].device = p->device;
                        *slot = ++c->n_rows;
                        index->used++;
                }
                c->row_of[s][i] = *slot - 1;
                d = &c->rows[*slot - 1].side[s];
                if (!d->present)
                        *d = (struct report_side) { .present = true, .start_usec = p->start_usec,
                                                    .early_built_in = true };
                d->usec += p->end_usec - p->start_usec;
                d->n_probes++;
                if (p->result == 0 || !d->bound)
                        d->main = i;
                d->bound |= p->result == 0;
                d->critical |= p->critical;
                d->early_built_in &= report_probe_early_built_in(r, p);
        }
        return 0;
}

/* B's devices by their start in B, then those only in A by their start there; of equal ones, by name. */
static int default_order(const void *x, const void *y, void *u)
{
        const struct report_row *rows = u, *a = &rows[*(const size_t *) x], *b = &rows[*(const size_t *) y];
        int s = a->side[REPORT_B].present ? REPORT_B : REPORT_A;

        if (a->side[REPORT_B].present != b->side[REPORT_B].present)
                return a->side[REPORT_B].present ? -1 : 1;
        if (a->side[s].start_usec != b->side[s].start_usec)
                return a->side[s].start_usec < b->side[s].start_usec ? -1 : 1;
        return strcmp(a->device, b->device);
}

/* The longer of a device's two times: what it cost in the slower boot. */
static uint64_t row_usec(const struct report_row *row)
{
        uint64_t a = row->side[REPORT_A].usec, b = row->side[REPORT_B].usec;

        return a > b ? a : b;
}

static int longer(const void *x, const void *y, void *u)
{
        const struct report_row *rows = u, *a = &rows[*(const size_t *) x], *b = &rows[*(const size_t *) y];

        if (row_usec(a) != row_usec(b))
                return row_usec(a) > row_usec(b) ? -1 : 1;
        return strcmp(a->device, b->device);
}

static int by_pos(const void *x, const void *y, void *u)
{
        const struct report_row *rows = u;
        size_t a = rows[*(const size_t *) x].pos, b = rows[*(const size_t *) y].pos;

        return a < b ? -1 : a > b;
}

static bool row_listed(const struct report_row *row, const struct report_listing *l)
{
        bool user = false;

        for (int s = 0; s < 2; s++)
                user |= row->side[s].present && !row->side[s].early_built_in;
        return row_usec(row) >= l->min_usec && (!l->no_built_in || user);
}

/*
 * The rows listed, as a single report lists probes: through the filters,
 * the N longest, by start or longest first; and the probes of those
 * devices, each boot's by start, for the picture.
 */
static int choose(struct report_comparison *c)
{
        const struct report_listing *l = c->listing;
        size_t *order = calloc(c->n_rows ? c->n_rows : 1, sizeof(*order));

        if (order == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_rows; i++)
                order[i] = i;
        qsort_r(order, c->n_rows, sizeof(*order), default_order, c->rows);
        for (size_t i = 0; i < c->n_rows; i++)
                c->rows[order[i]].pos = i;
        for (size_t i = 0; i < c->n_rows; i++)
                if (row_listed(&c->rows[order[i]], l))
                        c->shown[c->n_shown++] = order[i];
        free(order);
        if (l->top > 0 && l->top < c->n_shown) {
                qsort_r(c->shown, c->n_shown, sizeof(*c->shown), longer, c->rows);
                c->n_shown = l->top;
        }
        qsort_r(c->shown, c->n_shown, sizeof(*c->shown), l->sort == REPORT_SORT_DURATION ? longer : by_pos,
                c->rows);
        for (size_t i = 0; i < c->n_shown; i++)
                c->rows[c->shown[i]].shown = true;
        for (int s = 0; s < 2; s++)
                for (size_t i = 0; i < c->boot[s]->n_probes; i++)
                        if (c->rows[c->row_of[s][i]].shown)
                                c->lane[s][c->n_lane[s]++] = i;
        return 0;
}

/* Whether the configuration lists any bus: if not, the totals count every bus. */
static bool lists_a_bus(const struct uap_config *cfg)
{
        return cfg && cfg->enable && !cfg->invalid && cfg->buses && cfg->buses[0];
}

/*
 * A probe of unknown mode counted as not synchronous, or one of unknown bus
 * as not on a listed bus, would make a saving of what the log does not
 * say (a boot without the driver core's debug lines has neither): the
 * synchronous totals of such a boot, or of one without probes, are unknown.
 */
static void totals_of(const struct report *r, bool all_buses, struct report_totals *t)
{
        int64_t unknown_bus_end = -1;
        bool modes = false, buses = false;

        *t = (struct report_totals) { .probes = r->n_probes, .end_usec = -1, .end_after_udevd_usec = -1,
                                      .critical_probes = r->n_critical, .critical_usec = (int64_t) r->critical_usec,
                                      .critical_end_usec = -1 };
        for (size_t i = 0; i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];

                if (!all_buses && p->bus[0] == '\0') {
                        buses = true;
                        modes |= p->mode == REPORT_MODE_UNKNOWN;
                        if ((int64_t) p->end_usec > unknown_bus_end)
                                unknown_bus_end = (int64_t) p->end_usec;
                        continue;
                }
                if (!all_buses && !report_bus_listed(r->config, p->bus))
                        continue;
                if ((int64_t) p->end_usec > t->end_usec)
                        t->end_usec = (int64_t) p->end_usec;
                modes |= p->mode == REPORT_MODE_UNKNOWN;
                if (p->mode == REPORT_MODE_SYNC) {
                        t->sync_probes++;
                        t->sync_usec += (int64_t) (p->end_usec - p->start_usec);
                }
        }
        /* A probe that may be on a listed bus ended later: the end is not known either. */
        if (unknown_bus_end > t->end_usec)
                t->end_usec = -1;
        if (t->end_usec >= 0 && r->udevd_usec > 0 && t->end_usec >= (int64_t) r->udevd_usec)
                t->end_after_udevd_usec = t->end_usec - (int64_t) r->udevd_usec;
        t->sync_unknown = r->n_probes == 0 ? REPORT_SYNC_NO_PROBES :
                          modes && buses ? REPORT_SYNC_MODES_AND_BUSES :
                          modes ? REPORT_SYNC_MODES : buses ? REPORT_SYNC_BUSES : REPORT_SYNC_KNOWN;
        if (t->sync_unknown != REPORT_SYNC_KNOWN)
                t->sync_probes = t->sync_usec = -1;
        if (r->n_critical > 0)
                t->critical_end_usec = (int64_t) r->probes[r->critical[r->n_critical - 1]].end_usec;
}

int report_compare(struct report_comparison *c, const struct report *a, const char *source_a,
                   const struct report *b, const char *source_b, const struct report_listing *listing)
{
        struct report_index index = {};
        size_t most = a->n_probes + b->n_probes;
        int k = -ENOMEM;

        *c = (struct report_comparison) { .boot = { a, b }, .source = { source_a, source_b }, .listing = listing };
        c->all_buses = !lists_a_bus(b->config);
        c->rows = calloc(most ? most : 1, sizeof(*c->rows));
        c->shown = calloc(most ? most : 1, sizeof(*c->shown));
        for (int s = 0; s < 2; s++) {
                c->lane[s] = calloc(c->boot[s]->n_probes ? c->boot[s]->n_probes : 1, sizeof(*c->lane[s]));
                c->row_of[s] = calloc(c->boot[s]->n_probes ? c->boot[s]->n_probes : 1, sizeof(*c->row_of[s]));
                if (c->lane[s] == NULL || c->row_of[s] == NULL)
                        goto fail;
                totals_of(c->boot[s], c->all_buses, &c->totals[s]);
        }
        if (c->rows == NULL || c->shown == NULL)
                goto fail;
        k = collect_side(c, &index, REPORT_B);
        if (k >= 0)
                k = collect_side(c, &index, REPORT_A);
        if (k >= 0)
                k = choose(c);
        if (k >= 0) {
                report_index_done(&index);
                return 0;
        }
fail:
        report_index_done(&index);
        report_comparison_done(c);
        return k;
}

void report_comparison_done(struct report_comparison *c)
{
        free(c->rows);
        free(c->shown);
        for (int s = 0; s < 2; s++) {
                free(c->lane[s]);
                free(c->row_of[s]);
        }
        *c = (struct report_comparison) {};
}

/* The text. */

static const char *at(int64_t usec, char *buf, size_t size)
{
        if (usec < 0)
                return "-";
        snprintf(buf, size, "%" PRId64 ".%03" PRId64 "s", usec / 1000000, usec % 1000000 / 1000);
        return buf;
}

static const char *span(int64_t usec, char *buf, size_t size)
{
        if (usec < 0)
                return "-";
        report_format_usec((uint64_t) usec, buf, size);
        return buf;
}

/* "+1.540s", "-450.2ms", "0us"; "-" where either side is missing. */
static const char *signed_span(bool have, int64_t usec, char *buf, size_t size)
{
        char t[32];

        if (!have)
                return "-";
        report_format_usec((uint64_t) (usec < 0 ? -usec : usec), t, sizeof(t));
        snprintf(buf, size, "%s%s", usec < 0 ? "-" : usec > 0 ? "+" : "", t);
        return buf;
}

static void print_sources(const struct report_comparison *c, FILE *f)
{
        char src[512];

        fprintf(f, "Two boots, B against A (differences: B - A):\n");
        for (int s = 0; s < 2; s++) {
                const struct report *r = c->boot[s];

                fprintf(f, "  %s: %s, %zu lines, %zu used%s\n", side_name[s], ESC(src, c->source[s]), r->lines,
                        r->lines_used, r->boots > 1 ? "; the last of several boots" : "");
        }
        for (int s = 0; s < 2; s++) {
                const struct report *r = c->boot[s];

                if (r->times_received)
                        fprintf(f, "%s's times are when journald received each line (journalctl's short forms):\n"
                                "its durations are the kernel's, its start and end times and critical path are\n"
                                "not to be trusted.\n", side_name[s]);
                else if (r->wall_seconds)
                        fprintf(f, "%s's times are on the wall clock to the second (dmesg -T): its start and end\n"
                                "times are known to a second, durations exactly.\n", side_name[s]);
                if (r->n_probes == 0)
                        fprintf(f, "%s has no probe lines: a boot with initcall_debug tells each probe's time.\n",
                                side_name[s]);
        }
        if (c->boot[REPORT_B]->config)
                fprintf(f, "Configuration: enable=%i buses=%s%s\n", c->boot[REPORT_B]->config->enable,
                        ESC(src, c->boot[REPORT_B]->config->buses),
                        c->boot[REPORT_B]->config->invalid ? " (invalid: nothing is async)" : "");
}

static void total_row(FILE *f, const char *what, int64_t a, int64_t b, bool point, bool count)
{
        char x[32], y[32], d[32];
        bool have = a >= 0 && b >= 0;

        if (count) {
                snprintf(x, sizeof(x), "%" PRId64, a);
                snprintf(y, sizeof(y), "%" PRId64, b);
                snprintf(d, sizeof(d), "%+" PRId64, b - a);
                fprintf(f, "%-40s %12s %12s %12s\n", what, a >= 0 ? x : "-", b >= 0 ? y : "-", have ? d : "-");
                return;
        }
        fprintf(f, "%-40s %12s %12s %12s\n", what, point ? at(a, x, sizeof(x)) : span(a, x, sizeof(x)),
                point ? at(b, y, sizeof(y)) : span(b, y, sizeof(y)), signed_span(have, b - a, d, sizeof(d)));
}

/* Why no bus counts as listed: buses= may name some that enable=0 or an invalid file turn off. */
static const char *unlisted_why(const struct uap_config *cfg)
{
        if (cfg && cfg->invalid)
                return "the configuration is invalid: no bus is listed";
        if (cfg && !cfg->enable)
                return "enable=0: no bus is listed";
        return "no bus is listed in buses=";
}

/* Why a boot's synchronous totals are unknown: in the text, and in the JSON. */
static const struct {
        const char *words;
        const char *key;
} sync_unknown_names[] = {
        [REPORT_SYNC_KNOWN] = { NULL, NULL },
        [REPORT_SYNC_NO_PROBES] = { "no probes", "no_probes" },
        [REPORT_SYNC_MODES] = { "modes unknown", "modes" },
        [REPORT_SYNC_BUSES] = { "buses unknown", "buses" },
        [REPORT_SYNC_MODES_AND_BUSES] = { "modes and buses unknown", "modes_and_buses" },
};

/* Under the synchronous totals: why a boot has none. */
static void print_sync_unknown(const struct report_comparison *c, FILE *f)
{
        for (int s = 0; s < 2; s++) {
                enum report_sync_unknown why = c->totals[s].sync_unknown;

                if (why == REPORT_SYNC_NO_PROBES)
                        fprintf(f, "  -: no probes in %s\n", side_name[s]);
                else if (why != REPORT_SYNC_KNOWN)
                        fprintf(f, "  -: %s in %s: boot with dyndbg=\"file drivers/base/dd.c +p\"\n",
                                sync_unknown_names[why].words, side_name[s]);
        }
}

static void print_totals(const struct report_comparison *c, FILE *f)
{
        const struct report_totals *a = &c->totals[REPORT_A], *b = &c->totals[REPORT_B];

        if (c->all_buses)
                fprintf(f, "\nTotals on every bus (%s):\n", unlisted_why(c->boot[REPORT_B]->config));
        else
                fprintf(f, "\nTotals on the listed buses:\n");
        fprintf(f, "%-40s %12s %12s %12s\n", "", "A", "B", "B - A");
        total_row(f, c->all_buses ? "Last probe ended at" : "Last probe on a listed bus ended at",
                  a->end_usec, b->end_usec, true, false);
        total_row(f, "  after systemd-udevd's first line", a->end_after_udevd_usec, b->end_after_udevd_usec,
                  false, false);
        total_row(f, "Synchronous probes", a->sync_probes, b->sync_probes, false, true);
        total_row(f, "Synchronous probes' time", a->sync_usec, b->sync_usec, false, false);
        print_sync_unknown(c, f);
        /*
         * No row of the critical paths' probe time: on a kernel without the
         * series a synchronous load waits in do_init_module() for every async
         * probe, a wait the path by time alone does not see, so the
         * difference of those times would overstate a saving many times.
         */
        fprintf(f, "On every bus:\n");
        total_row(f, "Critical path: probes", (int64_t) a->critical_probes, (int64_t) b->critical_probes, false,
                  true);
        total_row(f, "Critical path: ends at", a->critical_end_usec, b->critical_end_usec, true, false);
        total_row(f, "Probes", (int64_t) a->probes, (int64_t) b->probes, false, true);
}

/* A device's start, time and mode in one boot; "-" where it is not in that boot. */
static void print_side(const struct report_comparison *c, const struct report_row *row, int s, FILE *f)
{
        const struct report_side *d = &row->side[s];
        char x[32], t[32];

        if (!d->present) {
                fprintf(f, " %9s %9s %-7s", "-", "-", "-");
                return;
        }
        fprintf(f, " %9s %9s %-7s", at((int64_t) d->start_usec, x, sizeof(x)), span((int64_t) d->usec, t, sizeof(t)),
                d->bound ? report_mode_to_string(c->boot[s]->probes[d->main].mode) : "failed");
}

static void print_devices(const struct report_comparison *c, FILE *f)
{
        char what[160], dev[512], drv[512], d[32];

        report_listing_describe(c->listing, what, sizeof(what));
        fprintf(f, "\nDevices ");
        if (what[0])
                fprintf(f, "(%zu of %zu: %s)", c->n_shown, c->n_rows, what);
        else
                fprintf(f, "(%zu)", c->n_rows);
        fprintf(f, ", %s:\n",
                c->listing->sort == REPORT_SORT_DURATION ? "the longer of the two times first" :
                "by start in B, then those only in A");
        fprintf(f, "  %-20s %-16s %9s %9s %-7s %9s %9s %-7s %10s\n", "DEVICE", "DRIVER", "A START", "A TIME",
                "A MODE", "B START", "B TIME", "B MODE", "B - A");
        for (size_t k = 0; k < c->n_shown; k++) {
                const struct report_row *row = &c->rows[c->shown[k]];
                int s = row->side[REPORT_B].present ? REPORT_B : REPORT_A;
                const struct report_probe *p = &c->boot[s]->probes[row->side[s].main];
                bool both = row->side[REPORT_A].present && row->side[REPORT_B].present;

                fprintf(f, "  %-20s %-16s", ESC(dev, row->device), p->driver[0] ? ESC(drv, p->driver) : "?");
                print_side(c, row, REPORT_A, f);
                print_side(c, row, REPORT_B, f);
                fprintf(f, " %10s\n", signed_span(both, (int64_t) row->side[REPORT_B].usec -
                                                  (int64_t) row->side[REPORT_A].usec, d, sizeof(d)));
        }
        fprintf(f, "TIME: all the device's probes in that boot; MODE: of the probe that bound it\n"
                "(failed: none did).\n");
}

/* The devices of one boot only, every one of them whatever the listing shows. */
static void print_only(const struct report_comparison *c, FILE *f)
{
        char dev[512];

        bool any = false;

        for (int s = 0; s < 2; s++) {
                size_t n = 0;

                for (size_t i = 0; i < c->n_rows; i++)
                        n += c->rows[i].side[s].present && !c->rows[i].side[!s].present;
                if (n == 0)
                        continue;
                fprintf(f, "%sOnly in %s (%zu):", any ? "" : "\n", side_name[s], n);
                any = true;
                for (size_t i = 0; i < c->n_rows; i++)
                        if (c->rows[i].side[s].present && !c->rows[i].side[!s].present)
                                fprintf(f, " %s", ESC(dev, c->rows[i].device));
                fputc('\n', f);
        }
}

void report_print_compare_text(const struct report_comparison *c, FILE *f)
{
        print_sources(c, f);
        print_totals(c, f);
        print_devices(c, f);
        print_only(c, f);
}

/* The JSON. */

static void kv_int_or_null(struct json *j, const char *key, bool have, int64_t v)
{
        json_key(j, key);
        if (have)
                json_int(j, (long long) v);
        else
                json_null(j);
}

static void json_boot(const struct report_comparison *c, int s, struct json *j)
{
        const struct report *r = c->boot[s];
        const struct report_totals *t = &c->totals[s];

        json_key(j, side_key[s]);
        json_object_open(j);
        json_kv_string(j, "source", c->source[s]);
        json_kv_int(j, "lines", (long long) r->lines);
        json_kv_int(j, "lines_used", (long long) r->lines_used);
        json_kv_int(j, "boots", (long long) r->boots);
        json_kv_string(j, "times", r->times_received ? "journal_received" : r->wall_seconds ? "kernel_seconds" : "kernel");
        json_kv_int(j, "tick_usec", (long long) r->tick_usec);
        kv_int_or_null(j, "userspace_usec", r->userspace_usec > 0, (int64_t) r->userspace_usec);
        kv_int_or_null(j, "udevd_usec", r->udevd_usec > 0, (int64_t) r->udevd_usec);
        json_kv_int(j, "probes", (long long) t->probes);
        kv_int_or_null(j, "end_usec", t->end_usec >= 0, t->end_usec);
        kv_int_or_null(j, "end_after_udevd_usec", t->end_after_udevd_usec >= 0, t->end_after_udevd_usec);
        kv_int_or_null(j, "sync_probes", t->sync_probes >= 0, t->sync_probes);
        kv_int_or_null(j, "sync_usec", t->sync_usec >= 0, t->sync_usec);
        json_kv_string(j, "sync_unknown", sync_unknown_names[t->sync_unknown].key);
        json_kv_int(j, "critical_path_probes", (long long) t->critical_probes);
        json_kv_int(j, "critical_path_usec", (long long) t->critical_usec);
        kv_int_or_null(j, "critical_path_end_usec", t->critical_end_usec >= 0, t->critical_end_usec);
        json_object_close(j);
}

static void json_difference(const struct report_comparison *c, struct json *j)
{
        const struct report_totals *a = &c->totals[REPORT_A], *b = &c->totals[REPORT_B];

        json_key(j, "difference");
        json_object_open(j);
        json_kv_int(j, "probes", (long long) b->probes - (long long) a->probes);
        kv_int_or_null(j, "end_usec", a->end_usec >= 0 && b->end_usec >= 0, b->end_usec - a->end_usec);
        kv_int_or_null(j, "end_after_udevd_usec", a->end_after_udevd_usec >= 0 && b->end_after_udevd_usec >= 0,
                       b->end_after_udevd_usec - a->end_after_udevd_usec);
        kv_int_or_null(j, "sync_probes", a->sync_probes >= 0 && b->sync_probes >= 0, b->sync_probes - a->sync_probes);
        kv_int_or_null(j, "sync_usec", a->sync_usec >= 0 && b->sync_usec >= 0, b->sync_usec - a->sync_usec);
        json_kv_int(j, "critical_path_probes", (long long) b->critical_probes - (long long) a->critical_probes);
        kv_int_or_null(j, "critical_path_end_usec", a->critical_end_usec >= 0 && b->critical_end_usec >= 0,
                       b->critical_end_usec - a->critical_end_usec);
        json_object_close(j);
}

static void json_side(const struct report_comparison *c, const struct report_row *row, int s, struct json *j)
{
        const struct report_side *d = &row->side[s];
        const struct report_probe *p;

        json_key(j, side_key[s]);
        if (!d->present) {
                json_null(j);
                return;
        }
        p = &c->boot[s]->probes[d->main];
        json_object_open(j);
        json_kv_string(j, "driver", p->driver[0] ? p->driver : NULL);
        json_kv_string(j, "bus", p->bus[0] ? p->bus : NULL);
        json_kv_int(j, "start_usec", (long long) d->start_usec);
        json_kv_int(j, "duration_usec", (long long) d->usec);
        json_kv_string(j, "mode", report_mode_to_string(p->mode));
        json_kv_int(j, "result", p->result);
        json_kv_int(j, "probes", (long long) d->n_probes);
        json_kv_bool(j, "critical", d->critical);
        json_object_close(j);
}

static void json_devices(const struct report_comparison *c, struct json *j)
{
        json_key(j, "devices");
        json_array_open(j);
        for (size_t k = 0; k < c->n_shown; k++) {
                const struct report_row *row = &c->rows[c->shown[k]];
                bool both = row->side[REPORT_A].present && row->side[REPORT_B].present;

                json_object_open(j);
                json_kv_string(j, "device", row->device);
                json_side(c, row, REPORT_A, j);
                json_side(c, row, REPORT_B, j);
                kv_int_or_null(j, "duration_difference_usec", both,
                               (int64_t) row->side[REPORT_B].usec - (int64_t) row->side[REPORT_A].usec);
                json_object_close(j);
        }
        json_array_close(j);
        for (int s = 0; s < 2; s++) {
                json_key(j, s == REPORT_A ? "only_in_a" : "only_in_b");
                json_array_open(j);
                for (size_t i = 0; i < c->n_rows; i++)
                        if (c->rows[i].side[s].present && !c->rows[i].side[!s].present)
                                json_string(j, c->rows[i].device);
                json_array_close(j);
        }
}

void report_print_compare_json(const struct report_comparison *c, FILE *f, enum json_mode mode)
{
        const struct report_listing *l = c->listing;
        const struct uap_config *cfg = c->boot[REPORT_B]->config;
        struct json j;

        json_begin(&j, f, mode);
        json_object_open(&j);
        json_boot(c, REPORT_A, &j);
        json_boot(c, REPORT_B, &j);
        json_key(&j, "config");
        if (cfg) {
                json_object_open(&j);
                json_kv_bool(&j, "enable", cfg->enable);
                json_kv_string(&j, "buses", cfg->buses);
                json_kv_bool(&j, "invalid", cfg->invalid);
                json_object_close(&j);
        } else
                json_null(&j);
        json_kv_string(&j, "buses_counted", c->all_buses ? "all" : "listed");
        json_difference(c, &j);
        json_key(&j, "listing");
        json_object_open(&j);
        json_kv_string(&j, "sort", report_sort_to_string(l->sort));
        kv_int_or_null(&j, "top", l->top > 0, (int64_t) l->top);
        json_kv_int(&j, "min_duration_usec", (long long) l->min_usec);
        json_kv_bool(&j, "no_built_in", l->no_built_in);
        json_kv_int(&j, "devices", (long long) c->n_rows);
        json_kv_int(&j, "shown", (long long) c->n_shown);
        json_object_close(&j);
        json_devices(c, &j);
        json_object_close(&j);
        json_end(&j);
}
