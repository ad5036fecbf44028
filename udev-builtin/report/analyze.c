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
#include "overlap.h"

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

/* What report_analyze() works out once: each driver's probes, the probes by end. */
struct scratch {
        size_t *order;          /* probe indices by driver, each driver's in start order */
        size_t *first;          /* driver i's: order[first[i]] to order[first[i + 1] - 1] */
        size_t *by_end;         /* probe indices by end */
        struct report_overlap o;
};

/* Whether udev-async-probe would have made loads for @bus asynchronous. */
bool report_bus_listed(const struct uap_config *cfg, const char *bus)
{
        return cfg && cfg->enable && !cfg->invalid && bus[0] &&
               (uap_config_has_bus(cfg, "*") || uap_config_has_bus(cfg, bus));
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
                size_t m = s->o.alone_attach[probe[i]];

                if (m == 0)
                        continue;
                memcpy(d->module, r->modules[m - 1].name, sizeof(d->module));
                d->module_how = "log: its attach scheduled a probe during that module's init call alone";
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const struct report_probe *p = &r->probes[probe[i]];
                size_t m = s->o.alone_probe[probe[i]];

                if (p->end_usec >= r->userspace_usec)
                        before_userspace = false;
                if (!d->name[0] || p->mode == REPORT_MODE_ASYNC || m == 0 || s->o.nested[probe[i]])
                        continue;
                memcpy(d->module, r->modules[m - 1].name, sizeof(d->module));
                d->module_how = "log: probed during that module's init call alone";
                return;
        }
        /* Unless the driver's attach ran outside that load's init call. */
        if (s->o.named[idx]) {
                memcpy(d->module, r->modules[s->o.named[idx] - 1].name, sizeof(d->module));
                d->module_how = "log: a module of the same name was loaded";
                return;
        }
        if (before_userspace) {
                d->builtin = true;
                d->builtin_how = "log: every probe ended before user space started";
        }
}

/*
 * Who loaded module @m, strongest evidence first. The pid of the module's
 * init call is the loading task; the log names it only when that task
 * wrote to the log itself.
 */
static void module_loader(struct report *r, struct report_module *m, const struct report_facts *f)
{
        const struct report_task *t = m->pid >= 0 ? report_task_find(r, m->pid) : NULL;
        const struct report_tool *tool;
        char where[256];
        int k;

        /* A pid that wrote under two names was used twice: neither tells who loaded the module. */
        if (t && t->renamed)
                t = NULL;
        tool = t ? report_tool_find(t->ident, strlen(t->ident)) : NULL;
        /* The running boot's record, written by the process that inserted it. */
        k = f && f->module_requested ? f->module_requested(f->userdata, m->name, where, sizeof(where)) : -1;
        m->requested = k < 0 ? -1 : k > 0;

        if (m->inserted_by_modules_load) {
                m->loader = REPORT_LOADER_MODULES_LOAD;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "log: systemd-modules-load inserted it");
        } else if (t) {
                m->loader = tool && tool->loader != REPORT_LOADER_UNKNOWN ? tool->loader : REPORT_LOADER_OTHER;
                snprintf(m->loader_how, sizeof(m->loader_how), "log: loaded by pid %i, %.64s",
                         m->pid, t->ident);
        } else if (f && f->module_loaded_async && f->module_loaded_async(f->userdata, m->name) == 1) {
                m->loader = REPORT_LOADER_PROGRAM;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "sysfs: async_probe=1, asked for by neither its options nor module.async_probe");
        } else if (m->requested == 1) {
                /* A stock kernel does not read async_probe back: the program's own record. */
                m->loader = REPORT_LOADER_PROGRAM;
                snprintf(m->loader_how, sizeof(m->loader_how),
                         "record: inserted with async_probe=1 this boot, for %.128s", where);
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

        d->requested = -1;
        if (d->builtin) {
                d->loader = REPORT_LOADER_BUILTIN;
                snprintf(d->loader_how, sizeof(d->loader_how), "%s", d->builtin_how);
                d->requested = f && f->module_requested ? 0 : -1;
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
        d->requested = m->requested;
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
        /* A wall clock to the second (dmesg -T, journalctl): the end of a probe is known to a second. */
        if (r->wall_seconds)
                r->tick_usec = r->touch_usec = 1000000;
}

static void scratch_done(struct scratch *s)
{
        free(s->order);
        free(s->first);
        free(s->by_end);
        report_overlap_done(&s->o);
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
        k = report_overlap(r, &s->o);
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
