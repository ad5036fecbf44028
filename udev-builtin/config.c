/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "log.h"
#include "rules.h"
#include "sources.h"
#include "udevd.h"
#include "utf8.h"
#include "verbs.h"

/* What one key is set to, as the last word that set it is written. */
struct key_state {
        const char *name;
        const struct source *src;       /* NULL: not set, the default */
        char *written;                  /* its value as written; NULL for a bare key or none */
        char *word;                     /* the whole word, quotes included; NULL for none */
        const char *error;              /* why that word is invalid, or NULL */
        /* The admin's file whose value the vendor file @src overrides, or NULL. */
        const struct source *overrides;
};

/* Every word that makes the configuration invalid, with its source. */
struct problem {
        const struct source *src;
        char *word;
        const char *why;
        char text[UAP_ERROR_MAX];
};

struct config_view {
        struct key_state enable, buses;
        struct problem *problems;
        size_t n_problems;
        /* Listed buses the running kernel has no /sys/bus entry for. */
        char **absent;
        size_t n_absent;
};

static const char *source_name(const struct source *src)
{
        if (src == NULL)
                return "default";
        return src->path ? src->path : "kernel command line";
}

static int key_state_get(const struct sources *s, const char *name, struct key_state *ret)
{
        struct uap_param p;

        *ret = (struct key_state) { .name = name };
        ret->src = source_of(s, name, &p);
        if (ret->src == NULL)
                return 0;
        ret->overrides = source_overridden(s, name);
        ret->error = uap_config_check(&p);
        ret->word = strndup(p.word, p.word_len);
        if (ret->word == NULL)
                return -ENOMEM;
        if (p.value == NULL)
                return 0;
        ret->written = strndup(p.value, p.value_len);
        return ret->written ? 0 : -ENOMEM;
}

static int problems_get(const struct sources *s, struct config_view *v)
{
        for (size_t i = 0; i < s->n; i++) {
                const char *cursor = s->v[i].options ? s->v[i].options : "";
                struct uap_param p;
                const char *why;
                struct problem *pr;

                while (uap_param_next(&cursor, &p) > 0) {
                        why = uap_config_check(&p);
                        if (why == NULL)
                                continue;
                        pr = reallocarray(v->problems, v->n_problems + 1, sizeof(*pr));
                        if (pr == NULL)
                                return -ENOMEM;
                        v->problems = pr;
                        pr = &v->problems[v->n_problems++];
                        *pr = (struct problem) { .src = &s->v[i], .word = strndup(p.word, p.word_len),
                                                .why = why };
                        if (pr->word == NULL)
                                return -ENOMEM;
                        uap_config_describe(pr->text, sizeof(pr->text), why, &p);
                }
        }
        return 0;
}

/*
 * The listed buses this kernel has no /sys/bus entry for: a typo, or a bus
 * whose module is not loaded yet (usb at boot), so this is only a note, and
 * only here, where someone reads it.
 */
static int absent_get(const struct uap_config *cfg, struct config_view *v)
{
        _cleanup_free_ char *copy = NULL;
        char *bus, *save = NULL, path[4096], **a;
        struct stat st;

        if (v->buses.error || stat("/sys/bus", &st) < 0)
                return 0;
        copy = strdup(cfg->buses);
        if (copy == NULL)
                return -ENOMEM;
        for (bus = strtok_r(copy, ",", &save); bus; bus = strtok_r(NULL, ",", &save)) {
                snprintf(path, sizeof(path), "/sys/bus/%s", bus);
                if (strcmp(bus, "*") == 0 || stat(path, &st) == 0)
                        continue;
                a = reallocarray(v->absent, v->n_absent + 1, sizeof(*a));
                if (a == NULL)
                        return -ENOMEM;
                v->absent = a;
                v->absent[v->n_absent] = strdup(bus);
                if (v->absent[v->n_absent++] == NULL)
                        return -ENOMEM;
        }
        return 0;
}

static void view_done(struct config_view *v)
{
        free(v->enable.written);
        free(v->enable.word);
        free(v->buses.written);
        free(v->buses.word);
        for (size_t i = 0; i < v->n_problems; i++)
                free(v->problems[i].word);
        free(v->problems);
        for (size_t i = 0; i < v->n_absent; i++)
                free(v->absent[i]);
        free(v->absent);
}

static int view_get(const struct uap_config *cfg, const struct sources *s, struct config_view *v)
{
        int r;

        r = key_state_get(s, "enable", &v->enable);
        if (r >= 0)
                r = key_state_get(s, "buses", &v->buses);
        if (r >= 0)
                r = problems_get(s, v);
        if (r >= 0)
                r = absent_get(cfg, v);
        return r;
}

/* @s escaped for a terminal, whatever its length. */
static void print_escaped(const char *s)
{
        size_t size = strlen(s) * 4 + 1;
        _cleanup_free_ char *buf = malloc(size);

        if (buf == NULL) {
                fputs("(out of memory)", stdout);
                return;
        }
        utf8_escape(s, buf, size);
        fputs(buf, stdout);
}

