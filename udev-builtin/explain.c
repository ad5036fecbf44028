/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "commands.h"
#include "json.h"
#include "log.h"

struct explain {
        const struct cli *cli;
        int n;
};

static const char *state_note(enum module_state state)
{
        switch (state) {
        case MODULE_LIVE:
                return "already loaded, nothing to do";
        case MODULE_BUILTIN:
                return "built in, nothing to do";
        case MODULE_BLACKLISTED:
                return "blacklisted, not loaded";
        case MODULE_LOADABLE:
                break;
        }
        return NULL;
}

static int explain_one(const struct module_plan *plan, const struct device_info *dev, void *userdata)
{
        struct explain *e = userdata;

        (void) dev;
        if (!e->cli->json && plan->state != MODULE_LOADABLE) {
                printf("  %s: %s\n", plan->name, state_note(plan->state));
                return 0;
        }
        if (!e->cli->json) {
                printf("  %s: %s%s (%s: %s)\n", plan->name,
                       plan->decision.async ? "async" : "sync",
                       plan->decision.append ? ", load with " UAP_ASYNC_OPTION : "",
                       uap_rule_to_string(plan->decision.rule),
                       uap_rule_explain(plan->decision.rule));
                return 0;
        }

        printf("%s{\"module\": ", e->n++ ? ", " : "");
        json_string(stdout, plan->name);
        printf(", \"state\": \"%s\", \"async\": %s, \"append\": %s, \"rule\": \"%s\", \"options\": ",
               module_state_to_string(plan->state), plan->decision.async ? "true" : "false",
               plan->decision.append ? "true" : "false", uap_rule_to_string(plan->decision.rule));
        json_string(stdout, plan->options);
        printf("}");
        return 0;
}

static void print_header(const struct cli *cli, const struct device_info *dev,
                         const struct uap_config *cfg)
{
        if (!cli->json) {
                printf("%s (bus %s%s%s)\n", dev->modalias, dev->bus ? dev->bus : "unknown",
                       dev->async ? ", ASYNC_PROBE=" : "", dev->async ? dev->async : "");
                return;
        }

        printf("{\"modalias\": ");
        json_string(stdout, dev->modalias);
        printf(", \"devpath\": ");
        json_string(stdout, dev->devpath);
        printf(", \"bus\": ");
        json_string(stdout, dev->bus);
        printf(", \"async_probe_property\": ");
        json_string(stdout, dev->async);
        printf(", \"config\": {\"enable\": %s, \"buses\": ", cfg->enable ? "true" : "false");
        json_string(stdout, cfg->buses);
        printf(", \"error\": ");
        json_string(stdout, cfg->invalid ? cfg->error : NULL);
        printf("}, \"modules\": [");
}

struct udev_ref {
        struct libudev_dl lu;
        struct udev *udev;
        struct udev_device *device;
};

static void udev_ref_done(struct udev_ref *u)
{
        if (u->device)
                u->lu.udev_device_unref(u->device);
        if (u->udev)
                u->lu.udev_unref(u->udev);
        libudev_dl_close(&u->lu);
}

static int device_from_arg(const char *arg, struct udev_ref *u, struct device_info *dev)
{
        char syspath[4096];
        int r;

        if (arg[0] != '/')
                return device_from_modalias(dev, arg);

        r = libudev_dl_open(&u->lu);
        if (r < 0)
                return r;
        /* Accept "/sys/devices/..." and udevadm's "/devices/..." alike. */
        snprintf(syspath, sizeof(syspath), "%s%s", strncmp(arg, "/sys/", 5) ? "/sys" : "", arg);
        u->udev = u->lu.udev_new();
        if (u->udev == NULL)
                return log_error_errno(ENOMEM, "Failed to create a udev context.");
        u->device = u->lu.udev_device_new_from_syspath(u->udev, syspath);
        if (u->device == NULL)
                return log_error_errno(errno, "No device at %s: %m", syspath);
        return device_from_udev(dev, &u->lu, u->device);
}

int cmd_explain(const struct cli *cli, int argc, char **argv)
{
        _cleanup_(udev_ref_done) struct udev_ref u = {};
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        struct explain e = { .cli = cli };
        struct device_info dev;
        struct uap_config cfg;
        int r;

        if (argc != 1) {
                log_error("explain takes one SYSPATH or MODALIAS.");
                return EXIT_USAGE;
        }
        if (device_from_arg(argv[0], &u, &dev) < 0)
                return EXIT_USAGE;
        if (context_and_config(cli, &ctx, &cfg) < 0)
                return EXIT_FAILURE;

        print_header(cli, &dev, &cfg);
        r = loader_for_each(ctx, &cfg, &dev, explain_one, &e);
        if (cli->json)
                printf("]}\n");
        else if (r == 0)
                printf("  no module matches\n");

        uap_config_done(&cfg);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
