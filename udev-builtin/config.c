/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "rules.h"
#include "sources.h"
#include "utf8.h"
#include "verbs.h"

static const char *source_name(const struct source *src)
{
        if (src == NULL)
                return "default";
        return src->path ? src->path : "kernel command line";
}

static void print_text(const struct uap_config *cfg, const struct sources *s,
                       const struct rules_state *rs)
{
        char buf[4096];

        printf("enable=%i\t(%s)\n", cfg->enable, source_name(source_of(s, "enable")));
        utf8_escape(cfg->buses, buf, sizeof(buf));
        printf("buses=%s\t(%s)\n", buf, source_name(source_of(s, "buses")));
        if (cfg->invalid) {
                utf8_escape(cfg->error, buf, sizeof(buf));
                printf("invalid: %s; every module loads synchronously\n", buf);
        }

        printf("\nSources, in the order libkmod reads them (the last value of a key wins):\n");
        for (size_t i = 0; i < s->n; i++) {
                if (s->v[i].options == NULL)
                        continue;
                utf8_escape(s->v[i].options, buf, sizeof(buf));
                printf("  %s: %s\n", source_name(&s->v[i]), buf);
        }

        printf("\nudev rules: %s\n  %s\n", rs->path[0] ? rs->path : RULES_NAME,
               rules_kind_explain(rs->kind));
        if (rs->kind != RULES_GENERATED)
                return;
        if (cfg->invalid || !cfg->enable)
                printf("  the program runs for no event\n");
        else if (uap_config_has_bus(cfg, "*"))
                printf("  the program runs for every modalias event (buses=*)\n");
        else
                printf("  the program runs for devices with ASYNC_PROBE set%s%s\n",
                       *cfg->buses ? " and on the buses " : "", cfg->buses);
}

static void print_json(const struct cli *cli, const struct uap_config *cfg,
                       const struct sources *s, const struct rules_state *rs)
{
        const struct source *src;
        struct json j;

        json_begin(&j, stdout, cli->json);
        json_object_open(&j);
        json_key(&j, "enable");
        json_object_open(&j);
        json_kv_bool(&j, "value", cfg->enable);
        src = source_of(s, "enable");
        json_kv_string(&j, "source", src ? source_name(src) : NULL);
        json_object_close(&j);
        json_key(&j, "buses");
        json_object_open(&j);
        json_kv_string(&j, "value", cfg->buses);
        src = source_of(s, "buses");
        json_kv_string(&j, "source", src ? source_name(src) : NULL);
        json_object_close(&j);
        json_kv_string(&j, "error", cfg->invalid ? cfg->error : NULL);
        json_key(&j, "sources");
        json_array_open(&j);
        for (size_t i = 0; i < s->n; i++) {
                if (s->v[i].options == NULL)
                        continue;
                json_object_open(&j);
                json_kv_string(&j, "source", source_name(&s->v[i]));
                json_kv_string(&j, "options", s->v[i].options);
                json_object_close(&j);
        }
        json_array_close(&j);
        json_key(&j, "rules");
        json_object_open(&j);
        json_kv_string(&j, "path", rs->path[0] ? rs->path : NULL);
        json_kv_string(&j, "kind", rules_kind_to_string(rs->kind));
        json_object_close(&j);
        json_object_close(&j);
        json_end(&j);
}

static void help(void)
{
        printf("udev-async-probe config [OPTIONS...]\n"
               "\n"
               "The effective " UAP_CONFIG_MODULE " configuration, the file or kernel\n"
               "command line that set each value, and the udev rules in effect.\n"
               "\n"
               "Options:\n"
               CLI_JSON_HELP
               CLI_COMMON_HELP);
}

int verb_config(struct cli *cli, int argc, char **argv)
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                CLI_JSON_OPTIONS,
                {}
        };
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        struct sources s = {};
        struct rules_state rs = {};
        struct uap_config cfg = {};
        int r, ret = EXIT_FAILURE;

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS, options, help, NULL, NULL);
        if (r >= 0)
                return r;
        if (optind != argc) {
                log_error("config takes no arguments.");
                return EXIT_USAGE;
        }
        log_open(false);

        if (cli_context_and_config(cli, false, &ctx, &cfg) < 0)
                return EXIT_FAILURE;
        r = sources_load(cli, &s);
        if (r < 0) {
                log_error_errno(r, "Failed to read the modprobe.d sources: %m");
                goto out;
        }
        if (rules_state(&cfg, &rs) < 0)
                goto out;

        if (cli->json == JSON_OFF)
                print_text(&cfg, &s, &rs);
        else
                print_json(cli, &cfg, &s, &rs);
        ret = cli_finish_output(EXIT_SUCCESS);
out:
        sources_done(&s);
        uap_config_done(&cfg);
        return ret;
}
