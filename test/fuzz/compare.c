/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "kernel-model.h"
#include "uap-config.h"
#include "uap-param.h"
#include "uap-policy.h"

static void show(FILE *f, const char *what, const char *s)
{
        fprintf(f, "  %s: ", what);
        if (s == NULL) {
                fputs("(null)\n", f);
                return;
        }
        fputc('"', f);
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c >= 0x20 && c < 0x7f)
                        fputc(c, f);
                else
                        fprintf(f, "\\x%02x", c);
        }
        fputs("\"\n", f);
}

static bool view_is(const char *s, size_t len, const char *cstr)
{
        return strlen(cstr) == len && memcmp(s, cstr, len) == 0;
}

/* The reader's split, word by word, against the kernel's up to its stop. */
static int compare_split(const char *options, const struct km_args *k, FILE *report)
{
        const char *cursor = options ? options : "";
        struct uap_param p;
        size_t n = 0;

        while (uap_param_next(&cursor, &p) > 0) {
                if (uap_param_is_stop(&p))
                        return k->stopped && n == k->n ? 0 :
                               (fprintf(report, "reader stops at param %zu, kernel does not\n", n), 1);
                if (n == k->n) {
                        fprintf(report, "reader has more than the kernel's %zu params\n", k->n);
                        return 1;
                }
                if (!view_is(p.key, p.key_len, k->params[n].param) ||
                    (p.value == NULL) != (k->params[n].val == NULL) ||
                    (p.value && !view_is(p.value, p.value_len, k->params[n].val))) {
                        fprintf(report, "param %zu: reader \"%.*s\"=%s%.*s, kernel \"%s\"=%s\n", n,
                                (int) p.key_len, p.key, p.value ? "" : "(null)",
                                (int) p.value_len, p.value ? p.value : "",
                                k->params[n].param, k->params[n].val ? k->params[n].val : "(null)");
                        return 1;
                }
                n++;
        }
        if (n != k->n || k->stopped) {
                fprintf(report, "reader ends after %zu params, kernel after %zu%s\n", n, k->n,
                        k->stopped ? " at a --" : "");
                return 1;
        }
        return 0;
}

static bool params_equal(const struct km_param *a, const struct km_param *b)
{
        if (strcmp(a->param, b->param) != 0)
                return false;
        if (a->val == NULL || b->val == NULL)
                return a->val == b->val;
        return strcmp(a->val, b->val) == 0;
}

/* The truth: the async load gets the plain load's params, then exactly async_probe=1. */
static bool append_exact(const struct km_args *opts, const struct km_args *joined)
{
        static const struct km_param added = { "async_probe", "1" };
        size_t i;

        if (joined->n != opts->n + 1)
                return false;
        for (i = 0; i < opts->n; i++)
                if (!params_equal(&opts->params[i], &joined->params[i]))
                        return false;
        return params_equal(&joined->params[opts->n], &added);
}

static int compare_decision(const char *options, const char *device_async, const char *bus,
                            int k_async, bool misspelled, bool exact, FILE *report)
{
        /* Parsed once and kept: the program's own reading of its configuration. */
        static struct uap_config cfg;
        static bool cfg_parsed;
        struct uap_decision d;
        const char *want_rule;
        bool want_async, want_append;

        if (!cfg_parsed) {
                if (uap_config_parse(&cfg, "enable=1 buses=pci") < 0 || cfg.invalid)
                        abort();
                cfg_parsed = true;
        }
        d = uap_decide(&cfg, &(const struct uap_request) {
                        .module_options = options, .device_async = device_async, .bus = bus });

        if (k_async >= 0) {
                want_rule = "module-options";
                want_async = k_async;
                want_append = false;
        } else if (misspelled) {
                /* A spelling the kernel ignores: the administrator's word, nothing added. */
                want_rule = "module-options-misspelled";
                want_async = want_append = false;
        } else if (device_async && strcmp(device_async, "0") == 0) {
                want_rule = "device-property";
                want_async = want_append = false;
        } else if (!exact) {
                want_rule = "module-options-unsafe";
                want_async = want_append = false;
        } else {
                want_rule = device_async ? "device-property" : "bus-listed";
                want_async = want_append = true;
        }
        if (strcmp(uap_rule_to_string(d.rule), want_rule) == 0 && d.async == want_async &&
            d.append == want_append)
                return 0;
        fprintf(report, "decision (ASYNC_PROBE=%s, bus %s): %s async=%d append=%d, expected %s async=%d append=%d\n",
                device_async ? device_async : "unset", bus, uap_rule_to_string(d.rule), d.async,
                d.append, want_rule, want_async, want_append);
        return 1;
}

int compare_options(const char *options, FILE *report)
{
        struct km_args k = { 0 }, kp = { 0 }, kj = { 0 };
        struct uap_module_options o;
        char *plain, *joined;
        int k_async, bad = 0;
        bool exact, misspelled;

        /* What the kernel gets from libkmod for a plain load and for an async one. */
        plain = km_join(options, NULL);
        joined = km_join(options, UAP_ASYNC_OPTION);
        if (plain == NULL || joined == NULL || km_parse(options ? options : "", &k) < 0 ||
            km_parse(plain, &kp) < 0 || km_parse(joined, &kj) < 0) {
                free(plain);
                free(joined);
                km_args_free(&k);
                km_args_free(&kp);
                return -1;
        }
        k_async = km_async_probe(&kp);
        misspelled = km_async_probe_misspelled(&kp);
        exact = append_exact(&kp, &kj);

        /* The reader splits the options string itself as the kernel would. */
        bad += compare_split(options, &k, report);
        /* libkmod's trailing space changes no param the addition could keep. */
        if (append_exact(&k, &kj) != exact) {
                fprintf(report, "model: appending is exact for the options but not for the plain load\n");
                bad++;
        }

        uap_module_options_read(options, &o);
        if (o.async_probe != k_async) {
                fprintf(report, "async_probe: reader %d, kernel %d\n", o.async_probe, k_async);
                bad++;
        }
        if (uap_options_async_probe(options) != k_async) {
                fprintf(report, "uap_options_async_probe() disagrees with the kernel's %d\n", k_async);
                bad++;
        }
        if (o.append_safe != exact) {
                fprintf(report, "append: reader %s, kernel %s\n", o.append_safe ? "safe" : "unsafe",
                        exact ? "exact" : "changes the options");
                bad++;
        }
        bad += compare_decision(options, NULL, "pci", k_async, misspelled, exact, report);
        bad += compare_decision(options, "1", "usb", k_async, misspelled, exact, report);
        bad += compare_decision(options, "0", "pci", k_async, misspelled, exact, report);

        if (bad) {
                show(report, "options", options);
                show(report, "plain", plain);
                show(report, "joined", joined);
        }
        free(plain);
        free(joined);
        km_args_free(&k);
        km_args_free(&kp);
        km_args_free(&kj);
        return bad;
}
