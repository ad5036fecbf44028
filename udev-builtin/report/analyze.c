/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From the probes the log held to answers: how each probe ran, which
 * module each driver lives in and who loaded it, the critical path, and
 * per bus what listing it would change. Every conclusion keeps the
 * evidence it was drawn from; what nothing tells stays unknown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cleanup.h"

/*
 * Timestamps: a probe's start is computed from its duration, the end is
 * when its line was printed, a little later, on a clock that may tick
 * coarsely (User-Mode Linux: 10 ms). Probes this close, or one tick,
 * count as back to back.
 */
#define TOUCH_USEC 1000
#define TICK_MAX_USEC 20000

/*
 * An idle stretch this long between two probes ends the critical path:
 * something other than probing (user space, a timer) held the boot there.
 */
#define CHAIN_GAP_USEC 100000

/*
 * What report_analyze() works out once, so that no step looks at every
 * probe or module for each probe or driver: a hostile log at the limits
 * costs seconds, not hours (test/bench/report-analysis.sh).
 */
/* A module load, as the driver's name tells which: kept together by name. */
struct load {
        uint64_t start_usec, end_usec;
        size_t module;
        bool finished;
};

struct scratch {
        size_t *order;          /* probe indices by driver, each driver's in start order */
        size_t *first;          /* driver i's: order[first[i]] to order[first[i + 1] - 1] */
        uint64_t *attach_min;   /* per driver: when its attach scheduled its first probe, */
        uint64_t *attach_max;   /* and its last; 0: never */
        size_t *alone_attach;   /* per probe: the module (index + 1) whose init call alone ran at its attach */
        size_t *alone_probe;    /* per probe: ... alone ran from its start to its end */
        bool *nested;           /* per probe: inside a longer probe of another driver */
        struct report_index names;      /* module name, '-' as '_': its first load */
        size_t *group;          /* per module: its name's number, in order of first load */
        struct load *loads;     /* the loads of each name in log order, name after name */
        size_t *group_first;    /* name g's: loads[group_first[g]] to loads[group_first[g + 1] - 1] */
        size_t n_groups;
        size_t *named;          /* per driver: the load (loads[] + 1) a module of its name gives it, or 0 */
        size_t *by_end;         /* probe indices by end */
};

/* Whether udev-async-probe would have made loads for @bus asynchronous. */
bool report_bus_listed(const struct uap_config *cfg, const char *bus)
{
        return cfg && cfg->enable && !cfg->invalid && bus[0] &&
               (uap_config_has_bus(cfg, "*") || uap_config_has_bus(cfg, bus));
}

/* Module names: the kernel writes '-' as '_'. */
static bool same_module(const char *a, const char *b)
{
        for (; *a && *b; a++, b++)
                if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                        return false;
        return *a == *b;
}

static int by_start(const void *a, const void *b)
{
        const struct report_probe *x = a, *y = b;

        if (x->start_usec != y->start_usec)
                return x->start_usec < y->start_usec ? -1 : 1;
        if (x->end_usec != y->end_usec)
                return x->end_usec < y->end_usec ? -1 : 1;
        return strcmp(x->device, y->device);
}

/*
 * With the driver core's debug lines on, every async probe is announced
 * ("probing driver X asynchronously", "scheduling asynchronous probe")
 * before really_probe() logs its start; a start without one was sync.
 */
static void modes_from_log(struct report *r)
{
        for (size_t i = 0; i < r->n_probes; i++) {
                struct report_probe *p = &r->probes[i];

                if (p->async_seen) {
                        p->mode = REPORT_MODE_ASYNC;
                        p->mode_how = "log: scheduled asynchronously";
                } else if (p->dyndbg_start) {
                        p->mode = REPORT_MODE_SYNC;
                        p->mode_how = "log: started with no async scheduling";
                }
        }
}

static void probe_facts(struct report *r, const struct report_facts *f)
{
        for (size_t i = 0; f && i < r->n_probes; i++) {
                struct report_probe *p = &r->probes[i];

                if (p->bus[0] == '\0' && f->device_bus)
                        (void) f->device_bus(f->userdata, p->device, p->bus, sizeof(p->bus));
                /* Only a probe that succeeded left the device bound to its driver. */
                if (p->driver[0] == '\0' && p->bus[0] && p->result == 0 && f->device_driver)
                        (void) f->device_driver(f->userdata, p->bus, p->device, p->driver,
                                                sizeof(p->driver));
        }
}

