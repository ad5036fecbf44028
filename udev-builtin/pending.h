/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libkmod.h>

/*
 * The kernel's count of pending asynchronous work (the series' core, v4):
 * functions scheduled with async_schedule*() queued or running, which
 * every asynchronous probe is, plus one while the deferred-probe work runs.
 */
#define PENDING_COUNT_FILE "/sys/kernel/async_pending"

/* One module with asynchronous probes still to finish. */
struct pending_module {
        char name[64];
        unsigned running;       /* best effort: kernel workers seen in its probe */
        bool coming;            /* best effort: its init still runs */
        char requested[256];    /* load inserted it with async_probe=1 for this device */
        char **devices;         /* devices of the module still without a driver */
        size_t n_devices;
};

struct pending {
        struct pending_module *modules;
        size_t n_modules;
        /* Best effort: kernel workers in an asynchronous attach of no known module. */
        unsigned workers;
};

int pending_read_running(struct pending *p);
int pending_read_best_effort(struct pending *p);
int pending_read_requested(struct kmod_ctx *ctx, struct pending *p);
const struct pending_module *pending_find(const struct pending *p, const char *module);
void pending_done(struct pending *p);
long pending_total(const struct pending *p);

int pending_count_open(void);
int pending_count_read(int fd, long *ret);
int pending_count_wait(int fd, int timeout_ms);
