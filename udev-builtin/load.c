/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "log.h"

/* One line per module, with journal fields a log query can match on. */
static int log_plan(int level, int error, const struct module_plan *plan,
                    const struct device_info *dev, const char *what)
{
        char module[256], rule[64], async[32];
        _cleanup_free_ char *devpath = NULL, *modalias = NULL;
        const char *fields[6] = {};
        size_t n = 0;

        snprintf(module, sizeof(module), "UAP_MODULE=%s", plan->name);
        snprintf(rule, sizeof(rule), "UAP_RULE=%s", uap_rule_to_string(plan->decision.rule));
        snprintf(async, sizeof(async), "UAP_ASYNC=%i", plan->decision.async);
        fields[n++] = module;
        fields[n++] = rule;
        fields[n++] = async;
        if (asprintf(&modalias, "MODALIAS=%s", dev->modalias) >= 0)
                fields[n++] = modalias;
        if (dev->devpath && asprintf(&devpath, "DEVPATH=%s", dev->devpath) >= 0)
                fields[n++] = devpath;

        return log_fields(level, error, fields, "%s: %s '%s'%s (%s: %s)%s%s",
                          dev->devpath ? dev->devpath : dev->modalias, what, plan->name,
                          plan->decision.append ? " with " UAP_ASYNC_OPTION : "",
                          uap_rule_to_string(plan->decision.rule),
                          uap_rule_explain(plan->decision.rule),
                          error ? ": " : "", error ? strerror(abs(error)) : "");
}

static int load_one(const struct module_plan *plan, const struct device_info *dev, void *userdata)
{
        int r;

        (void) userdata;
        switch (plan->state) {
        case MODULE_BUILTIN:
                log_debug("'%s' is built in.", plan->name);
                return 0;
        case MODULE_LIVE:
                log_debug("'%s' is already loaded.", plan->name);
                return 0;
        case MODULE_BLACKLISTED:
                log_plan(LOG_INFO, 0, plan, dev, "not loading blacklisted");
                return 0;
        case MODULE_LOADABLE:
                break;
        }

        r = loader_insert(plan);
        if (r == KMOD_PROBE_APPLY_BLACKLIST) {
                log_plan(LOG_INFO, 0, plan, dev, "not loading blacklisted");
                return 0;
        }
        if (r < 0)
                return log_plan(LOG_ERR, r, plan, dev, "failed to insert");

        /* Like udev's own kmod builtin: success is news only when debugging. */
        log_plan(LOG_DEBUG, 0, plan, dev, "inserted");
        return 0;
}

static int collect_devices(int argc, char **argv, struct device_info *devs)
{
        int i, r;

        if (argc == 0)
                return device_from_env(&devs[0]);

        /* Check every argument before loading anything. */
        for (i = 0; i < argc; i++) {
                r = device_from_modalias(&devs[i], argv[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cmd_load(const struct cli *cli, int argc, char **argv)
{
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_free_ struct device_info *devs = NULL;
        struct uap_config cfg = {};
        int i, n, ret = EXIT_SUCCESS;

        devs = calloc(argc > 0 ? argc : 1, sizeof(*devs));
        if (devs == NULL)
                return log_error_errno(ENOMEM, "Out of memory."), EXIT_FAILURE;
        if (collect_devices(argc, argv, devs) < 0)
                return EXIT_USAGE;

        if (context_and_config(cli, &ctx, &cfg) < 0)
                return EXIT_FAILURE;

        for (i = 0; i < (argc > 0 ? argc : 1); i++) {
                n = loader_for_each(ctx, &cfg, &devs[i], load_one, NULL);
                if (n < 0)
                        ret = EXIT_FAILURE;
                else if (n == 0)
                        log_debug("No module matches %s.", devs[i].modalias);
        }

        uap_config_done(&cfg);
        return ret;
}