struct driver_key {
        const char *name, *bus;
};

static size_t driver_hash(const char *name, const char *bus)
{
        return report_hash(name, strlen(name), false) ^
               report_hash(bus, strlen(bus), false) * UINT64_C(0x9e3779b97f4a7c15);
}

static size_t driver_hash_of(const void *items, size_t i)
{
        const struct report_driver *d = (const struct report_driver *) items + i;

        return driver_hash(d->name, d->bus);
}

static bool driver_eq(const void *items, size_t i, const void *key)
{
        const struct report_driver *d = (const struct report_driver *) items + i;
        const struct driver_key *k = key;

        return strcmp(d->name, k->name) == 0 && strcmp(d->bus, k->bus) == 0;
}

/*
 * One entry per (driver, bus); probes whose driver is unknown share the ""
 * one of their bus. Each driver's probes are listed in s->order.
 */
static int collect_drivers(struct report *r, struct scratch *s)
{
        struct report_index index = {};
        size_t *slot;

        r->drivers = calloc(r->n_probes ? r->n_probes : 1, sizeof(*r->drivers));
        s->first = calloc(r->n_probes + 2, sizeof(*s->first));
        s->order = calloc(r->n_probes ? r->n_probes : 1, sizeof(*s->order));
        if (r->drivers == NULL || s->first == NULL || s->order == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_probes; i++) {
                struct report_probe *p = &r->probes[i];
                struct driver_key key = { p->driver, p->bus };
                struct report_driver *d;

                slot = report_index_slot(&index, r->drivers, driver_hash_of, driver_eq,
                                         driver_hash(p->driver, p->bus), &key);
                if (slot == NULL) {
                        report_index_done(&index);
                        return -ENOMEM;
                }
                if (*slot == 0) {
                        d = &r->drivers[r->n_drivers++];
                        memcpy(d->name, p->driver, sizeof(d->name));
                        memcpy(d->bus, p->bus, sizeof(d->bus));
                        d->first_usec = p->start_usec;
                        d->async_readback = -1;
                        *slot = r->n_drivers;
                        index.used++;
                }
                p->driver_idx = *slot - 1;
                s->first[p->driver_idx + 2]++;
        }
        report_index_done(&index);
        /* Counted at i + 2, summed to start at i + 1, filled to end at i + 1. */
        for (size_t i = 2; i <= r->n_drivers + 1; i++)
                s->first[i] += s->first[i - 1];
        for (size_t i = 0; i < r->n_probes; i++)
                s->order[s->first[r->probes[i].driver_idx + 1]++] = i;
        return 0;
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
static int modules_running(struct report *r, struct scratch *s)
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
static int nested_probes(struct report *r, struct scratch *s)
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
static int names_and_attaches(struct report *r, struct scratch *s)
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
                size_t *slot = report_index_slot(&s->names, r->modules, module_name_hash_of, module_name_eq,
                                                 report_hash(name, strlen(name), true), name);

                if (slot == NULL)
                        return -ENOMEM;
                if (*slot == 0) {
                        *slot = i + 1;
                        s->names.used++;
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
static size_t group_of_name(struct report *r, const struct scratch *s, const char *name)
{
        size_t k;

        if (s->names.size == 0)
                return 0;
        k = report_hash(name, strlen(name), true) & (s->names.size - 1);
        for (; s->names.slot[k]; k = (k + 1) & (s->names.size - 1))
                if (same_module(r->modules[s->names.slot[k] - 1].name, name))
                        return s->group[s->names.slot[k] - 1] + 1;
        return 0;
}

struct name_query {
        size_t group, driver;
        uint64_t start;         /* a load may start this late, */
        uint64_t end;           /* and must end this late */
};

static int by_group_start(const void *a, const void *b)
{
        const struct name_query *x = a, *y = b;

        if (x->group != y->group)
                return x->group < y->group ? -1 : 1;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return x->driver < y->driver ? -1 : x->driver > y->driver;
}

/* Positions in @loads, by start. */
static int load_by_start(const void *a, const void *b, void *loads)
{
        const struct load *x = (const struct load *) loads + *(const size_t *) a;
        const struct load *y = (const struct load *) loads + *(const size_t *) b;

        if (x->start_usec != y->start_usec)
                return x->start_usec < y->start_usec ? -1 : 1;
        return *(const size_t *) a < *(const size_t *) b ? -1 : 1;
}

/* Positions in @loads, by end, latest first. */
static int load_by_end_desc(const void *a, const void *b, void *loads)
{
        const struct load *x = (const struct load *) loads + *(const size_t *) a;
        const struct load *y = (const struct load *) loads + *(const size_t *) b;

        if (x->end_usec != y->end_usec)
                return x->end_usec > y->end_usec ? -1 : 1;
        return *(const size_t *) a < *(const size_t *) b ? -1 : 1;
}

/*
 * For each driver, the first load of a module of its name whose init call
 * did not end before, nor begin after, the driver's attach scheduled a
 * probe (any load, for a driver whose attach scheduled none). Per name, a
 * sweep of the drivers by their first attach over the loads by start,
 * keeping the first of the loads started so far by how late they ended.
 */
static int named_loads(struct report *r, struct scratch *s)
{
        size_t n_q = 0, m = r->n_modules;
        _cleanup_free_ struct name_query *q = calloc(r->n_drivers + 1, sizeof(*q));
        _cleanup_free_ size_t *first_open = calloc(s->n_groups + 1, sizeof(size_t));
        _cleanup_free_ size_t *by_start = calloc(m + 1, sizeof(size_t));
        _cleanup_free_ size_t *by_end = calloc(m + 1, sizeof(size_t));
        _cleanup_free_ size_t *rank = calloc(m + 1, sizeof(size_t));
        _cleanup_free_ size_t *n_done = calloc(s->n_groups + 1, sizeof(size_t));
        _cleanup_free_ size_t *tree = calloc(m + s->n_groups + 1, sizeof(size_t));

        s->named = calloc(r->n_drivers + 1, sizeof(size_t));
        if (!q || !first_open || !by_start || !by_end || !rank || !n_done || !tree || !s->named)
                return -ENOMEM;

        /* Per name: its running loads' first, its finished loads by start and by end. */
        for (size_t g = 0; g < s->n_groups; g++) {
                size_t from = s->group_first[g], n = 0;

                first_open[g] = SIZE_MAX;
                for (size_t i = from; i < s->group_first[g + 1]; i++)
                        if (!s->loads[i].finished) {
                                if (first_open[g] == SIZE_MAX)
                                        first_open[g] = i;
                        } else
                                by_start[from + n] = by_end[from + n] = i, n++;
                n_done[g] = n;
                qsort_r(by_start + from, n, sizeof(size_t), load_by_start, s->loads);
                qsort_r(by_end + from, n, sizeof(size_t), load_by_end_desc, s->loads);
                for (size_t k = 0; k < n; k++)
                        rank[by_end[from + k]] = k;
        }
        for (size_t i = 0; i < m + s->n_groups + 1; i++)
                tree[i] = SIZE_MAX;

        for (size_t d = 0; d < r->n_drivers; d++) {
                size_t g = r->drivers[d].name[0] ? group_of_name(r, s, r->drivers[d].name) : 0;

                if (g == 0)
                        continue;
                if (s->attach_max[d] == 0)
                        s->named[d] = s->group_first[g - 1] + 1;
                else
                        q[n_q++] = (struct name_query) {
                                g - 1, d, s->attach_min[d] + r->touch_usec,
                                s->attach_max[d] > r->touch_usec ? s->attach_max[d] - r->touch_usec : 0,
                        };
        }
        qsort(q, n_q, sizeof(*q), by_group_start);
        for (size_t i = 0, j = 0; i < n_q; i++) {
                size_t g = q[i].group, from = s->group_first[g], n = n_done[g], lo = 0, hi = n;
                size_t *t = tree + from + g, best = first_open[g];

                if (i == 0 || q[i - 1].group != g)
                        j = 0;
                /* Loads started by then go into the tree at their rank by end. */
                for (; j < n && s->loads[by_start[from + j]].start_usec <= q[i].start; j++)
                        for (size_t k = rank[by_start[from + j]] + 1; k <= n; k += k & -k)
                                if (by_start[from + j] < t[k])
                                        t[k] = by_start[from + j];
                /* Those that ended late enough are the first ranks. */
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;

                        if (s->loads[by_end[from + mid]].end_usec >= q[i].end)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                for (size_t k = lo; k > 0; k -= k & -k)
                        if (t[k] < best)
                                best = t[k];
                s->named[q[i].driver] = best == SIZE_MAX ? 0 : best + 1;
        }
        return 0;
}

static void driver_module(struct report *r, struct scratch *s, struct report_driver *d,
                          const struct report_facts *f)
{
        size_t idx = (size_t) (d - r->drivers);
        const size_t *probe = s->order + s->first[idx], n = s->first[idx + 1] - s->first[idx];
        bool before_userspace = r->userspace_usec > 0;
        int k;

        if (d->name[0] && f && f->driver_module && d->bus[0]) {
                k = f->driver_module(f->userdata, d->bus, d->name, d->module, sizeof(d->module));
                if (k == 1) {
                        d->builtin = true;
                        d->builtin_how = "sysfs: the driver has no module";
                        return;
                }
                if (k == 0) {
                        d->module_how = "sysfs: the driver's module link";
                        return;
                }
        }
        /*
         * What the module's init call did comes before the names: a module
         * may register a driver named like another module (xhci_pci's
         * "xhci_hcd"). An attach that schedules async probes runs inside
         * driver_register(), so inside the init call of the driver's module.
         */
        for (size_t i = 0; d->name[0] && i < n; i++) {
                size_t m = s->alone_attach[probe[i]];

                if (m == 0)
                        continue;
                memcpy(d->module, r->modules[m - 1].name, sizeof(d->module));
                d->module_how = "log: its attach scheduled a probe during that module's init call alone";
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const struct report_probe *p = &r->probes[probe[i]];
                size_t m = s->alone_probe[probe[i]];

                if (p->end_usec >= r->userspace_usec)
                        before_userspace = false;
                if (!d->name[0] || p->mode == REPORT_MODE_ASYNC || m == 0 || s->nested[probe[i]])
                        continue;
                memcpy(d->module, r->modules[m - 1].name, sizeof(d->module));
                d->module_how = "log: probed during that module's init call alone";
                return;
        }
        /* Unless the driver's attach ran outside that load's init call. */
        if (s->named[idx]) {
                memcpy(d->module, r->modules[s->loads[s->named[idx] - 1].module].name, sizeof(d->module));
                d->module_how = "log: a module of the same name was loaded";
                return;
        }
        if (before_userspace) {
                d->builtin = true;
                d->builtin_how = "log: every probe ended before user space started";
        }
}

static bool ident_is(const struct report_task *t, const char *ident)
{
        return t && strcmp(t->ident, ident) == 0;
}

/*
 * Who loaded module @m, strongest evidence first. The pid of the module's
 * init call is the loading task; the log names it only when that task
 * wrote to the log itself.
 */
static void module_loader(struct report *r, struct report_module *m, const struct report_facts *f)
{
        const struct report_task *t = m->pid >= 0 ? report_task_find(r, m->pid) : NULL;
        char where[256];

        if (m->inserted_by_modules_load) {
                m->loader = REPORT_LOADER_MODULES_LOAD;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "log: systemd-modules-load inserted it");
        } else if (ident_is(t, "systemd-modules-load")) {
                m->loader = REPORT_LOADER_MODULES_LOAD;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "log: loaded by pid %i, systemd-modules-load", m->pid);
        } else if (ident_is(t, "udev-async-probe")) {
                m->loader = REPORT_LOADER_PROGRAM;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "log: loaded by pid %i, udev-async-probe", m->pid);
        } else if (ident_is(t, "systemd-udevd") || ident_is(t, "(udev-worker)")) {
                m->loader = REPORT_LOADER_UDEV;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "log: loaded by pid %i, %.64s", m->pid, t->ident);
        } else if (t) {
                m->loader = REPORT_LOADER_OTHER;
                snprintf(m->loader_how, sizeof(m->loader_how), "log: loaded by pid %i, %.64s",
                         m->pid, t->ident);
        } else if (f && f->module_loaded_async && f->module_loaded_async(f->userdata, m->name) == 1) {
                m->loader = REPORT_LOADER_PROGRAM;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "sysfs: async_probe=1, asked for by neither its options nor module.async_probe");
        } else if (f && f->module_listed && f->module_listed(f->userdata, m->name, where, sizeof(where)) == 1) {
                m->loader = REPORT_LOADER_MODULES_LOAD;
                snprintf(m->loader_how, sizeof(m->loader_how), "listed in %.160s", where);
        } else if (r->udevd_usec && m->start_usec >= r->udevd_usec) {
                m->loader = REPORT_LOADER_UDEV;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "guess: loaded while systemd-udevd ran, and nothing else claims it");
        } else {
                m->loader = REPORT_LOADER_UNKNOWN;
                snprintf(m->loader_how, sizeof(m->loader_how), "no evidence in the log");
        }
}

