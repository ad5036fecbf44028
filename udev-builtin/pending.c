/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "pending.h"
#include "record.h"
#include "sysfs.h"

void pending_done(struct pending *p)
{
        for (size_t i = 0; i < p->n_modules; i++) {
                for (size_t j = 0; j < p->modules[i].n_devices; j++)
                        free(p->modules[i].devices[j]);
                free(p->modules[i].devices);
        }
        free(p->modules);
        *p = (struct pending) {};
}

long pending_total(const struct pending *p)
{
        long n = p->workers;

        for (size_t i = 0; i < p->n_modules; i++)
                n += p->modules[i].running + p->modules[i].coming;
        return n;
}

static struct pending_module *add_module(struct pending *p, const char *name)
{
        struct pending_module *m;

        m = reallocarray(p->modules, p->n_modules + 1, sizeof(*m));
        if (m == NULL)
                return NULL;
        p->modules = m;
        m = &p->modules[p->n_modules++];
        *m = (struct pending_module) {};
        /* Module names are at most MODULE_NAME_LEN - 1 (55 or 59) bytes. */
        snprintf(m->name, sizeof(m->name), "%.*s", (int) sizeof(m->name) - 1, name);
        return m;
}

static int add_device(struct pending_module *m, const char *name)
{
        char **d = reallocarray(m->devices, m->n_devices + 1, sizeof(*d));

        if (d == NULL)
                return -ENOMEM;
        m->devices = d;
        m->devices[m->n_devices] = strdup(name);
        if (m->devices[m->n_devices] == NULL)
                return -ENOMEM;
        m->n_devices++;
        return 0;
}

/* Whether @modalias resolves to @module. */
static bool alias_is_module(struct kmod_ctx *ctx, const char *modalias, const char *module)
{
        _cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
        struct kmod_list *l;

        if (kmod_module_new_from_lookup(ctx, modalias, &list) < 0)
                return false;
        kmod_list_foreach(l, list) {
                _cleanup_(kmod_module_unrefp) struct kmod_module *mod = kmod_module_get_module(l);

                if (strcmp(kmod_module_get_name(mod), module) == 0)
                        return true;
        }
        return false;
}

/*
 * The devices on @m's buses that have no driver yet but whose modalias
 * names @m: the ones whose probe has not visibly ended.
 */
