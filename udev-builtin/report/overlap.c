/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What ran while what else ran, for the analysis to tell a driver's
 * module: the module whose init call alone was running at a probe or at
 * a driver's attach, the probes that ran inside a longer probe of another
 * driver, and the load of a module named like a driver during which the
 * driver's attach ran. The first two are one sweep over the probes and
 * loads sorted by time, so that nothing looks at every probe or module
 * for each probe; the last looks at the loads of one name for each driver
 * of that name, a plain scan. A hostile log at the limits costs a second,
 * not hours (test/bench/report-analysis.sh).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "overlap.h"

/* A module load, as a driver's name tells which: kept together by name. */
struct load {
        uint64_t start_usec, end_usec;
        size_t module;
        bool finished;
};

/* The loads by name and the drivers' attach times, for named_loads(). */
struct names {
        struct report_index index;      /* module name, '-' as '_': its first load */
        size_t *group;          /* per module: its name's number, in order of first load */
        struct load *loads;     /* the loads of each name in log order, name after name */
        size_t *group_first;    /* name g's: loads[group_first[g]] to loads[group_first[g + 1] - 1] */
        size_t n_groups;
        uint64_t *attach_min;   /* per driver: when its attach scheduled its first probe, */
        uint64_t *attach_max;   /* and its last; 0: never */
};

/* Module names: the kernel writes '-' as '_'. */
static bool same_module(const char *a, const char *b)
{
        for (; *a && *b; a++, b++)
                if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                        return false;
        return *a == *b;
}

struct key_id {
        uint64_t key;
        size_t id;
};

static int by_key(const void *a, const void *b)
{
        const struct key_id *x = a, *y = b;

        if (x->key != y->key)
                return x->key < y->key ? -1 : 1;
        return x->id < y->id ? -1 : x->id > y->id;
}

/* A Fenwick tree of counts and of sums of module indices + 1, by end time. */
struct ends {
        size_t n;
        size_t *count, *sum;
        uint64_t *end;          /* the modules' ends, sorted: position k holds end[k] */
};

static void ends_add(struct ends *e, size_t k, size_t id)
{
        for (k++; k <= e->n; k += k & -k) {
                e->count[k]++;
                e->sum[k] += id + 1;
        }
}

/* How many of the modules added end at or after @at, and the sum of their indices + 1. */
static size_t ends_from(const struct ends *e, uint64_t at, size_t *sum)
{
        size_t lo = 0, hi = e->n, count = 0, s = 0, all_count = 0, all_sum = 0;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (e->end[mid] < at)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t k = lo; k > 0; k -= k & -k)
                count += e->count[k], s += e->sum[k];
        for (size_t k = e->n; k > 0; k -= k & -k)
                all_count += e->count[k], all_sum += e->sum[k];
        *sum = all_sum - s;
        return all_count - count;
}

/*
 * For each query [start, end] (probe i's attach, then its whole probe):
 * the module whose init call ran from @start to @end (give or take the
 * touch), when exactly one did. One sweep over the modules by start,
 * the queries by start, counting the modules started so far by end.
 */