static void driver_loader(struct report *r, struct report_driver *d, const struct report_facts *f)
{
        struct report_module *m;
        struct report_module tmp = { .pid = -1 };

        if (d->builtin) {
                d->loader = REPORT_LOADER_BUILTIN;
                snprintf(d->loader_how, sizeof(d->loader_how), "%s", d->builtin_how);
                return;
        }
        if (d->module[0] == '\0') {
                d->loader = REPORT_LOADER_UNKNOWN;
                snprintf(d->loader_how, sizeof(d->loader_how), "module unknown");
                return;
        }
        m = report_module_find(r, d->module);
        if (m == NULL) {
                /* Loaded without initcall_debug's lines: only the running system can tell. */
                memcpy(tmp.name, d->module, sizeof(tmp.name));
                m = &tmp;
                module_loader(r, m, f);
                if (m->loader == REPORT_LOADER_UDEV) {
                        m->loader = REPORT_LOADER_UNKNOWN;
                        snprintf(m->loader_how, sizeof(m->loader_how), "its load is not in the log");
                }
        }
        d->loader = m->loader;
        memcpy(d->loader_how, m->loader_how, sizeof(d->loader_how));
}

/* The kernel's read-back settles probes the log left open, driver by driver. */
static void driver_modes(struct report *r, const struct report_facts *f)
{
        for (size_t i = 0; i < r->n_drivers; i++) {
                struct report_driver *d = &r->drivers[i];

                if (f && f->driver_async && d->name[0] && d->bus[0]) {
                        int k = f->driver_async(f->userdata, d->bus, d->name);

                        d->async_readback = k < 0 ? -1 : k;
                }
        }
        for (size_t i = 0; i < r->n_probes; i++) {
                struct report_probe *p = &r->probes[i];
                struct report_driver *d = &r->drivers[p->driver_idx];

                if (p->mode == REPORT_MODE_UNKNOWN && d->async_readback >= 0) {
                        p->mode = d->async_readback ? REPORT_MODE_ASYNC : REPORT_MODE_SYNC;
                        p->mode_how = "sysfs: the driver's probe strategy now";
                }
        }
}