static int unbound_devices(struct kmod_ctx *ctx, struct pending_module *m)
{
        _cleanup_(closedirp) DIR *drivers = NULL;
        char path[4096], modalias[2048];
        struct dirent *de;
        int r;

        snprintf(path, sizeof(path), "/sys/module/%s/drivers", m->name);
        drivers = opendir(path);
        while (drivers && (de = readdir(drivers))) {
                _cleanup_(closedirp) DIR *devices = NULL;
                char bus[256], *colon;
                struct dirent *dd;

                snprintf(bus, sizeof(bus), "%s", de->d_name);
                colon = strchr(bus, ':');
                if (bus[0] == '.' || colon == NULL)
                        continue;
                *colon = '\0';
                snprintf(path, sizeof(path), "/sys/bus/%s/devices", bus);
                devices = opendir(path);
                while (devices && (dd = readdir(devices))) {
                        struct stat st;

                        if (dd->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver", bus, dd->d_name);
                        if (lstat(path, &st) == 0)
                                continue;
                        snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/modalias", bus, dd->d_name);
                        if (read_one_line(path, modalias, sizeof(modalias)) < 0 ||
                            !alias_is_module(ctx, modalias, m->name))
                                continue;
                        r = add_device(m, dd->d_name);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static struct pending_module *lookup_module(struct pending *p, const char *name)
{
        for (size_t i = 0; i < p->n_modules; i++)
                if (strcmp(p->modules[i].name, name) == 0)
                        return &p->modules[i];
        return NULL;
}

static struct pending_module *find_module(struct pending *p, const char *name)
{
        struct pending_module *m = lookup_module(p, name);

        return m ? m : add_module(p, name);
}

/*
 * The module a kernel stack is in, from its innermost "func+0x1/0x2 [module]" line.
 * Returns false for a stack in built-in code only.
 */
static bool stack_module(FILE *f, bool *attach, char *module, size_t size)
{
        char line[512];
        bool found = false;

        *attach = false;
        while (fgets(line, sizeof(line), f)) {
                char *open = strrchr(line, '['), *close;

                /* Any async work: a probe, or what one queued (a SCSI scan adding disks). */
                if (strstr(line, "async_run_entry_fn"))
                        *attach = true;
                if (found || open == NULL || open == line || (close = strchr(open, ']')) == NULL ||
                    strchr(line, '[') == open)
                        continue;
                *close = '\0';
                snprintf(module, size, "%s", open + 1);
                found = true;
        }
        return found;
}

/*
 * Kernel workers in the middle of asynchronous work: a probe the driver
 * core runs asynchronously, or what such a probe queued in turn (libata's
 * port probe, a SCSI scan that adds the disks), all of which run under
 * async_run_entry_fn(), as a worker's kernel stack shows (root only,
 * CONFIG_STACKTRACE), with the module doing the work further in. A device
 * gets its driver link before its probe runs, so this is what shows the
 * probes that have started and not ended.
 */
static int async_attach_workers(struct pending *p)
{
        _cleanup_(closedirp) DIR *d = opendir("/proc");
        struct dirent *de;

        while (d && (de = readdir(d))) {
                char path[300], comm[32], module[64];
                _cleanup_(fclosep) FILE *f = NULL;
                struct pending_module *m;
                bool attach;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
                if (read_one_line(path, comm, sizeof(comm)) < 0 || strncmp(comm, "kworker/", 8) != 0)
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stack", de->d_name);
                f = fopen(path, "re");
                if (f == NULL)
                        continue;
                if (!stack_module(f, &attach, module, sizeof(module))) {
                        p->workers += attach;
                        continue;
                }
                if (!attach)
                        continue;
                m = find_module(p, module);
                if (m == NULL)
                        return -ENOMEM;
                m->running++;
        }
        return 0;
}

/* Only the probes kernel workers are running now, by module: what status shows. */
int pending_read_running(struct pending *p)
{
        *p = (struct pending) {};
        return async_attach_workers(p);
}

const struct pending_module *pending_find(const struct pending *p, const char *module)
{
        for (size_t i = 0; i < p->n_modules; i++)
                if (strcmp(p->modules[i].name, module) == 0)
                        return &p->modules[i];
        return NULL;
}

static bool module_coming(const char *module)
{
        char path[300], state[32];

        snprintf(path, sizeof(path), "/sys/module/%s/initstate", module);
        return read_one_line(path, state, sizeof(state)) == 0 && strcmp(state, "coming") == 0;
}

/* Modules whose init still runs: it may queue probes yet. */
static int coming_modules(struct pending *p)
{
        _cleanup_(closedirp) DIR *d = opendir("/sys/module");
        struct dirent *de;

        while (d && (de = readdir(d))) {
                struct pending_module *m;

                if (de->d_name[0] == '.' || !module_coming(de->d_name))
                        continue;
                m = find_module(p, de->d_name);
                if (m == NULL)
                        return -ENOMEM;
                m->coming = true;
        }
        return 0;
}

/*
 * Best effort, on kernels without the count: modules whose init still
 * runs, and kernel workers in an asynchronous attach. A probe queued but
 * not yet picked up by a worker is not seen; the caller looks twice, a
 * moment apart, to leave it the time to start.
 */
int pending_read_best_effort(struct pending *p)
{
        int r;

        *p = (struct pending) {};
        r = async_attach_workers(p);
        if (r < 0)
                return r;
        return coming_modules(p);
}

/*
 * The program's own view, for a message: the modules load inserted with
 * async_probe=1 this boot (its records) that still have devices without a
 * driver, with those devices. The kernel's count is global: this names
 * what, of the program's doing, it may be waiting for.
 */
int pending_read_requested(struct kmod_ctx *ctx, struct pending *p)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int dir, r;

        *p = (struct pending) {};
        dir = record_dir();
        if (dir < 0)
                return dir == -ENOENT ? 0 : dir;
        d = fdopendir(dir);
        if (d == NULL) {
                r = -errno;
                close(dir);
                return r;
        }
        while ((de = readdir(d))) {
                struct pending_module *m;
                struct record rec;

                if (de->d_name[0] == '.' || record_read(dirfd(d), de->d_name, &rec) <= 0)
                        continue;
                m = add_module(p, de->d_name);
                if (m == NULL)
                        return -ENOMEM;
                snprintf(m->requested, sizeof(m->requested), "%s", record_device(&rec));
                r = unbound_devices(ctx, m);
                if (r < 0)
                        return r;
                if (m->n_devices == 0) {
                        free(m->devices);
                        p->n_modules--;
                }
        }
        return 0;
}

/*
 * The kernel's count file, kept open: its reads arm poll() on it. Returns
 * the descriptor, -ENOENT where the kernel has no count, or another
 * -errno: a file there that cannot be opened, which is no zero.
 */
int pending_count_open(void)
{
        int fd = open(PENDING_COUNT_FILE, O_RDONLY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

/*
 * Read the count again from the start (which arms poll() anew): 0, or
 * -errno; -EINVAL for anything but a decimal count, which is no zero.
 */
int pending_count_read(int fd, long *ret)
{
        char buf[32], *end;
        ssize_t n;

        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        if (n == 0 || buf[n - 1] != '\n' || buf[0] < '0' || buf[0] > '9')
                return -EINVAL;
        buf[n - 1] = '\0';
        errno = 0;
        *ret = strtol(buf, &end, 10);
        return *end == '\0' && errno == 0 ? 0 : -EINVAL;
}

/*
 * Sleep until the kernel notifies the file (the count rose from 0 or
 * dropped to 0) or @timeout_ms passed. The notification comes after the
 * count changed, so the caller reads it again either way; the timeout
 * bounds the sleep where no notification comes (a file that is not the
 * kernel's).
 */
int pending_count_wait(int fd, int timeout_ms)
{
        struct pollfd pfd = { .fd = fd, .events = POLLPRI };

        return poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR ? -errno : 0;
}
