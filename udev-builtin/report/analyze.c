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

static struct report_driver *driver_find(struct report *r, const char *name, const char *bus)
{
        for (size_t i = 0; i < r->n_drivers; i++)
                if (strcmp(r->drivers[i].name, name) == 0 && strcmp(r->drivers[i].bus, bus) == 0)
                        return &r->drivers[i];
        return NULL;
}

/* One entry per (driver, bus); probes whose driver is unknown share the "" one of their bus. */
static int collect_drivers(struct report *r)
{
        r->drivers = calloc(r->n_probes ? r->n_probes : 1, sizeof(*r->drivers));
        if (r->drivers == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_probes; i++) {
                struct report_probe *p = &r->probes[i];
                struct report_driver *d = driver_find(r, p->driver, p->bus);

                if (d == NULL) {
                        d = &r->drivers[r->n_drivers++];
                        memcpy(d->name, p->driver, sizeof(d->name));
                        memcpy(d->bus, p->bus, sizeof(d->bus));
                        d->first_usec = p->start_usec;
                        d->async_readback = -1;
                }
                p->driver_idx = (size_t) (d - r->drivers);
        }
        return 0;
}

/* The module whose init call ran from @start to @end, when exactly one did. */
static const struct report_module *module_running(const struct report *r, uint64_t start, uint64_t end)
{
        const struct report_module *found = NULL;

        for (size_t i = 0; i < r->n_modules; i++) {
                const struct report_module *m = &r->modules[i];

                if (!m->finished || m->start_usec > start + r->touch_usec ||
                    m->end_usec + r->touch_usec < end)
                        continue;
                if (found)
                        return NULL;
                found = m;
        }
        return found;
}

/*
 * Whether probe @p ran inside a longer probe of another driver: a device
 * that probe created (a USB host controller's root hubs), bound by a
 * driver that some other, earlier module registered.
 */
static bool nested_in_other_probe(const struct report *r, const struct report_probe *p)
{
        for (size_t i = 0; i < r->n_probes; i++) {
                const struct report_probe *q = &r->probes[i];

                if (q != p && q->driver_idx != p->driver_idx && q->start_usec <= p->start_usec &&
                    p->end_usec <= q->end_usec &&
                    q->end_usec - q->start_usec > p->end_usec - p->start_usec)
                        return true;
        }
        return false;
}

/* Whether driver @idx's attach scheduled a probe while module @m's init call was not running. */
static bool attached_outside(const struct report *r, size_t idx, const struct report_module *m)
{
        for (size_t i = 0; m->finished && i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];

                if (p->driver_idx == idx && p->attach_usec &&
                    (m->start_usec > p->attach_usec + r->touch_usec ||
                     m->end_usec + r->touch_usec < p->attach_usec))
                        return true;
        }
        return false;
}