static void driver_sums(struct report *r)
{
        for (size_t i = 0; i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];
                struct report_driver *d = &r->drivers[p->driver_idx];
                uint64_t t = p->end_usec - p->start_usec;

                d->n_probes++;
                d->n_async += p->mode == REPORT_MODE_ASYNC;
                d->n_sync += p->mode == REPORT_MODE_SYNC;
                d->n_failed += p->result != 0;
                d->probe_usec += t;
                if (t > d->longest_usec)
                        d->longest_usec = t;
                if (p->start_usec < d->first_usec)
                        d->first_usec = p->start_usec;
                if (p->end_usec > d->last_usec)
                        d->last_usec = p->end_usec;
        }
        for (size_t i = 0; i < r->n_drivers; i++) {
                struct report_driver *d = &r->drivers[i];

                if (d->n_async == d->n_probes)
                        d->mode = REPORT_MODE_ASYNC;
                else if (d->n_sync == d->n_probes)
                        d->mode = REPORT_MODE_SYNC;
                else if (d->n_async + d->n_sync > 0)
                        d->mode = REPORT_MODE_MIXED;
                else
                        d->mode = REPORT_MODE_UNKNOWN;
        }
}

static size_t bus_hash_of(const void *items, size_t i)
{
        const char *name = ((const struct report_bus *) items)[i].name;

        return report_hash(name, strlen(name), false);
}

