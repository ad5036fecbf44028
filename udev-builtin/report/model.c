/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report's tables: probes, module loads, tasks and devices as the
 * parser adds them, bounded by the REPORT_MAX_* limits, and the lookups
 * the parser and the analysis make in them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void report_init(struct report *r)
{
        *r = (struct report) {};
}

/* Drops what the log held, keeping the line counters (a new boot starts). */
void report_forget(struct report *r)
{
        free(r->probes);
        free(r->modules);
        free(r->tasks);
        free(r->devices);
        report_index_done(&r->module_index);
        report_index_done(&r->task_index);
        report_index_done(&r->device_index);
        r->probes = NULL, r->n_probes = r->a_probes = 0;
        r->modules = NULL, r->n_modules = r->a_modules = 0;
        r->tasks = NULL, r->n_tasks = r->a_tasks = 0;
        r->devices = NULL, r->n_devices = r->a_devices = 0;
        r->initcall_debug = r->dyndbg = false;
        r->last_usec = r->userspace_usec = r->udevd_usec = 0;
        r->dropped = 0;
}

void report_done(struct report *r)
{
        report_forget(r);
        free(r->drivers);
        free(r->buses);
        free(r->critical);
        *r = (struct report) {};
}

/* Room for one more element of @size in *@v; NULL past @max or without memory. */
static void *grow(void **v, size_t *n, size_t *alloc, size_t size, size_t max)
{
        void *p;

        if (*n >= max)
                return NULL;
        if (*n == *alloc) {
                size_t a = *alloc ? *alloc * 2 : 64;

                p = reallocarray(*v, a, size);
                if (p == NULL)
                        return NULL;
                *v = p;
                *alloc = a;
        }
        p = (char *) *v + *n * size;
        memset(p, 0, size);
        (*n)++;
        return p;
}

void report_copy_name(char *dst, const char *src, size_t len)
{
        if (len >= REPORT_NAME_MAX)
                len = REPORT_NAME_MAX - 1;
        memcpy(dst, src, len);
        dst[len] = '\0';
}

struct report_probe *report_probe_add(struct report *r)
{
        return grow((void **) &r->probes, &r->n_probes, &r->a_probes, sizeof(struct report_probe),
                    REPORT_MAX_PROBES);
}

/* FNV-1a, over @len bytes; '-' counts as '_' when @fold (module names). */
size_t report_hash(const char *s, size_t len, bool fold)
{
        uint64_t h = UINT64_C(14695981039346656037);

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];

                h = (h ^ (fold && c == '-' ? '_' : c)) * UINT64_C(1099511628211);
        }
        return (size_t) h;
}

static int index_grow(struct report_index *t, const void *items, report_hash_fn hash_of)
{
        size_t size = t->size ? t->size * 2 : 256;
        size_t *slot = calloc(size, sizeof(*slot));

        if (slot == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < t->size; i++) {
                size_t k;

                if (t->slot[i] == 0)
                        continue;
                k = hash_of(items, t->slot[i] - 1) & (size - 1);
                while (slot[k])
                        k = (k + 1) & (size - 1);
                slot[k] = t->slot[i];
        }
        free(t->slot);
        t->slot = slot;
        t->size = size;
        return 0;
}

/*
 * The slot of the entry of hash @h that eq() takes for @key, or the empty
 * slot where it goes; NULL without memory. The table is kept at most half
 * full, so the walk from @h is short.
 */
size_t *report_index_slot(struct report_index *t, const void *items, report_hash_fn hash_of,
                          report_eq_fn eq, size_t h, const void *key)
{
        size_t k;

        if ((t->used + 1) * 2 > t->size && index_grow(t, items, hash_of) < 0)
                return NULL;
        for (k = h & (t->size - 1); t->slot[k]; k = (k + 1) & (t->size - 1))
                if (eq(items, t->slot[k] - 1, key))
                        break;
        return &t->slot[k];
}

void report_index_done(struct report_index *t)
{
        free(t->slot);
        *t = (struct report_index) {};
}

struct name_key {
        const char *name;
        size_t len;
};

static size_t module_hash_of(const void *items, size_t i)
{
        const struct report_module *m = (const struct report_module *) items + i;

        return report_hash(m->name, strlen(m->name), false);
}

static bool module_eq(const void *items, size_t i, const void *key)
{
        const struct report_module *m = (const struct report_module *) items + i;
        const struct name_key *k = key;

        return strncmp(m->name, k->name, k->len) == 0 && m->name[k->len] == '\0';
}

static size_t *module_slot(struct report *r, const char *name, size_t len)
{
        struct name_key key = { name, len < REPORT_NAME_MAX ? len : REPORT_NAME_MAX - 1 };

        return report_index_slot(&r->module_index, r->modules, module_hash_of, module_eq,
                                 report_hash(key.name, key.len, false), &key);
}

/*
 * A new load of module @name, running. Its name's slot points to the
 * latest load, which keeps the loads of that name still running: the
 * latest of those, and each of them the one before it.
 */
struct report_module *report_module_add(struct report *r, const char *name, size_t len)
{
        struct report_module *m;
        size_t *slot, running = 0;

        slot = module_slot(r, name, len);
        if (slot == NULL)
                return NULL;
        if (*slot)
                running = r->modules[*slot - 1].running;
        m = grow((void **) &r->modules, &r->n_modules, &r->a_modules, sizeof(*m), REPORT_MAX_MODULES);
        if (m == NULL)
                return NULL;
        report_copy_name(m->name, name, len);
        m->pid = -1;
        m->running_before = running;
        m->running = r->n_modules;
        if (*slot == 0)
                r->module_index.used++;
        *slot = r->n_modules;
        return m;
}