/* "key=value" (the default's value if unset), its source, and what is wrong with it. */
static void print_key(const struct key_state *k, const char *default_value)
{
        /* A bad word is shown whole, as written: it may be a stray quote. */
        if (k->error)
                print_escaped(k->word);
        else {
                printf("%s", k->name);
                if (k->src == NULL || k->written) {
                        putchar('=');
                        print_escaped(k->src ? k->written : default_value);
                }
        }
        printf("\t(%s", source_name(k->src));
        if (k->overrides)
                printf(", over %s", k->overrides->path);
        putchar(')');
        if (k->error)
                printf("\t%s%s", strncmp(k->error, "invalid", 7) == 0 ? "" : "invalid: ", k->error);
        putchar('\n');
}

static void print_text(const struct uap_config *cfg, const struct sources *s,
                       const struct config_view *v, const struct rules_state *rs)
{
        print_key(&v->enable, "1");
        print_key(&v->buses, "");
        for (size_t i = 0; i < v->n_absent; i++) {
                printf("  no bus ");
                print_escaped(v->absent[i]);
                printf(" on the running kernel (/sys/bus/");
                print_escaped(v->absent[i]);
                printf("): a typo, or a bus whose driver is not loaded yet\n");
        }
        if (cfg->invalid) {
                printf("\nInvalid: every module loads synchronously, and the generated rules run no "
                       "program, until this is fixed:\n");
                for (size_t i = 0; i < v->n_problems; i++) {
                        printf("  %s: ", source_name(v->problems[i].src));
                        print_escaped(v->problems[i].text);
                        putchar('\n');
                }
                /* libkmod's joined string can differ from the files' own at a stray quote. */
                if (v->n_problems == 0) {
                        printf("  ");
                        print_escaped(cfg->error);
                        putchar('\n');
                }
        }

        printf("\nSources, in the order libkmod reads them (the last value of a key wins):\n");
        for (size_t i = 0; i < s->n; i++) {
                if (s->v[i].options == NULL)
                        continue;
                printf("  %s: ", source_name(&s->v[i]));
                print_escaped(s->v[i].options);
                putchar('\n');
        }

        printf("\nudev rules: %s\n  %s\n", rs->path[0] ? rs->path : RULES_NAME,
               rules_state_explain(rs));
        if (rs->kind != RULES_GENERATED)
                return;
        if (cfg->invalid || !cfg->enable) {
                printf("  the program runs for no event\n");
                return;
        }
        if (rs->form == RULES_FORM_BUILTIN)
                printf("  form builtin: udevd loads with \"kmod load " UDEVD_ASYNC_PROBE_OPTION "\", no program "
                       "runs (but for an ASYNC_PROBE that is not a boolean),\n  ");
        else
                printf("  form program: the program runs ");
        if (uap_config_has_bus(cfg, "*"))
                printf("for every modalias event (buses=*)\n");
        else {
                printf("for devices with ASYNC_PROBE set%s", *cfg->buses ? " and on the buses " : "");
                print_escaped(cfg->buses);
                putchar('\n');
        }
}

static void json_key_state(struct json *j, const struct key_state *k)
{
        json_kv_string(j, "written", k->written);
        json_kv_string(j, "source", k->src ? source_name(k->src) : NULL);
        json_kv_string(j, "overrides", k->overrides ? k->overrides->path : NULL);
        json_kv_string(j, "error", k->error);
}

static void print_json(const struct cli *cli, const struct uap_config *cfg,
                       const struct sources *s, const struct config_view *v,
                       const struct rules_state *rs)
{
        struct json j;

        json_begin(&j, stdout, cli->json);
        json_object_open(&j);
        json_key(&j, "enable");
        json_object_open(&j);
        json_key(&j, "value");
        if (v->enable.error)
                json_null(&j);
        else
                json_bool(&j, cfg->enable);
        json_key_state(&j, &v->enable);
        json_object_close(&j);
        json_key(&j, "buses");
        json_object_open(&j);
        json_kv_string(&j, "value", v->buses.error ? NULL : cfg->buses);
        json_key_state(&j, &v->buses);
        json_key(&j, "absent");
        json_array_open(&j);
        for (size_t i = 0; i < v->n_absent; i++)
                json_string(&j, v->absent[i]);
        json_array_close(&j);
        json_object_close(&j);
        json_kv_string(&j, "error", cfg->invalid ? cfg->error : NULL);
        json_key(&j, "problems");
        json_array_open(&j);
        for (size_t i = 0; i < v->n_problems; i++) {
                json_object_open(&j);
                json_kv_string(&j, "source", source_name(v->problems[i].src));
                json_kv_string(&j, "word", v->problems[i].word);
                json_kv_string(&j, "error", v->problems[i].why);
                json_object_close(&j);
        }
        json_array_close(&j);
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
        json_kv_string(&j, "form", rules_form_to_string(rs->form));
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
               "Exits with status 1 when the configuration is invalid.\n"
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
        struct config_view v = {};
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
        sources_warn_overrides(&s);
        r = view_get(&cfg, &s, &v);
        if (r < 0) {
                log_oom();
                goto out;
        }
        if (rules_state(&cfg, &rs) < 0)
                goto out;

        if (cli->json == JSON_OFF)
                print_text(&cfg, &s, &v, &rs);
        else
                print_json(cli, &cfg, &s, &v, &rs);
        ret = cli_finish_output(cfg.invalid ? EXIT_FAILURE : EXIT_SUCCESS);
out:
        view_done(&v);
        sources_done(&s);
        uap_config_done(&cfg);
        return ret;
}
