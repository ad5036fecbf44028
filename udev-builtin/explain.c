/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "record.h"
#include "core/uap-param.h"
#include "rules.h"
#include "sources.h"
#include "sysfs.h"
#include "udevd.h"
#include "utf8.h"
#include "verbs.h"

struct explain {
        const struct cli *cli;
        struct json json;
        int records;            /* record_dir(), or -errno */
};

/* load's record of its insert of a loaded module with async_probe=1 this boot: @buf, or NULL. */
static const struct record *requested(const struct explain *e, const struct module_plan *plan,
                                      struct record *buf)
{
        if (plan->state != MODULE_LIVE)
                return NULL;
        return record_read(e->records, plan->name, buf) > 0 ? buf : NULL;
}

/* What the running kernel says of a loaded module: 1, 0, or -1 if it cannot tell. */
static int loaded_async_probe(const char *module)
{
        char value[16];

        if (read_module_async_probe(module, value, sizeof(value)) < 0)
                return -1;
        return strcmp(value, "1") == 0 ? 1 : strcmp(value, "0") == 0 ? 0 : -1;
}

/* Rule module-options-misspelled: which word, and where it is to be fixed. */
static void explain_misspelled(const struct cli *cli, const struct module_plan *plan)
{
        char word[256], buf[1024], path[PATH_MAX * 4];
        _cleanup_free_ char *where = NULL;
        struct uap_module_options o;

        uap_module_options_read(plan->options, &o);
        if (o.misspelled == NULL)
                return;
        snprintf(word, sizeof(word), "%.*s", (int) o.misspelled_len, o.misspelled);
        utf8_escape(word, buf, sizeof(buf));
        where = sources_where(cli, plan->name, o.misspelled, o.misspelled_len);
        utf8_escape(where ? where : "modprobe.d", path, sizeof(path));
        printf("    '%s' in %s: not the kernel's async_probe (only that exact spelling counts), taken as an opt-out\n",
               buf, path);
}

static void explain_text(const struct explain *e, const struct module_plan *plan,
                         const struct device_info *dev)
{
        const struct record *rec;
        struct record buf;
        int loaded;

        switch (plan->state) {
        case MODULE_LOADABLE:
                printf("  %s: %s%s (%s: %s)\n", plan->name,
                       plan->decision.async ? "async" : "sync",
                       plan->decision.append ? ", load with " UAP_ASYNC_OPTION : ", plain load by kmod load",
                       uap_rule_to_string(plan->decision.rule),
                       uap_rule_explain(plan->decision.rule));
                if (plan->decision.rule == UAP_RULE_MODULE_OPTIONS_MISSPELLED)
                        explain_misspelled(e->cli, plan);
                return;
        case MODULE_BUILTIN:
                printf("  %s: built in, nothing to do\n", plan->name);
                return;
        case MODULE_BLACKLISTED:
                printf("  %s: blacklisted, not loaded\n", plan->name);
                return;
        case MODULE_LIVE:
                break;
        }

        /* async_probe is a module flag: the load that happened decided for every device. */
        loaded = loaded_async_probe(plan->name);
        printf("  %s: already loaded%s, nothing to do; its devices probe as that load decided%s",
               plan->name,
               loaded == 1 ? " with async probing" : loaded == 0 ? " without async probing" : "",
               dev->async ? ", whatever their ASYNC_PROBE says" : "");
        printf("\n");
        rec = requested(e, plan, &buf);
        if (rec)
                printf("    loaded with " UAP_ASYNC_OPTION " by udev-async-probe this boot, for %s (%s)\n",
                       record_device(rec), rec->rule);
}

static int explain_one(const struct module_plan *plan, const struct device_info *dev, void *userdata)
{
        struct explain *e = userdata;
        struct json *j = &e->json;
        struct record buf;
        int loaded;

        if (e->cli->json == JSON_OFF) {
                explain_text(e, plan, dev);
                return 0;
        }

        loaded = plan->state == MODULE_LIVE ? loaded_async_probe(plan->name) : -1;
        json_object_open(j);
        json_kv_string(j, "module", plan->name);
        json_kv_string(j, "state", module_state_to_string(plan->state));
        json_kv_bool(j, "async", plan->decision.async);
        json_kv_bool(j, "append", plan->decision.append);
        json_kv_string(j, "rule", uap_rule_to_string(plan->decision.rule));
        json_kv_string(j, "options", plan->options);
        json_key(j, "loaded_async_probe");
        if (loaded < 0)
                json_null(j);
        else
                json_bool(j, loaded);
        /* No kernel counts a module's pending probes (only series v3 did): kept, null. */
        json_key(j, "pending");
        json_null(j);
        record_json(j, "requested", requested(e, plan, &buf));
        json_object_close(j);
        return 0;
}

