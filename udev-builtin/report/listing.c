/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which probes a report lists, and in which order: by start (the boot as
 * it ran) or longest first (where the time went, as systemd-analyze
 * blame), the N longest, none shorter than a time, none of the built-in
 * drivers that probed before user space (the kernel's own devices, which
 * no configuration changes). Only the lists change: the summaries are of
 * the whole boot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listing.h"
#include "output.h"

const char *report_sort_to_string(enum report_sort sort)
{
        return sort == REPORT_SORT_DURATION ? "duration" : "start";
}

/*
 * A probe of a built-in driver that started before user space did (or
 * any, where the log does not say when user space started): the kernel's
 * own, before udev or any module could change it.
 */
bool report_probe_early_built_in(const struct report *r, const struct report_probe *p)
{
        return r->n_drivers > 0 && r->drivers[p->driver_idx].builtin &&
               (r->userspace_usec == 0 || p->start_usec < r->userspace_usec);
}

static bool probe_listed(const struct report *r, const struct report_listing *l, const struct report_probe *p)
{
        return p->end_usec - p->start_usec >= l->min_usec && !(l->no_built_in && report_probe_early_built_in(r, p));
}

static uint64_t probe_usec(const struct report *r, size_t i)
{
        return r->probes[i].end_usec - r->probes[i].start_usec;
}

/* Longest first; of equal ones, the earlier (the probes are by start). */
static int probe_longer(const void *a, const void *b, void *u)
{
        const struct report *r = u;
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        uint64_t tx = probe_usec(r, x), ty = probe_usec(r, y);

        if (tx != ty)
                return tx > ty ? -1 : 1;
        return x < y ? -1 : x > y;
}

static int driver_longer(const void *a, const void *b, void *u)
{
        const struct report *r = u;
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        uint64_t tx = r->drivers[x].probe_usec, ty = r->drivers[y].probe_usec;

        if (tx != ty)
                return tx > ty ? -1 : 1;
        return x < y ? -1 : x > y;
}

static int index_order(const void *a, const void *b)
{
        size_t x = *(const size_t *) a, y = *(const size_t *) b;

        return x < y ? -1 : x > y;
}

/*
 * The N longest of @v, in the order @sort asks for: @longer sorts them
 * longest first, index order is by start (probes) or first probe (drivers).
 */
static size_t pick(size_t *v, size_t n, const struct report_listing *l, const struct report *r,
                   int (*longer)(const void *, const void *, void *))
{
        if (l->top > 0 && l->top < n) {
                qsort_r(v, n, sizeof(*v), longer, (void *) r);
                n = l->top;
        }
        if (l->sort == REPORT_SORT_DURATION)
                qsort_r(v, n, sizeof(*v), longer, (void *) r);
        else
                qsort(v, n, sizeof(*v), index_order);
        return n;
}

int report_list_make(struct report_list *l, const struct report *r, const struct report_listing *listing)
{
        bool *driver_shown = NULL;

        *l = (struct report_list) { .listing = listing };
        l->probes = calloc(r->n_probes ? r->n_probes : 1, sizeof(*l->probes));
        l->timeline = calloc(r->n_probes ? r->n_probes : 1, sizeof(*l->timeline));
        l->drivers = calloc(r->n_drivers ? r->n_drivers : 1, sizeof(*l->drivers));
        driver_shown = calloc(r->n_drivers ? r->n_drivers : 1, sizeof(*driver_shown));
        if (l->probes == NULL || l->timeline == NULL || l->drivers == NULL || driver_shown == NULL) {
                free(driver_shown);
                report_list_done(l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < r->n_probes; i++)
                if (probe_listed(r, listing, &r->probes[i])) {
                        l->probes[l->n_probes++] = i;
                        if (r->n_drivers)
                                driver_shown[r->probes[i].driver_idx] = true;
                }
        /* A driver is listed while one of its probes passes the filters, as a whole. */
        for (size_t i = 0; i < r->n_drivers; i++)
                if (driver_shown[i])
                        l->drivers[l->n_drivers++] = i;
        free(driver_shown);
        l->n_probes = pick(l->probes, l->n_probes, listing, r, probe_longer);
        l->n_drivers = pick(l->drivers, l->n_drivers, listing, r, driver_longer);
        memcpy(l->timeline, l->probes, l->n_probes * sizeof(*l->timeline));
        l->n_timeline = l->n_probes;
        qsort(l->timeline, l->n_timeline, sizeof(*l->timeline), index_order);
        return 0;
}

void report_list_done(struct report_list *l)
{
        free(l->probes);
        free(l->timeline);
        free(l->drivers);
        *l = (struct report_list) {};
}

void report_listing_describe(const struct report_listing *l, char *buf, size_t size)
{
        char t[32];
        size_t n = 0;

        buf[0] = '\0';
        if (l->top > 0)
                n += (size_t) snprintf(buf + n, size - n, "the %zu longest", l->top);
        if (l->min_usec > 0 && n < size) {
                report_format_usec(l->min_usec, t, sizeof(t));
                n += (size_t) snprintf(buf + n, size - n, "%s%s or longer", n ? ", " : "", t);
        }
        if (l->no_built_in && n < size)
                snprintf(buf + n, size - n, "%sno built-in driver before user space", n ? ", " : "");
}
