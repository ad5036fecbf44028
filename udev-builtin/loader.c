/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "cleanup.h"
#include "loader.h"
#include "log.h"

const char *module_state_to_string(enum module_state state)
{
        switch (state) {
        case MODULE_LOADABLE:
                return "loadable";
        case MODULE_LIVE:
                return "live";
        case MODULE_BUILTIN:
                return "builtin";
        case MODULE_BLACKLISTED:
                return "blacklisted";
        }
        return NULL;
}

/* A libkmod context for @paths that has read the configuration, but no module index. */
int loader_context_new_unloaded(const struct loader_paths *paths, struct kmod_ctx **ret)
{
        struct kmod_ctx *ctx;
        char dirname[4096];
        struct utsname u;
        int r;

        if (paths->root || paths->version) {
                if (paths->version == NULL && uname(&u) < 0)
                        return log_error_errno(errno, "Failed to get the kernel release: %m");
                r = snprintf(dirname, sizeof(dirname), "%s/lib/modules/%s",
                             paths->root ? paths->root : "",
                             paths->version ? paths->version : u.release);
                if (r < 0 || (size_t) r >= sizeof(dirname))
                        return log_error_errno(ENAMETOOLONG, "Module directory path is too long.");
        }

        ctx = kmod_new(paths->root || paths->version ? dirname : NULL, paths->config);
        if (ctx == NULL)
                return log_oom();
        kmod_set_log_fn(ctx, log_kmod, NULL);
        /* libkmod says "context released" and the like at info: only wanted at -vv. */
        kmod_set_log_priority(ctx, log_get_kmod_level());
        *ret = ctx;
        return 0;
}

int loader_context_new(const struct loader_paths *paths, struct kmod_ctx **ret)
{
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        int r;

        r = loader_context_new_unloaded(paths, &ctx);
        if (r < 0)
                return r;
        r = kmod_load_resources(ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to load module indexes from %s: %m",
                                       kmod_get_dirname(ctx));
        *ret = TAKE_PTR(ctx);
        return 0;
}

static bool module_in_list(const struct kmod_module *mod, const struct kmod_list *list)
{
        const struct kmod_list *l;

        kmod_list_foreach(l, list) {
                _cleanup_(kmod_module_unrefp) struct kmod_module *m = kmod_module_get_module(l);

                if (m == mod)
                        return true;
        }
        return false;
}

static enum module_state module_state(struct kmod_module *mod, const struct kmod_list *allowed)
{
        switch (kmod_module_get_initstate(mod)) {
        case KMOD_MODULE_BUILTIN:
                return MODULE_BUILTIN;
        case KMOD_MODULE_LIVE:
        case KMOD_MODULE_COMING:
                return MODULE_LIVE;
        default:
                return module_in_list(mod, allowed) ? MODULE_LOADABLE : MODULE_BLACKLISTED;
        }
}

/*
 * Resolve @dev's modalias and call @fn for each module with the policy's
 * decision. Returns the number of modules found, or a negative errno.
 */
int loader_for_each(struct kmod_ctx *ctx, const struct uap_config *cfg,
                    const struct device_info *dev, module_plan_fn fn, void *userdata)
{
        _cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
        _cleanup_(kmod_module_unref_listp) struct kmod_list *allowed = NULL;
        struct kmod_list *l;
        int r, n = 0, ret = 0;

        r = kmod_module_new_from_lookup(ctx, dev->modalias, &list);
        if (r < 0)
                return log_error_errno(r, "Failed to look up modalias \"%s\": %m", dev->modalias);

        r = kmod_module_apply_filter(ctx, KMOD_FILTER_BLACKLIST, list, &allowed);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the module blacklist: %m");

        kmod_list_foreach(l, list) {
                struct module_plan plan = { .mod = kmod_module_get_module(l) };
                struct uap_request req;

                /* get_module() took a reference; the list still holds one. */
                kmod_module_unref(plan.mod);
                plan.name = kmod_module_get_name(plan.mod);
                plan.options = kmod_module_get_options(plan.mod);
                plan.state = module_state(plan.mod, allowed);
                req = (struct uap_request) {
                        .module_options = plan.options,
                        .device_async = dev->async,
                        .bus = dev->bus,
                };
                plan.decision = uap_decide(cfg, &req);

                r = fn(&plan, dev, userdata);
                if (r < 0 && ret == 0)
                        ret = r;
                n++;
        }
        return ret < 0 ? ret : n;
}

/*
 * What libkmod did for the module asked for, as its print_action callback
 * tells it just before doing it: run an install command, or insert it. The
 * callback takes no userdata; one insert at a time runs in a process.
 */
static struct {
        const struct kmod_module *target;
        bool by_command;
} insert_action;

static void note_action(struct kmod_module *m, bool install, const char *options)
{
        if (m == insert_action.target)
                insert_action.by_command = install;
}

/*
 * libkmod does the rest: dependencies and softdeps, install commands, the
 * blacklist, and modprobe.d options, to which the extra option is appended
 * for the target module only. -EEXIST: another loader was first (kmod load
 * after our deadline, say), so the module is not loaded as we asked.
 * *@by_command: an install command of modprobe.d ran instead of an insert
 * of the module (libkmod's return is that command's).
 */
int loader_insert(struct kmod_module *mod, bool append, bool *by_command)
{
        int r;

        insert_action.target = mod;
        insert_action.by_command = false;
        r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST | KMOD_PROBE_FAIL_ON_LOADED,
                                            append ? UAP_ASYNC_OPTION : NULL,
                                            NULL, NULL, note_action);
        *by_command = insert_action.by_command;
        insert_action.target = NULL;
        return r;
}

/* Whether module_blacklist= on the kernel command line names @name. */
bool loader_blocked_by_kernel(const char *name)
{
        _cleanup_(fclosep) FILE *f = fopen("/proc/cmdline", "re");
        char line[4096], *word, *save = NULL;

        if (f == NULL || fgets(line, sizeof(line), f) == NULL)
                return false;
        for (word = strtok_r(line, " \t\n", &save); word; word = strtok_r(NULL, " \t\n", &save)) {
                char *list, *item, *isave = NULL;

                if (strncmp(word, "module_blacklist=", 17) != 0)
                        continue;
                list = word + 17;
                for (item = strtok_r(list, ",", &isave); item; item = strtok_r(NULL, ",", &isave)) {
                        for (char *c = item; *c; c++)
                                if (*c == '-')
                                        *c = '_';
                        if (strcmp(item, name) == 0)
                                return true;
                }
        }
        return false;
}