static bool bus_eq(const void *items, size_t i, const void *key)
{
        return strcmp(((const struct report_bus *) items)[i].name, key) == 0;
}

static struct report_bus *bus_get(struct report *r, struct report_index *index, const char *name)
{
        size_t *slot = report_index_slot(index, r->buses, bus_hash_of, bus_eq,
                                         report_hash(name, strlen(name), false), name);
        struct report_bus *b;

        if (slot == NULL)
                return NULL;
        if (*slot)
                return &r->buses[*slot - 1];
        b = &r->buses[r->n_buses++];
        memcpy(b->name, name, sizeof(b->name));
        b->listed = report_bus_listed(r->config, name);
        *slot = r->n_buses;
        index->used++;
        return b;
}

/*
 * Listing a bus changes the loads udev makes for its devices, nothing
 * else: a probe "moves" when it ran synchronously, its driver is a module
 * that udev loaded (or nothing tells who did), on a bus not listed.
 */
static bool probe_movable(const struct report *r, const struct report_probe *p)
{
        const struct report_driver *d = &r->drivers[p->driver_idx];

        return p->mode == REPORT_MODE_SYNC && p->bus[0] && !d->builtin &&
               (d->loader == REPORT_LOADER_UDEV || d->loader == REPORT_LOADER_PROGRAM ||
                d->loader == REPORT_LOADER_UNKNOWN);
}