static int modules_running(struct report *r, struct report_overlap *s)
{
        size_t n_q = 2 * r->n_probes, n_m = 0, j = 0;
        _cleanup_free_ struct key_id *mods = calloc(r->n_modules + 1, sizeof(*mods));
        _cleanup_free_ struct key_id *by_end = calloc(r->n_modules + 1, sizeof(*by_end));
        _cleanup_free_ struct key_id *queries = calloc(n_q + 1, sizeof(*queries));
        _cleanup_free_ size_t *count = calloc(r->n_modules + 1, sizeof(size_t));
        _cleanup_free_ size_t *sum = calloc(r->n_modules + 1, sizeof(size_t));
        _cleanup_free_ uint64_t *end = calloc(r->n_modules + 1, sizeof(uint64_t));
        _cleanup_free_ size_t *pos = calloc(r->n_modules + 1, sizeof(size_t));
        struct ends e = { .count = count, .sum = sum, .end = end };

        s->alone_attach = calloc(r->n_probes + 1, sizeof(size_t));
        s->alone_probe = calloc(r->n_probes + 1, sizeof(size_t));
        if (!mods || !by_end || !queries || !count || !sum || !end || !pos || !s->alone_attach ||
            !s->alone_probe)
                return -ENOMEM;

        for (size_t i = 0; i < r->n_modules; i++)
                if (r->modules[i].finished) {
                        mods[n_m] = (struct key_id) { r->modules[i].start_usec, i };
                        by_end[n_m++] = (struct key_id) { r->modules[i].end_usec, i };
                }
        qsort(mods, n_m, sizeof(*mods), by_key);
        qsort(by_end, n_m, sizeof(*by_end), by_key);
        for (size_t k = 0; k < n_m; k++) {
                end[k] = by_end[k].key;
                pos[by_end[k].id] = k;
        }
        e.n = n_m;

        /* Query 2i: probe i's attach; 2i + 1: probe i. Keyed by the latest start a module may have. */
        for (size_t i = 0; i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];

                queries[2 * i] = (struct key_id) { p->attach_usec + r->touch_usec, 2 * i };
                queries[2 * i + 1] = (struct key_id) { p->start_usec + r->touch_usec, 2 * i + 1 };
        }
        qsort(queries, n_q, sizeof(*queries), by_key);
        for (size_t q = 0; q < n_q; q++) {
                const struct report_probe *p = &r->probes[queries[q].id / 2];
                bool attach = queries[q].id % 2 == 0;
                uint64_t until = attach ? p->attach_usec : p->end_usec;
                size_t id_sum;

                for (; j < n_m && mods[j].key <= queries[q].key; j++)
                        ends_add(&e, pos[mods[j].id], mods[j].id);
                if (attach && p->attach_usec == 0)
                        continue;
                /* A module ends late enough when its end + touch >= until. */
                if (ends_from(&e, until > r->touch_usec ? until - r->touch_usec : 0, &id_sum) == 1)
                        (attach ? s->alone_attach : s->alone_probe)[queries[q].id / 2] = id_sum;
        }
        return 0;
}

/* Of each probe's longer probes of other drivers: the latest end, for two drivers at most. */
struct top2 {
        size_t n;
        uint64_t end[2];
        size_t driver[2];
};

static void top2_add(struct top2 *t, uint64_t end, size_t driver)
{
        if (t->n > 0 && t->driver[0] == driver) {
                if (end > t->end[0])
                        t->end[0] = end;
        } else if (t->n == 0 || end > t->end[0]) {
                t->end[1] = t->end[0], t->driver[1] = t->driver[0];
                t->end[0] = end, t->driver[0] = driver;
                t->n = t->n ? 2 : 1;
        } else if (t->n == 1 || end > t->end[1]) {
                t->end[1] = end, t->driver[1] = driver;
                t->n = 2;
        }
}

/* The latest end of another driver than @driver's, if any. */
static bool top2_other(const struct top2 *t, size_t driver, uint64_t *end)
{
        if (t->n > 0 && t->driver[0] != driver)
                *end = t->end[0];
        else if (t->n == 2)
                *end = t->end[1];
        else
                return false;
        return true;
}

/*
 * Whether each probe ran inside a longer probe of another driver: a device
 * that probe created (a USB host controller's root hubs), bound by a
 * driver that some other, earlier module registered. A probe of another
 * driver that started earlier and ended no sooner, or started at once and
 * ended later; probes are sorted by start.
 */
static int nested_probes(struct report *r, struct report_overlap *s)
{
        struct top2 before = {};

        s->nested = calloc(r->n_probes + 1, sizeof(bool));
        if (s->nested == NULL)
                return -ENOMEM;
        for (size_t a = 0, b; a < r->n_probes; a = b) {
                struct top2 same = {};
                uint64_t end;

                for (b = a; b < r->n_probes && r->probes[b].start_usec == r->probes[a].start_usec; b++)
                        top2_add(&same, r->probes[b].end_usec, r->probes[b].driver_idx);
                for (size_t i = a; i < b; i++) {
                        const struct report_probe *p = &r->probes[i];

                        s->nested[i] = (top2_other(&before, p->driver_idx, &end) && end >= p->end_usec) ||
                                       (top2_other(&same, p->driver_idx, &end) && end > p->end_usec);
                }
                for (size_t i = a; i < b; i++)
                        top2_add(&before, r->probes[i].end_usec, r->probes[i].driver_idx);
        }
        return 0;
}

/* Module names: the kernel writes '-' as '_'. */
static size_t module_name_hash_of(const void *items, size_t i)
{
        const struct report_module *m = (const struct report_module *) items + i;

        return report_hash(m->name, strlen(m->name), true);
}

static bool module_name_eq(const void *items, size_t i, const void *key)
{
        return same_module(((const struct report_module *) items)[i].name, key);
}

