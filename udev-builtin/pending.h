/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include <libkmod.h>

/* One module with asynchronous probes still to finish. */
struct pending_module {
        char name[64];
        long probes;            /* queued or running, from the kernel; -1 if unknown */
        unsigned running;       /* best effort: kernel workers seen in its probe */
        bool coming;            /* best effort: its init still runs */
        char **devices;         /* devices of the module still without a driver */
        size_t n_devices;
};

struct pending {
        /* The kernel counts the probes (the series' read-back): exact. */
        bool exact;
        struct pending_module *modules;
        size_t n_modules;
        /* Best effort: kernel workers in an asynchronous attach of no known module. */
        unsigned workers;
};

int pending_module_count(const char *module, long *ret);
int pending_read_running(struct pending *p);
const struct pending_module *pending_find(const struct pending *p, const char *module);
void pending_done(struct pending *p);
long pending_total(const struct pending *p);

/*
 * The kernel's count files, opened and read, which arms poll() on them:
 * the kernel signals a file when its count rises from zero or drops to
 * zero. @complete: every module's file is watched. @spent: out of
 * descriptors, the counts are read without keeping one.
 */
struct pending_watch {
        struct pollfd *pfd;
        size_t n;
        bool complete;
        bool spent;
};

int pending_read(struct kmod_ctx *ctx, struct pending *p, struct pending_watch *w);
int pending_watch_poll(struct pending_watch *w, int timeout_ms);
void pending_watch_done(struct pending_watch *w);