/*
 * The estimate: one module load probes its devices one after another when
 * sync, all at once when async, so listing the bus would have cut each
 * driver's movable probes from their sum to their longest one. Probes of
 * different drivers already overlap (udev loads modules in parallel
 * workers) and are not counted twice.
 */
static int bus_sums(struct report *r, const struct scratch *s)
{
        struct report_index index = {};

        r->buses = calloc(r->n_drivers ? r->n_drivers : 1, sizeof(*r->buses));
        if (r->buses == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_drivers; i++) {
                struct report_driver *d = &r->drivers[i];
                struct report_bus *b = bus_get(r, &index, d->bus);
                uint64_t sum = 0, longest = 0;
                size_t n = 0;

                if (b == NULL) {
                        report_index_done(&index);
                        return -ENOMEM;
                }
                for (size_t j = s->first[i]; j < s->first[i + 1]; j++) {
                        const struct report_probe *p = &r->probes[s->order[j]];
                        uint64_t t = p->end_usec - p->start_usec;

                        switch (p->mode) {
                        case REPORT_MODE_SYNC:
                                b->n_sync++, b->sync_usec += t;
                                break;
                        case REPORT_MODE_ASYNC:
                                b->n_async++, b->async_usec += t;
                                break;
                        default:
                                b->n_unknown++, b->unknown_usec += t;
                                break;
                        }
                        if (!probe_movable(r, p))
                                continue;
                        if (b->listed) {
                                b->n_listed_sync++;
                                b->listed_sync_usec += t;
                                continue;
                        }
                        n++;
                        sum += t;
                        if (t > longest)
                                longest = t;
                }
                b->n_movable += n;
                b->movable_usec += sum;
                b->saved_usec += sum - longest;
        }
        report_index_done(&index);
        return 0;
}

/*
 * The critical path, by time alone (the log has no thread ids): from the
 * probe that ended last, back through the probe that ended last before
 * each one started (one of the same driver when it ended as late, give
 * or take the log's tick), until a gap longer than CHAIN_GAP_USEC.
 */
static bool may_precede(const struct report *r, const struct report_probe *p,
                        const struct report_probe *c)
{
        return p->start_usec < c->start_usec && p->end_usec <= c->start_usec + r->touch_usec &&
               p->end_usec + CHAIN_GAP_USEC >= c->start_usec;
}