static void driver_module(struct report *r, struct report_driver *d, const struct report_facts *f)
{
        size_t idx = (size_t) (d - r->drivers);
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
        for (size_t i = 0; d->name[0] && i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];
                const struct report_module *m;

                if (p->driver_idx != idx || p->attach_usec == 0 ||
                    (m = module_running(r, p->attach_usec, p->attach_usec)) == NULL)
                        continue;
                memcpy(d->module, m->name, sizeof(d->module));
                d->module_how = "log: its attach scheduled a probe during that module's init call alone";
                return;
        }
        for (size_t i = 0; i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];
                const struct report_module *m;

                if (p->driver_idx != idx)
                        continue;
                if (p->end_usec >= r->userspace_usec)
                        before_userspace = false;
                if (!d->name[0] || p->mode == REPORT_MODE_ASYNC ||
                    (m = module_running(r, p->start_usec, p->end_usec)) == NULL ||
                    nested_in_other_probe(r, p))
                        continue;
                memcpy(d->module, m->name, sizeof(d->module));
                d->module_how = "log: probed during that module's init call alone";
                return;
        }
        for (size_t i = 0; d->name[0] && i < r->n_modules; i++)
                if (same_module(r->modules[i].name, d->name) && !attached_outside(r, idx, &r->modules[i])) {
                        memcpy(d->module, r->modules[i].name, sizeof(d->module));
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

static struct report_bus *bus_get(struct report *r, const char *name)
{
        struct report_bus *b;

        for (size_t i = 0; i < r->n_buses; i++)
                if (strcmp(r->buses[i].name, name) == 0)
                        return &r->buses[i];
        b = &r->buses[r->n_buses++];
        memcpy(b->name, name, sizeof(b->name));
        b->listed = report_bus_listed(r->config, name);
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
static int bus_sums(struct report *r)
{
        r->buses = calloc(r->n_drivers ? r->n_drivers : 1, sizeof(*r->buses));
        if (r->buses == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_drivers; i++) {
                struct report_driver *d = &r->drivers[i];
                struct report_bus *b = bus_get(r, d->bus);
                uint64_t sum = 0, longest = 0;
                size_t n = 0;

                for (size_t j = 0; j < r->n_probes; j++) {
                        const struct report_probe *p = &r->probes[j];
                        uint64_t t = p->end_usec - p->start_usec;

                        if (p->driver_idx != i)
                                continue;
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

static size_t predecessor(const struct report *r, size_t cur)
{
        const struct report_probe *c = &r->probes[cur];
        uint64_t latest = 0;
        size_t best = SIZE_MAX;
        bool found = false;

        for (size_t i = 0; i < r->n_probes; i++)
                if (may_precede(r, &r->probes[i], c) && (!found || r->probes[i].end_usec > latest)) {
                        latest = r->probes[i].end_usec;
                        found = true;
                }
        for (size_t i = 0; found && i < r->n_probes; i++) {
                const struct report_probe *p = &r->probes[i];
                bool same, best_same;

                if (!may_precede(r, p, c) || p->end_usec + r->touch_usec < latest)
                        continue;
                same = p->driver_idx == c->driver_idx;
                best_same = best != SIZE_MAX && r->probes[best].driver_idx == c->driver_idx;
                if (best == SIZE_MAX || (same && !best_same) ||
                    (same == best_same && p->end_usec > r->probes[best].end_usec))
                        best = i;
        }
        return best;
}

static int critical_path(struct report *r)
{
        size_t last = 0, n = 0;

        if (r->n_probes == 0)
                return 0;
        r->critical = calloc(r->n_probes, sizeof(*r->critical));
        if (r->critical == NULL)
                return -ENOMEM;
        for (size_t i = 1; i < r->n_probes; i++)
                if (r->probes[i].end_usec > r->probes[last].end_usec)
                        last = i;
        /* Each step goes to a probe that started earlier: it ends. */
        for (size_t cur = last; cur != SIZE_MAX && n < r->n_probes; cur = predecessor(r, cur)) {
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
}

int report_analyze(struct report *r, const struct uap_config *cfg, const struct report_facts *facts)
{
        int k;

        r->config = cfg;
        r->facts = facts != NULL;
        if (r->n_probes > 1)
                qsort(r->probes, r->n_probes, sizeof(*r->probes), by_start);
        clock_tick(r);
        modes_from_log(r);
        probe_facts(r, facts);
        k = collect_drivers(r);
        if (k < 0)
                return k;
        driver_modes(r, facts);
        for (size_t i = 0; i < r->n_drivers; i++)
                driver_module(r, &r->drivers[i], facts);
        for (size_t i = 0; i < r->n_modules; i++)
                module_loader(r, &r->modules[i], facts);
        for (size_t i = 0; i < r->n_drivers; i++)
                driver_loader(r, &r->drivers[i], facts);
        driver_sums(r);
        k = bus_sums(r);
        if (k < 0)
                return k;
        return critical_path(r);
}
