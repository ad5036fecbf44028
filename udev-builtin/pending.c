/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "pending.h"
#include "sysfs.h"

/*
 * The kernel series' read-back: how many of a module's asynchronous
 * probes are queued or running; the kernel notifies a poll() when it
 * rises from zero and when it drops to zero.
 */
#define MODULE_PENDING_FILE "async_probe_pending"

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
                n += p->modules[i].probes > 0 ? p->modules[i].probes :
                     (long) (p->modules[i].running + p->modules[i].coming);
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
        *m = (struct pending_module) { .probes = -1 };
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

/* The kernel's own count, where it has the file: 1 when it does. */
static int parse_count(const char *value, long *ret)
{
        char *end;

        *ret = strtol(value, &end, 10);
        return *end == '\0' && *ret >= 0 ? 1 : -EINVAL;
}

int pending_module_count(const char *module, long *ret)
{
        char path[4096], value[32];
        int r;

        snprintf(path, sizeof(path), "/sys/module/%s/" MODULE_PENDING_FILE, module);
        r = read_one_line(path, value, sizeof(value));
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        return parse_count(value, ret);
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
 * probes that have started and not ended. @known_only: only for the
 * modules already in @p.
 */
static int async_attach_workers(struct pending *p, bool known_only)
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
                        p->workers += attach && !known_only;
                        continue;
                }
                if (!attach)
                        continue;
                m = known_only ? lookup_module(p, module) : find_module(p, module);
                if (m)
                        m->running++;
                else if (!known_only)
                        return -ENOMEM;
        }
        return 0;
}

/* Only the probes kernel workers are running now, by module: what status shows. */
int pending_read_running(struct pending *p)
{
        *p = (struct pending) {};
        return async_attach_workers(p, false);
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

/* The modules checked as a best effort in which nothing showed: not pending. */
static void drop_idle_modules(struct pending *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_modules; i++)
                if (p->modules[i].probes >= 0 || p->modules[i].running > 0 || p->modules[i].coming)
                        p->modules[n++] = p->modules[i];
        p->n_modules = n;
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

static int watch_add(struct pending_watch *w, int fd)
{
        if ((w->n & (w->n - 1)) == 0) {
                struct pollfd *pfd = reallocarray(w->pfd, w->n ? w->n * 2 : 16, sizeof(*pfd));

                if (!pfd)
                        return -ENOMEM;
                w->pfd = pfd;
        }
        w->pfd[w->n++] = (struct pollfd) { .fd = fd, .events = POLLPRI };
        return 0;
}

/* The watch's descriptors, closed; @w stays incomplete. */
static void watch_release(struct pending_watch *w)
{
        for (size_t i = 0; i < w->n; i++)
                close(w->pfd[i].fd);
        w->n = 0;
        w->complete = false;
}

/*
 * pending_module_count(), reading the file through a descriptor that stays
 * open in @w: that read arms poll() on it. Out of descriptors, the watch
 * gives them back and the counts are read without one; a file that exists
 * but cannot be read is no zero: *ret is -1, for the best-effort check of
 * its module. Either leaves the watch incomplete, as a rise would go unseen.
 */
static int watch_module_count(struct pending_watch *w, const char *module, long *ret)
{
        static bool warned;
        char path[4096], value[32];
        int fd, r = 0;

        snprintf(path, sizeof(path), "/sys/module/%s/" MODULE_PENDING_FILE, module);
        if (!w->spent) {
                fd = open(path, O_RDONLY | O_CLOEXEC);
                r = fd < 0 ? -errno : read_line_fd(fd, value, sizeof(value));
                if (r == 0) {
                        r = watch_add(w, fd);
                        if (r < 0) {
                                close(fd);
                                return r;
                        }
                } else if (fd >= 0)
                        close(fd);
                if (r == -EMFILE || r == -ENFILE) {
                        log_debug("Out of file descriptors at %s: reading the counts without a watch.", path);
                        watch_release(w);
                        w->spent = true;
                }
        }
        if (w->spent)
                r = read_one_line(path, value, sizeof(value));
        /*
         * ENODEV: the module went away after the open. ENOTDIR: no module,
         * a file of the module core (/sys/module/compression).
         */
        if (r == -ENOENT || r == -ENODEV || r == -ENOTDIR)
                return 0;
        if (r == 0 && parse_count(value, ret) > 0)
                return 1;

        log_full_errno(warned ? LOG_DEBUG : LOG_WARNING, r < 0 ? r : -EINVAL,
                       "Cannot read %s: %m; checking module '%s' as a best effort.", path, module);
        warned = true;
        w->complete = false;
        *ret = -1;
        return 1;
}

/* > 0 if a watched count rose or dropped since pending_watch_arm(). */
int pending_watch_poll(struct pending_watch *w, int timeout_ms)
{
        int r = poll(w->pfd, w->n, timeout_ms);

        return r < 0 ? -errno : r;
}

void pending_watch_done(struct pending_watch *w)
{
        watch_release(w);
        free(w->pfd);
        *w = (struct pending_watch) {};
}

/*
 * Exact: every module whose kernel count is not zero, with its devices
 * that have no driver yet; @w then watches every count file read, armed
 * by that read (see struct pending_watch). A module whose count file cannot
 * be read gets the best effort below instead. Best effort, on kernels
 * without the count: modules whose init still runs, and kernel workers in
 * an asynchronous attach. A probe queued but not yet picked up by a worker
 * is not seen; the caller looks twice, a moment apart, to leave it the
 * time to start.
 */
int pending_read(struct kmod_ctx *ctx, struct pending *p, struct pending_watch *w)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        bool unknown = false;
        long count;
        int r;

        *p = (struct pending) {};
        pending_watch_done(w);
        d = opendir("/sys/module");
        w->complete = d != NULL;
        while (d && (de = readdir(d))) {
                struct pending_module *m;

                if (de->d_name[0] == '.')
                        continue;
                r = watch_module_count(w, de->d_name, &count);
                if (r == -ENOMEM)
                        return r;
                if (r <= 0)
                        continue;
                p->exact = true;
                if (count == 0)
                        continue;
                m = add_module(p, de->d_name);
                if (m == NULL)
                        return -ENOMEM;
                if (count < 0) {
                        m->coming = module_coming(de->d_name);
                        unknown = true;
                        continue;
                }
                m->probes = count;
                r = unbound_devices(ctx, m);
                if (r < 0)
                        return r;
        }
        if (p->exact) {
                r = unknown ? async_attach_workers(p, true) : 0;
                drop_idle_modules(p);
                return r;
        }

        r = async_attach_workers(p, false);
        if (r < 0)
                return r;
        return coming_modules(p);
}