/* The first of s->by_end (by end, then index) that ends after @t. */
static size_t ending_after(const struct report *r, const struct scratch *s, uint64_t t)
{
        size_t lo = 0, hi = r->n_probes;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (r->probes[s->by_end[mid]].end_usec <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/*
 * The probes that may precede @cur end at most a touch after it starts:
 * walk back by end from there, until one ended a touch before the latest
 * of them (or too long before @cur). Of those, one of @cur's driver
 * first, then the latest, then the first in start order.
 */
static size_t predecessor(const struct report *r, const struct scratch *s, size_t cur)
{
        const struct report_probe *c = &r->probes[cur];
        uint64_t latest = 0;
        size_t best = SIZE_MAX;
        bool found = false;

        for (size_t k = ending_after(r, s, c->start_usec + r->touch_usec); k > 0; k--) {
                size_t i = s->by_end[k - 1];
                const struct report_probe *p = &r->probes[i];
                bool same, best_same;

                if (p->end_usec + CHAIN_GAP_USEC < c->start_usec ||
                    (found && p->end_usec + r->touch_usec < latest))
                        break;
                if (!may_precede(r, p, c))
                        continue;
                if (!found) {
                        latest = p->end_usec;
                        found = true;
                }
                same = p->driver_idx == c->driver_idx;
                best_same = best != SIZE_MAX && r->probes[best].driver_idx == c->driver_idx;
                if (best == SIZE_MAX || (same && !best_same) ||
                    (same == best_same && (p->end_usec > r->probes[best].end_usec ||
                                           (p->end_usec == r->probes[best].end_usec && i < best))))
                        best = i;
        }
        return best;
}

static int by_end_then_index(const void *a, const void *b, void *u)
{
        const struct report *r = u;
        size_t x = *(const size_t *) a, y = *(const size_t *) b;

        if (r->probes[x].end_usec != r->probes[y].end_usec)
                return r->probes[x].end_usec < r->probes[y].end_usec ? -1 : 1;
        return x < y ? -1 : x > y;
}

static int critical_path(struct report *r, struct scratch *s)
{
        size_t last = 0, n = 0;

        if (r->n_probes == 0)
                return 0;
        r->critical = calloc(r->n_probes, sizeof(*r->critical));
        s->by_end = calloc(r->n_probes, sizeof(*s->by_end));
        if (r->critical == NULL || s->by_end == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_probes; i++)
                s->by_end[i] = i;
        qsort_r(s->by_end, r->n_probes, sizeof(*s->by_end), by_end_then_index, r);
        for (size_t i = 1; i < r->n_probes; i++)
                if (r->probes[i].end_usec > r->probes[last].end_usec)
                        last = i;
        /* Each step goes to a probe that started earlier: it ends. */
        for (size_t cur = last; cur != SIZE_MAX && n < r->n_probes; cur = predecessor(r, s, cur)) {
                r->critical[n++] = cur;
                r->probes[cur].critical = true;
                r->critical_usec += r->probes[cur].end_usec - r->probes[cur].start_usec;
        }
        for (size_t i = 0; i < n / 2; i++) {
                size_t t = r->critical[i];

                r->critical[i] = r->critical[n - 1 - i];
                r->critical[n - 1 - i] = t;
        }
        r->n_critical = n;
        return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
        while (b) {
                uint64_t t = a % b;

                a = b;
                b = t;
        }
        return a;
}

/* The tick of the log's clock: what all its probe end times are multiples of. */
static void clock_tick(struct report *r)
{
        uint64_t g = 0;

        for (size_t i = 0; i < r->n_probes; i++)
                g = gcd(g, r->probes[i].end_usec);
        r->tick_usec = g ? g : 1;
        r->touch_usec = r->tick_usec > TOUCH_USEC && r->tick_usec <= TICK_MAX_USEC ? r->tick_usec : TOUCH_USEC;
        /* A wall clock to the second (dmesg -T): the end of a probe is known to a second. */
        if (r->wall_seconds)
                r->tick_usec = r->touch_usec = 1000000;
}

static void scratch_done(struct scratch *s)
{
        free(s->order);
        free(s->first);
        free(s->attach_min);
        free(s->attach_max);
        free(s->alone_attach);
        free(s->alone_probe);
        free(s->nested);
        report_index_done(&s->names);
        free(s->group);
        free(s->loads);
        free(s->group_first);
        free(s->named);
        free(s->by_end);
}

static int analyze(struct report *r, struct scratch *s, const struct report_facts *facts)
{
        int k;

        if (r->n_probes > 1)
                qsort(r->probes, r->n_probes, sizeof(*r->probes), by_start);
        clock_tick(r);
        modes_from_log(r);
        probe_facts(r, facts);
        k = collect_drivers(r, s);
        if (k < 0)
                return k;
        driver_modes(r, facts);
        k = modules_running(r, s);
        if (k >= 0)
                k = nested_probes(r, s);
        if (k >= 0)
                k = names_and_attaches(r, s);
        if (k >= 0)
                k = named_loads(r, s);
        if (k < 0)
                return k;
        for (size_t i = 0; i < r->n_drivers; i++)
                driver_module(r, s, &r->drivers[i], facts);
        for (size_t i = 0; i < r->n_modules; i++)
                module_loader(r, &r->modules[i], facts);
        for (size_t i = 0; i < r->n_drivers; i++)
                driver_loader(r, &r->drivers[i], facts);
        driver_sums(r);
        k = bus_sums(r, s);
        if (k < 0)
                return k;
        return critical_path(r, s);
}

int report_analyze(struct report *r, const struct uap_config *cfg, const struct report_facts *facts)
{
        struct scratch s = {};
        int k;

        r->config = cfg;
        r->facts = facts != NULL;
        k = analyze(r, &s, facts);
        scratch_done(&s);
        return k;
}