/* The latest load of module @name. */
struct report_module *report_module_find(struct report *r, const char *name)
{
        size_t *slot;

        if (r->module_index.size == 0)
                return NULL;
        slot = module_slot(r, name, strlen(name));
        return slot && *slot ? &r->modules[*slot - 1] : NULL;
}

/* The latest load of module @name whose init call has not returned. */
struct report_module *report_module_running(struct report *r, const char *name)
{
        struct report_module *latest = report_module_find(r, name);

        return latest && latest->running ? &r->modules[latest->running - 1] : NULL;
}

/* Load @m, report_module_running()'s, has returned. */
void report_module_finish(struct report *r, struct report_module *m)
{
        struct report_module *latest = report_module_find(r, m->name);

        m->finished = true;
        if (latest && latest->running == (size_t) (m - r->modules) + 1)
                latest->running = m->running_before;
}

static size_t task_hash_of(const void *items, size_t i)
{
        int pid = ((const struct report_task *) items)[i].pid;

        return report_hash((const char *) &pid, sizeof(pid), false);
}

static bool task_eq(const void *items, size_t i, const void *key)
{
        return ((const struct report_task *) items)[i].pid == *(const int *) key;
}

/* The task of @pid, made on first sight. */
struct report_task *report_task_add(struct report *r, int pid)
{
        struct report_task *t;
        size_t *slot;

        slot = report_index_slot(&r->task_index, r->tasks, task_hash_of, task_eq,
                                 report_hash((const char *) &pid, sizeof(pid), false), &pid);
        if (slot == NULL)
                return NULL;
        if (*slot)
                return &r->tasks[*slot - 1];
        t = grow((void **) &r->tasks, &r->n_tasks, &r->a_tasks, sizeof(*t), REPORT_MAX_TASKS);
        if (t == NULL)
                return NULL;
        t->pid = pid;
        *slot = r->n_tasks;
        r->task_index.used++;
        return t;
}

const struct report_task *report_task_find(const struct report *r, int pid)
{
        size_t k;

        if (r->task_index.size == 0)
                return NULL;
        k = report_hash((const char *) &pid, sizeof(pid), false) & (r->task_index.size - 1);
        for (; r->task_index.slot[k]; k = (k + 1) & (r->task_index.size - 1))
                if (r->tasks[r->task_index.slot[k] - 1].pid == pid)
                        return &r->tasks[r->task_index.slot[k] - 1];
        return NULL;
}

static size_t device_hash_of(const void *items, size_t i)
{
        const struct report_device *d = (const struct report_device *) items + i;

        return report_hash(d->name, strlen(d->name), false);
}

static bool device_eq(const void *items, size_t i, const void *key)
{
        const struct report_device *d = (const struct report_device *) items + i;
        const struct name_key *k = key;

        return strncmp(d->name, k->name, k->len) == 0 && d->name[k->len] == '\0';
}

/* The device named by @name (@len bytes; cut like every name), made on first sight. */
struct report_device *report_device_get(struct report *r, const char *name, size_t len)
{
        struct name_key key = { name, len < REPORT_NAME_MAX ? len : REPORT_NAME_MAX - 1 };
        struct report_device *d;
        size_t *slot;

        slot = report_index_slot(&r->device_index, r->devices, device_hash_of, device_eq,
                                 report_hash(key.name, key.len, false), &key);
        if (slot == NULL)
                return NULL;
        if (*slot)
                return &r->devices[*slot - 1];
        d = grow((void **) &r->devices, &r->n_devices, &r->a_devices, sizeof(*d), REPORT_MAX_DEVICES);
        if (d == NULL)
                return NULL;
        report_copy_name(d->name, key.name, key.len);
        *slot = r->n_devices;
        r->device_index.used++;
        return d;
}

const char *report_mode_to_string(enum report_mode mode)
{
        static const char * const names[] = {
                [REPORT_MODE_UNKNOWN] = "unknown",
                [REPORT_MODE_SYNC] = "sync",
                [REPORT_MODE_ASYNC] = "async",
                [REPORT_MODE_MIXED] = "mixed",
        };

        return names[mode];
}

/* The tools, the unit each runs in, and whose loads their pids' are. */
static const struct report_tool tools[] = {
        { "systemd-modules-load", "systemd-modules-load.service", REPORT_LOADER_MODULES_LOAD, false },
        { "systemd-udevd", "systemd-udevd.service", REPORT_LOADER_UDEV, true },
        { "(udev-worker)", "systemd-udevd.service", REPORT_LOADER_UDEV, false },
        { "udev-async-probe", "systemd-udevd.service", REPORT_LOADER_PROGRAM, false },
        { "kernel", NULL, REPORT_LOADER_UNKNOWN, false },       /* never from user space */
};

/* The tool named @ident (@len bytes), or NULL. */
const struct report_tool *report_tool_find(const char *ident, size_t len)
{
        for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
                if (strlen(tools[i].ident) == len && strncmp(tools[i].ident, ident, len) == 0)
                        return &tools[i];
        return NULL;
}

const char *report_loader_to_string(enum report_loader loader)
{
        static const char * const names[] = {
                [REPORT_LOADER_UNKNOWN] = "unknown",
                [REPORT_LOADER_BUILTIN] = "built-in",
                [REPORT_LOADER_UDEV] = "udev",
                [REPORT_LOADER_PROGRAM] = "udev-async-probe",
                [REPORT_LOADER_MODULES_LOAD] = "modules-load.d",
                [REPORT_LOADER_OTHER] = "other",
        };

        return names[loader];
}
