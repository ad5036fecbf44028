/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libkmod.h>
#include <stddef.h>

struct insert_lock;

/* The insert locks of one load (see insert-lock.c), sorted by module name once taken. */
struct insert_locks {
        struct insert_lock *locks;
        size_t n;
};

int insert_chain(struct kmod_module *mod, char ***ret);
void insert_chain_free(char **chain);

int insert_locks_add(struct insert_locks *set, char * const *chain);
void insert_locks_take(struct insert_locks *set, int dir, long long until);
const char *insert_locks_busy(const struct insert_locks *set, char * const *chain);
void insert_locks_drop(struct insert_locks *set, char * const *chain);
void insert_locks_done(struct insert_locks *set);