/* Whether udev's rules act on this event at all, and how. */
static void print_rules_text(const struct device_info *dev, const struct uap_config *cfg,
                             const struct rules_state *rs)
{
        bool by_bus = rules_run_program(cfg, dev->bus, false);
        const char *act = rs->form == RULES_FORM_BUILTIN
                          ? "load with udevd's \"kmod load " UDEVD_ASYNC_PROBE_OPTION "\" for this event"
                          : "run the program for this event";

        if (rs->kind != RULES_GENERATED) {
                printf("  udev rules (%s): %s\n", rs->path[0] ? rs->path : RULES_NAME,
                       rules_state_explain(rs));
                return;
        }
        printf("  udev rules (%s, form %s): ", rs->path, rules_form_to_string(rs->form));
        /* The rules see ASYNC_PROBE where they stand; the database has its final value. */
        if (by_bus)
                printf("%s\n", act);
        else if (!rules_run_program(cfg, dev->bus, dev->async != NULL))
                printf("leave this event to kmod load, no program runs\n");
        else
                printf("%s if a rules file sorting before " RULES_NAME " set ASYNC_PROBE\n", act);
}

static void print_header(struct explain *e, const struct device_info *dev,
                         const struct uap_config *cfg, const struct rules_state *rs)
{
        struct json *j = &e->json;
        bool runs = rules_run_program(cfg, dev->bus, dev->async != NULL);
        char buf[UAP_MODALIAS_MAX * 4];

        if (e->cli->json == JSON_OFF) {
                utf8_escape(dev->modalias, buf, sizeof(buf));
                printf("%s (bus %s", buf, dev->bus ? dev->bus : "unknown");
                if (dev->async) {
                        utf8_escape(dev->async, buf, sizeof(buf));
                        printf(", ASYNC_PROBE=%s", buf);
                }
                printf(")\n");
                if (cfg->invalid) {
                        utf8_escape(cfg->error, buf, sizeof(buf));
                        printf("  configuration ignored: %s\n", buf);
                }
                return;
        }

        json_object_open(j);
        json_kv_string(j, "modalias", dev->modalias);
        json_kv_string(j, "devpath", dev->devpath);
        json_kv_string(j, "bus", dev->bus);
        json_kv_string(j, "async_probe_property", dev->async);
        json_key(j, "config");
        json_object_open(j);
        json_kv_bool(j, "enable", cfg->enable);
        json_kv_string(j, "buses", cfg->buses);
        json_kv_string(j, "error", cfg->invalid ? cfg->error : NULL);
        json_object_close(j);
        json_key(j, "rules");
        json_object_open(j);
        json_kv_string(j, "path", rs->path[0] ? rs->path : NULL);
        json_kv_string(j, "kind", rules_kind_to_string(rs->kind));
        json_kv_string(j, "form", rules_form_to_string(rs->form));
        /* Only the shipped and the generated rules are known to this program. */
        json_key(j, "runs_program");
        if (rs->kind == RULES_STALE || rs->kind == RULES_OTHER)
                json_null(j);
        else
                json_bool(j, rs->kind == RULES_GENERATED ? runs : rules_state_shipped_runs(rs));
        json_object_close(j);
        json_key(j, "modules");
        json_array_open(j);
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
                return log_oom();
        u->device = u->lu.udev_device_new_from_syspath(u->udev, syspath);
        if (u->device == NULL)
                return log_error_errno(errno, "No device at %s: %m", syspath);
        return device_from_udev(dev, &u->lu, u->device);
}

static void help(void)
{
        printf("udev-async-probe explain [OPTIONS...] SYSPATH|MODALIAS\n"
               "\n"
               "What load would do for a device, and why: each module of its\n"
               "modalias, async or not, the rule of the policy that decided, and\n"
               "whether udev's rules run the program for it at all; for a loaded\n"
               "module, how it was loaded (and whether load inserted it with\n"
               "async_probe=1 this boot). Loads nothing.\n"
               "\n"
               "Options:\n"
               CLI_JSON_HELP
               CLI_COMMON_HELP);
}

int verb_explain(struct cli *cli, int argc, char **argv)
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                CLI_JSON_OPTIONS,
                {}
        };
        _cleanup_(udev_ref_done) struct udev_ref u = {};
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        struct explain e = { .cli = cli, .records = -ENOENT };
        struct rules_state rs = {};
        struct device_info dev;
        struct uap_config cfg;
        int r;

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS, options, help, NULL, NULL);
        if (r >= 0)
                return r;
        if (argc - optind != 1) {
                log_error("explain takes one SYSPATH or MODALIAS.");
                return EXIT_USAGE;
        }
        log_open(false);

        if (device_from_arg(argv[optind], &u, &dev) < 0)
                return EXIT_USAGE;
        if (cli_context_and_config(cli, true, &ctx, &cfg) < 0)
                return EXIT_FAILURE;
        r = rules_state(&cfg, &rs);
        if (r < 0) {
                uap_config_done(&cfg);
                return EXIT_FAILURE;
        }

        e.records = record_dir();
        json_begin(&e.json, stdout, cli->json);
        print_header(&e, &dev, &cfg, &rs);
        r = loader_for_each(ctx, &cfg, &dev, explain_one, &e);
        if (cli->json != JSON_OFF) {
                json_array_close(&e.json);
                json_object_close(&e.json);
                json_end(&e.json);
        } else {
                if (r == 0)
                        printf("  no module matches\n");
                print_rules_text(&dev, &cfg, &rs);
        }

        if (e.records >= 0)
                close(e.records);
        uap_config_done(&cfg);
        return cli_finish_output(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}
