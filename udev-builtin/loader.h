/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libkmod.h>
#include <stdbool.h>

#include "core/uap-config.h"
#include "core/uap-policy.h"
#include "device.h"

enum module_state {
        MODULE_LOADABLE,
        MODULE_LIVE,
        MODULE_BUILTIN,
        MODULE_BLACKLISTED,
};

/* One module a modalias resolves to, and what the policy says of it. */
struct module_plan {
        struct kmod_module *mod;
        const char *name;
        const char *options;            /* the module's own, from modprobe.d and cmdline */
        enum module_state state;
        struct uap_decision decision;
};

typedef int (*module_plan_fn)(const struct module_plan *plan, const struct device_info *dev,
                              void *userdata);

struct loader_paths {
        const char *root;               /* like modprobe --dirname */
        const char *version;            /* like modprobe --set-version */
        const char * const *config;     /* like modprobe --config; NULL for the defaults */
};

int loader_context_new(const struct loader_paths *paths, struct kmod_ctx **ret);
int loader_context_new_unloaded(const struct loader_paths *paths, struct kmod_ctx **ret);
int loader_for_each(struct kmod_ctx *ctx, const struct uap_config *cfg,
                    const struct device_info *dev, module_plan_fn fn, void *userdata);
int loader_insert(struct kmod_module *mod, bool append, bool *by_command);
bool loader_blocked_by_kernel(const char *name);
const char *module_state_to_string(enum module_state state);
