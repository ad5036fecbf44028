/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One insert of a module at a time, across events. An insert can hang in
 * the kernel (a module's init), and each event that inserts the module
 * again would leave one more insert behind at its deadline. libkmod's
 * insert of a module also inserts, unasked, its dependencies and soft
 * dependencies: so an insert takes the lock of every module it may insert
 * that is not live yet, and events for different modules that share a
 * hanging dependency do not each insert it again.
 *
 * A lock is the file insert.MODULE.lock in the state directory, held with
 * flock(). Every load takes its locks in the order of the module names, so
 * that none waits on another that waits on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "deadline.h"
#include "insert-lock.h"
#include "log.h"

/* One module's insert lock, shared by the jobs whose insert may insert it. */
struct insert_lock {
        char *module;
        int fd;                 /* holds the lock, or -1 */
        int error;              /* -ETIME: another insert held it until the deadline; -errno: none to be had */
        unsigned users;         /* jobs that still need it */
};

/* More modules than any real insert has; past it, the rest go unlocked. */
#define CHAIN_MAX 256

struct chain {
        struct {
                char *name;
                bool live;
        } mods[CHAIN_MAX];
        size_t n;
};

static int chain_add(struct chain *c, struct kmod_module *mod);

/* Add each module of @list, and release it. */
static int chain_add_list(struct chain *c, struct kmod_list *list)
{
        struct kmod_list *l;
        int r = 0;

        kmod_list_foreach(l, list) {
                struct kmod_module *m = kmod_module_get_module(l);

                r = chain_add(c, m);
                kmod_module_unref(m);
                if (r < 0)
                        break;
        }
        kmod_module_unref_list(list);
        return r;
}

/*
 * @mod and what libkmod's insert of it follows: its dependencies (all of
 * them, as depmod writes them to modules.dep) and its soft dependencies,
 * pre and post, each with its own, including those of a live module.
 */
static int chain_add(struct chain *c, struct kmod_module *mod)
{
        const char *name = kmod_module_get_name(mod);
        struct kmod_list *pre = NULL, *post = NULL;
        int state, r;

        for (size_t i = 0; i < c->n; i++)
                if (strcmp(c->mods[i].name, name) == 0)
                        return 0;
        if (c->n == CHAIN_MAX) {
                log_debug("Module '%s' and more are not locked: over %i modules to insert.", name, CHAIN_MAX);
                return 0;
        }
        c->mods[c->n].name = strdup(name);
        if (c->mods[c->n].name == NULL)
                return -ENOMEM;
        state = kmod_module_get_initstate(mod);
        /* What libkmod's insert skips. */
        c->mods[c->n++].live = state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN;

        r = chain_add_list(c, kmod_module_get_dependencies(mod));
        if (r < 0)
                return r;
        r = kmod_module_get_softdeps(mod, &pre, &post);
        if (r < 0)
                return r;
        r = chain_add_list(c, pre);
        if (r < 0) {
                kmod_module_unref_list(post);
                return r;
        }
        return chain_add_list(c, post);
}

/*
 * The modules an insert of @mod may insert, those not live yet: a
 * NULL-terminated array, for insert_chain_free().
 */
int insert_chain(struct kmod_module *mod, char ***ret)
{
        _cleanup_free_ struct chain *c = calloc(1, sizeof(*c));
        char **chain = NULL;
        size_t n = 0;
        int r;

        if (c == NULL)
                return -ENOMEM;
        r = chain_add(c, mod);
        if (r >= 0) {
                chain = calloc(c->n + 1, sizeof(*chain));
                if (chain == NULL)
                        r = -ENOMEM;
        }
        for (size_t i = 0; i < c->n; i++)
                if (chain && !c->mods[i].live)
                        chain[n++] = c->mods[i].name;
                else
                        free(c->mods[i].name);
        if (r < 0)
                return r;
        *ret = chain;
        return 0;
}

void insert_chain_free(char **chain)
{
        for (char **p = chain; p && *p; p++)
                free(*p);
        free(chain);
}

static bool chain_has(char * const *chain, const char *module)
{
        for (; chain && *chain; chain++)
                if (strcmp(*chain, module) == 0)
                        return true;
        return false;
}

static struct insert_lock *find(const struct insert_locks *set, const char *module)
{
        for (size_t i = 0; i < set->n; i++)
                if (strcmp(set->locks[i].module, module) == 0)
                        return &set->locks[i];
        return NULL;
}

/* The locks of a job's @chain, shared with the jobs that need them too. */
int insert_locks_add(struct insert_locks *set, char * const *chain)
{
        for (; chain && *chain; chain++) {
                struct insert_lock *lock = find(set, *chain), *locks;

                if (lock) {
                        lock->users++;
                        continue;
                }
                locks = reallocarray(set->locks, set->n + 1, sizeof(*locks));
                if (locks == NULL)
                        return -ENOMEM;
                set->locks = locks;
                locks[set->n] = (struct insert_lock) { .module = strdup(*chain), .fd = -1, .users = 1 };
                if (locks[set->n].module == NULL)
                        return -ENOMEM;
                set->n++;
        }
        return 0;
}

static int by_module(const void *a, const void *b)
{
        const struct insert_lock *x = a, *y = b;

        return strcmp(x->module, y->module);
}

/*
 * @module's lock in @dir: a descriptor that holds it, -ETIME when another
 * insert held it until @until (see lock_until()), or -errno.
 */
static int lock_one(int dir, const char *module, long long until)
{
        char name[NAME_MAX + 1];
        int fd, r;

        snprintf(name, sizeof(name), "insert.%s.lock", module);
        /* O_NONBLOCK: a FIFO put there would block the event. */
        fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        r = lock_until(fd, until);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

/*
 * Take the locks in @dir (the state directory, or -errno when there is
 * none), waiting until @until. A lock that cannot be had at all (a
 * read-only /run) is done without: the insert goes ahead.
 */
void insert_locks_take(struct insert_locks *set, int dir, long long until)
{
        qsort(set->locks, set->n, sizeof(*set->locks), by_module);
        for (size_t i = 0; i < set->n; i++) {
                struct insert_lock *lock = &set->locks[i];
                int r = dir < 0 ? dir : lock_one(dir, lock->module, until);

                if (r >= 0)
                        lock->fd = r;
                else
                        lock->error = r;
                if (r < 0 && r != -ETIME)
                        log_debug("No insert lock for '%s', inserting it without one: %s",
                                  lock->module, strerror(-r));
        }
}

/*
 * The module of @chain that another insert held until the deadline (the
 * first such in the order the locks were taken), or NULL.
 */
const char *insert_locks_busy(const struct insert_locks *set, char * const *chain)
{
        for (size_t i = 0; i < set->n; i++)
                if (set->locks[i].error == -ETIME && chain_has(chain, set->locks[i].module))
                        return set->locks[i].module;
        return NULL;
}

/* A job of @chain inserts nothing: the locks that no other job needs go now. */
void insert_locks_drop(struct insert_locks *set, char * const *chain)
{
        for (; chain && *chain; chain++) {
                struct insert_lock *lock = find(set, *chain);

                if (lock == NULL || lock->users == 0 || --lock->users > 0 || lock->fd < 0)
                        continue;
                close(lock->fd);
                lock->fd = -1;
        }
}

void insert_locks_done(struct insert_locks *set)
{
        for (size_t i = 0; i < set->n; i++) {
                if (set->locks[i].fd >= 0)
                        close(set->locks[i].fd);
                free(set->locks[i].module);
        }
        free(set->locks);
        *set = (struct insert_locks) {};
}
