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
        free(r->device_hash);
        r->probes = NULL, r->n_probes = r->a_probes = 0;
        r->modules = NULL, r->n_modules = r->a_modules = 0;
        r->tasks = NULL, r->n_tasks = r->a_tasks = 0;
        r->devices = NULL, r->n_devices = r->a_devices = 0;
        r->device_hash = NULL, r->n_hash = 0;
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

struct report_module *report_module_add(struct report *r, const char *name, size_t len)
{
        struct report_module *m;

        m = grow((void **) &r->modules, &r->n_modules, &r->a_modules, sizeof(*m), REPORT_MAX_MODULES);
        if (m == NULL)
                return NULL;
        report_copy_name(m->name, name, len);
        m->pid = -1;
        return m;
}

struct report_task *report_task_add(struct report *r, int pid)
{
        struct report_task *t;

        t = grow((void **) &r->tasks, &r->n_tasks, &r->a_tasks, sizeof(*t), REPORT_MAX_TASKS);
        if (t)
                t->pid = pid;
        return t;
}

/* FNV-1a: device names are looked up on every line that names one. */
static size_t hash_name(const char *s, size_t len)
{
        uint64_t h = UINT64_C(14695981039346656037);

        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char) s[i]) * UINT64_C(1099511628211);
        return (size_t) h;
}

static int device_hash_rebuild(struct report *r, size_t n_hash)
{
        size_t *h = calloc(n_hash, sizeof(*h));

        if (h == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_devices; i++) {
                const char *name = r->devices[i].name;
                size_t k = hash_name(name, strlen(name)) & (n_hash - 1);

                while (h[k])
                        k = (k + 1) & (n_hash - 1);
                h[k] = i + 1;
        }
        free(r->device_hash);
        r->device_hash = h;
        r->n_hash = n_hash;
        return 0;
}

/* The device named by @name (@len bytes; cut like every name), made on first sight. */
struct report_device *report_device_get(struct report *r, const char *name, size_t len)
{
        struct report_device *d;
        size_t k;

        if (len >= REPORT_NAME_MAX)
                len = REPORT_NAME_MAX - 1;
        if (r->n_hash) {
                k = hash_name(name, len) & (r->n_hash - 1);
                for (; r->device_hash[k]; k = (k + 1) & (r->n_hash - 1)) {
                        d = &r->devices[r->device_hash[k] - 1];
                        if (strncmp(d->name, name, len) == 0 && d->name[len] == '\0')
                                return d;
                }
        }
        /* Keep the table at most half full. */
        if ((r->n_devices + 1) * 2 > r->n_hash &&
            device_hash_rebuild(r, r->n_hash ? r->n_hash * 2 : 256) < 0)
                return NULL;
        d = grow((void **) &r->devices, &r->n_devices, &r->a_devices, sizeof(*d), REPORT_MAX_DEVICES);
        if (d == NULL)
                return NULL;
        report_copy_name(d->name, name, len);
        k = hash_name(d->name, len) & (r->n_hash - 1);
        while (r->device_hash[k])
                k = (k + 1) & (r->n_hash - 1);
        r->device_hash[k] = r->n_devices;
        return d;
}

struct report_device *report_device_find(struct report *r, const char *name)
{
        size_t len = strlen(name), k;

        if (r->n_hash == 0 || len >= REPORT_NAME_MAX)
                return NULL;
        k = hash_name(name, len) & (r->n_hash - 1);
        for (; r->device_hash[k]; k = (k + 1) & (r->n_hash - 1))
                if (strcmp(r->devices[r->device_hash[k] - 1].name, name) == 0)
                        return &r->devices[r->device_hash[k] - 1];
        return NULL;
}

/* The latest load of module @name. */
struct report_module *report_module_find(struct report *r, const char *name)
{
        for (size_t i = r->n_modules; i > 0; i--)
                if (strcmp(r->modules[i - 1].name, name) == 0)
                        return &r->modules[i - 1];
        return NULL;
}

const struct report_task *report_task_find(const struct report *r, int pid)
{
        for (size_t i = r->n_tasks; i > 0; i--)
                if (r->tasks[i - 1].pid == pid)
                        return &r->tasks[i - 1];
        return NULL;
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