/* The loads of each module name, '-' as '_', in log order; and when each driver's attach ran. */
static int names_and_attaches(struct report *r, struct names *s)
{
        size_t n_groups = 0;

        s->group = calloc(r->n_modules + 1, sizeof(size_t));
        s->group_first = calloc(r->n_modules + 2, sizeof(size_t));
        s->loads = calloc(r->n_modules + 1, sizeof(*s->loads));
        s->attach_min = calloc(r->n_drivers + 1, sizeof(uint64_t));
        s->attach_max = calloc(r->n_drivers + 1, sizeof(uint64_t));
        if (!s->group || !s->group_first || !s->loads || !s->attach_min || !s->attach_max)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_modules; i++) {
                const char *name = r->modules[i].name;
                size_t *slot = report_index_slot(&s->index, r->modules, module_name_hash_of, module_name_eq,
                                                 report_hash(name, strlen(name), true), name);

                if (slot == NULL)
                        return -ENOMEM;
                if (*slot == 0) {
                        *slot = i + 1;
                        s->index.used++;
                        s->group[i] = n_groups++;
                } else
                        s->group[i] = s->group[*slot - 1];
                s->group_first[s->group[i] + 2]++;
        }
        s->n_groups = n_groups;
        for (size_t g = 2; g <= n_groups + 1; g++)
                s->group_first[g] += s->group_first[g - 1];
        for (size_t i = 0; i < r->n_modules; i++) {
                const struct report_module *m = &r->modules[i];

                s->loads[s->group_first[s->group[i] + 1]++] =
                        (struct load) { m->start_usec, m->end_usec, i, m->finished };
        }

        for (size_t i = 0; i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];
                size_t d = p->driver_idx;

                if (p->attach_usec == 0)
                        continue;
                if (s->attach_min[d] == 0 || p->attach_usec < s->attach_min[d])
                        s->attach_min[d] = p->attach_usec;
                if (p->attach_usec > s->attach_max[d])
                        s->attach_max[d] = p->attach_usec;
        }
        return 0;
}

/* The number + 1 of the module name @name is, '-' as '_', or 0. */
static size_t group_of_name(struct report *r, const struct names *s, const char *name)
{
        size_t k;

        if (s->index.size == 0)
                return 0;
        k = report_hash(name, strlen(name), true) & (s->index.size - 1);
        for (; s->index.slot[k]; k = (k + 1) & (s->index.size - 1))
                if (same_module(r->modules[s->index.slot[k] - 1].name, name))
                        return s->group[s->index.slot[k] - 1] + 1;
        return 0;
}

/*
 * For each driver, the first load of a module of its name whose init call
 * did not end before, nor begin after, the driver's attach scheduled a
 * probe (any load, for a driver whose attach scheduled none; a load whose
 * init call never ended is still running). The loads of one name in log
 * order, against the first and last attach of each driver of that name:
 * at the limits of one boot (16,384 drivers named like 16,384 loads of one
 * module, none of which fits) a fraction of a second.
 */
static int named_loads(struct report *r, struct names *s, size_t *named)
{
        for (size_t d = 0; d < r->n_drivers; d++) {
                size_t g = r->drivers[d].name[0] ? group_of_name(r, s, r->drivers[d].name) : 0;
                uint64_t start, end;

                if (g == 0)
                        continue;
                if (s->attach_max[d] == 0) {
                        named[d] = s->loads[s->group_first[g - 1]].module + 1;
                        continue;
                }
                /* A load may start this late and must end this late, give or take the touch. */
                start = s->attach_min[d] + r->touch_usec;
                end = s->attach_max[d] > r->touch_usec ? s->attach_max[d] - r->touch_usec : 0;
                for (size_t i = s->group_first[g - 1]; i < s->group_first[g]; i++) {
                        const struct load *l = &s->loads[i];

                        if (!l->finished || (l->start_usec <= start && l->end_usec >= end)) {
                                named[d] = l->module + 1;
                                break;
                        }
                }
        }
        return 0;
}

static void names_done(struct names *n)
{
        report_index_done(&n->index);
        free(n->group);
        free(n->loads);
        free(n->group_first);
        free(n->attach_min);
        free(n->attach_max);
}

int report_overlap(struct report *r, struct report_overlap *o)
{
        struct names n = {};
        int k;

        o->named = calloc(r->n_drivers + 1, sizeof(size_t));
        if (o->named == NULL)
                return -ENOMEM;
        k = modules_running(r, o);
        if (k >= 0)
                k = nested_probes(r, o);
        if (k >= 0)
                k = names_and_attaches(r, &n);
        if (k >= 0)
                k = named_loads(r, &n, o->named);
        names_done(&n);
        return k;
}

void report_overlap_done(struct report_overlap *o)
{
        free(o->alone_attach);
        free(o->alone_probe);
        free(o->nested);
        free(o->named);
        *o = (struct report_overlap) {};
}
