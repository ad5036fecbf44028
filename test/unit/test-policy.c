/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>

#include "tests.h"
#include "uap-config.h"
#include "uap-policy.h"

#define A true
#define S false

/* Rules by their stable names, as logs, JSON and the man page show them. */
static const struct {
        const char *config;
        const char *module_options;
        const char *device_async;
        const char *bus;
        bool async;
        bool append;
        const char *rule;
} cases[] = {
        /* Rule 4: the bus list. */
        { "buses=pci",          NULL,   NULL,  "pci",  A, A, "bus-listed" },
        { "buses=pci",          NULL,   NULL,  "usb",  S, S, "bus-unlisted" },
        { "buses=pci,usb",      NULL,   NULL,  "usb",  A, A, "bus-listed" },
        { "buses=*",            NULL,   NULL,  "hid",  A, A, "bus-listed" },
        { "buses=",             NULL,   NULL,  "pci",  S, S, "bus-unlisted" },
        { "",                   NULL,   NULL,  "pci",  S, S, "bus-unlisted" },
        { "buses=*",            NULL,   NULL,  NULL,   S, S, "bus-unlisted" },
        { "buses=pci",          "",     NULL,  "pci",  A, A, "bus-listed" },
        { "buses=pci",          "debug=1 foo=\"a b\"", NULL, "pci", A, A, "bus-listed" },
        /* Rule 3 beats rule 4, both ways. */
        { "buses=pci",          NULL,   "0",   "pci",  S, S, "device-property" },
        { "buses=pci",          NULL,   "1",   "usb",  A, A, "device-property" },
        { "buses=",             NULL,   "yes", "usb",  A, A, "device-property" },
        { "buses=pci",          NULL,   "n",   "pci",  S, S, "device-property" },
        /* A property that is no boolean is not taken as a yes. */
        { "buses=pci",          NULL,   "2",   "pci",  S, S, "device-property-invalid" },
        { "buses=pci",          NULL,   "",    "pci",  S, S, "device-property-invalid" },
        /* Rule 2 beats rules 3 and 4: the admin's own async_probe is left alone. */
        { "buses=pci",          "async_probe=0",      NULL, "pci", S, S, "module-options" },
        { "buses=pci",          "async_probe=0",      "1",  "pci", S, S, "module-options" },
        { "buses=",             "async_probe=1",      "0",  "usb", A, S, "module-options" },
        { "buses=pci",          "async_probe",        NULL, "pci", A, S, "module-options" },
        { "buses=pci",          "async_probe=0 async_probe=1", NULL, "pci", A, S, "module-options" },
        /* The kernel takes a value it cannot parse as true. */
        { "buses=pci",          "async_probe=bogus",  NULL, "pci", A, S, "module-options" },
        /* Not the generic parameter: */
        { "buses=pci",          "my_async_probe=0",   NULL, "pci", A, A, "bus-listed" },
        { "buses=pci",          "x=\"async_probe=0\"", NULL, "pci", A, A, "bus-listed" },
        /*
         * The kernel matches the generic parameter with strcmp() and ignores
         * any other spelling; such a word is still the admin's: no addition.
         */
        { "buses=pci",          "x=1 async-probe=0",  NULL, "pci", S, S, "module-options-misspelled" },
        { "buses=pci",          "Async_probe=0",      NULL, "pci", S, S, "module-options-misspelled" },
        { "buses=pci",          "ASYNC-PROBE",        NULL, "pci", S, S, "module-options-misspelled" },
        { "buses=pci",          "aSyNc_PrObE=1",      NULL, "pci", S, S, "module-options-misspelled" },
        { "buses=pci",          "async-probe=0",      "1",  "usb", S, S, "module-options-misspelled" },
        { "buses=pci",          "async-probe=0 --",   NULL, "pci", S, S, "module-options-misspelled" },
        { "buses=pci",          "x=1\xa0" "Async_probe=0", NULL, "pci", S, S, "module-options-misspelled" },
        { "buses=pci",          "\"Async_probe=0",    NULL, "pci", S, S, "module-options-misspelled" },
        { "enable=0 buses=pci", "async-probe=0",      "1",  "pci", S, S, "disabled" },
        /* The exact name is what the kernel reads, whatever else is there. */
        { "buses=pci",          "async-probe=0 async_probe=1", NULL, "pci", A, S, "module-options" },
        { "buses=pci",          "async_probe=0 Async_probe=1", NULL, "pci", S, S, "module-options" },
        /* Words the kernel never takes for a parameter name of that spelling. */
        { "buses=pci",          "-- async-probe=0",   NULL, "pci", S, S, "module-options-unsafe" },
        { "buses=pci",          "x=1 \"Async_probe",  NULL, "pci", S, S, "module-options-unsafe" },
        { "buses=pci",          "x=Async_probe=0",    NULL, "pci", A, A, "bus-listed" },
        { "buses=pci",          "async-probe-=0",     NULL, "pci", A, A, "bus-listed" },
        { "buses=pci",          "asyncprobe=0",       NULL, "pci", A, A, "bus-listed" },
        { "buses=pci",          "async_probe_x=0",    NULL, "pci", A, A, "bus-listed" },
        { "buses=pci",          "async\xe2\x80\x90probe=0", NULL, "pci", A, A, "bus-listed" },
        /* Where appending would change the options, nothing is appended... */
        { "buses=pci",          "x=\"unterminated",   NULL, "pci", S, S, "module-options-unsafe" },
        { "buses=pci",          "x=\"a b",            "1",  "usb", S, S, "module-options-unsafe" },
        { "buses=pci",          "x=1 --",             NULL, "pci", S, S, "module-options-unsafe" },
        /* ...but only where a rule would append. */
        { "buses=pci",          "x=\"a b",            "0",  "pci", S, S, "device-property" },
        { "buses=pci",          "x=\"a b",            NULL, "usb", S, S, "bus-unlisted" },
        { "buses=pci",          "x=\"a b",            "2",  "pci", S, S, "device-property-invalid" },
        { "enable=0",           "x=\"a b",            "1",  "pci", S, S, "disabled" },
        /* Rule 1 beats everything. */
        { "enable=0 buses=pci", NULL,   NULL,  "pci",  S, S, "disabled" },
        { "enable=0 buses=pci", NULL,   "1",   "pci",  S, S, "disabled" },
        { "enable=0 buses=pci", "async_probe=1", "1", "pci", S, S, "disabled" },
        /* A broken configuration is as good as enable=0. */
        { "buses=pci typo=1",   NULL,   "1",   "pci",  S, S, "config-invalid" },
        { "enable=maybe",       NULL,   "1",   "pci",  S, S, "config-invalid" },
        { "buses=pci enable=1 enable=0 enable=1", NULL, NULL, "pci", A, A, "bus-listed" },
};

/*
 * A module's options read as the kernel reads them (Linux 6.12 parse_args(),
 * next_arg(), isspace(), kstrtobool() and the generic async_probe match),
 * with buses=pci on bus pci: where the kernel sees async_probe, rule 2;
 * else async_probe=1 is appended, unless that would change the options.
 */
static const struct {
        const char *options;
        bool async;
        bool append;
        const char *rule;
} options_cases[] = {
        /* Quoted whole: the kernel drops the quotes and sees async_probe=0. */
        { "\"async_probe=0\"",                  S, S, "module-options" },
        { "x=1 \"async_probe=0\"",              S, S, "module-options" },
        /* ... and a leading quote that never closes is dropped all the same. */
        { "\"async_probe=0",                    S, S, "module-options" },
        /* The kernel's white space: \v \f \r and Latin-1 no-break space too. */
        { "x=1\vasync_probe=0",                 S, S, "module-options" },
        { "x=1\fasync_probe=0",                 S, S, "module-options" },
        { "x=1\rasync_probe=0",                 S, S, "module-options" },
        { "x=1\xa0" "async_probe=0",            S, S, "module-options" },
        { "async_probe=0\xa0",                  S, S, "module-options" },
        /* A CRLF modprobe.d file: libkmod keeps the \r of each line. */
        { "async_probe=0\r",                    S, S, "module-options" },
        { "debug=1\r async_probe=0\r",          S, S, "module-options" },
        /* A stray quote opens a quote that swallows the rest, and would swallow the addition. */
        { "x=a\"b",                             S, S, "module-options-unsafe" },
        { "x=a\"b async_probe=0",               S, S, "module-options-unsafe" },
        { "x\"y async_probe=0",                 S, S, "module-options-unsafe" },
        { "async_probe\"=0",                    S, S, "module-options-unsafe" },
        { "x=1 \"",                             S, S, "module-options-unsafe" },
        /*
         * libkmod puts a space after the options even for a plain load: an
         * open quote takes it into the last word, so no "async_probe" here.
         */
        { "x=1 \"async_probe",                  S, S, "module-options-unsafe" },
        { "\"async_probe",                      S, S, "module-options-unsafe" },
        { "\"async_probe=",                     A, S, "module-options" },
        /* Loaded as "async_probe=n\"\" \"async_probe ": the second word is no async_probe. */
        { "async_probe=n\"\" \"async_probe",       S, S, "module-options" },
        /* The kernel stops at a bare "--", quoted or not: nothing after it counts. */
        { "-- async_probe=0",                   S, S, "module-options-unsafe" },
        { "x=1 \"--\"",                         S, S, "module-options-unsafe" },
        { "x=1 \"--",                           S, S, "module-options-unsafe" },
        { "async_probe=1 -- async_probe=0",     A, S, "module-options" },
        /* kstrtobool(): the first character decides, after 'o' the second. */
        { "async_probe=f",                      S, S, "module-options" },
        { "async_probe=nope",                   S, S, "module-options" },
        { "async_probe=0x",                     S, S, "module-options" },
        { "async_probe=NONE",                   S, S, "module-options" },
        { "async_probe=of",                     S, S, "module-options" },
        { "async_probe=offline",                S, S, "module-options" },
        { "async_probe=on",                     A, S, "module-options" },
        { "async_probe=o",                      A, S, "module-options" },
        { "async_probe=",                       A, S, "module-options" },
        { "\"async_probe=on\"",                 A, S, "module-options" },
        { "\"async_probe=o\"",                  A, S, "module-options" },
        { "\"async_probe=\"",                   A, S, "module-options" },
        { "\"async_probe\"",                    A, S, "module-options" },
        /* Quoted values: the opening quote goes, a closing one only at the end. */
        { "async_probe=\"n o\"",                S, S, "module-options" },
        { "async_probe=0\"",                    S, S, "module-options" },
        { "async_probe=\"1\"x",                 A, S, "module-options" },
        { "async_probe=\"",                     A, S, "module-options" },
        /* Not a stop: "--" with a value, and an '=' that starts a word. */
        { "x=1 --=1",                           A, A, "bus-listed" },
        { "=async_probe=0",                     A, A, "bus-listed" },
        { "x=\"a b\" ",                         A, A, "bus-listed" },
};

static struct uap_decision decide(const char *config, const struct uap_request *req)
{
        struct uap_config cfg;
        struct uap_decision d;

        check(uap_config_parse(&cfg, config) == 0, "parse \"%s\"", config);
        d = uap_decide(&cfg, req);
        uap_config_done(&cfg);
        return d;
}

static void check_decision(const char *what, size_t i, struct uap_decision d, bool async,
                           bool append, const char *rule)
{
        const char *name = uap_rule_to_string(d.rule);

        check(name != NULL && strcmp(name, rule) == 0, "%s[%zu] rule %s, expected %s", what, i,
              str_or_null(name), rule);
        check(d.async == async, "%s[%zu] async=%d", what, i, d.async);
        check(d.append == append, "%s[%zu] append=%d", what, i, d.append);
        /* Appending is only ever to ask for async. */
        check(!d.append || d.async, "%s[%zu] append without async", what, i);
}

static int test_decide(void)
{
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct uap_request req = {
                        .module_options = cases[i].module_options,
                        .device_async = cases[i].device_async,
                        .bus = cases[i].bus,
                };

                check_decision("cases", i, decide(cases[i].config, &req),
                               cases[i].async, cases[i].append, cases[i].rule);
        }
        return (int) i;
}

static int test_module_options(void)
{
        size_t i;

        for (i = 0; i < sizeof(options_cases) / sizeof(options_cases[0]); i++) {
                struct uap_request req = { .module_options = options_cases[i].options, .bus = "pci" };
                int want = strcmp(options_cases[i].rule, "module-options") == 0 ?
                           options_cases[i].async : -1;
                int got = uap_options_async_probe(options_cases[i].options);

                check_decision("options_cases", i, decide("buses=pci", &req),
                               options_cases[i].async, options_cases[i].append, options_cases[i].rule);
                check(got == want, "options_cases[%zu] uap_options_async_probe()=%d, expected %d",
                      i, got, want);
        }
        return (int) i;
}

static int test_rule_names(void)
{
        int i;

        for (i = 0; i < _UAP_RULE_MAX; i++) {
                check(uap_rule_to_string(i) != NULL, "rule %d has no name", i);
                check(uap_rule_explain(i) != NULL, "rule %d has no explanation", i);
        }
        check(uap_rule_to_string(_UAP_RULE_MAX) == NULL, "name past the end");
        return i;
}

static int test_modalias(void)
{
        static const struct {
                const char *modalias;
                int check;
                const char *bus;
        } m[] = {
                { "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00", 0, "pci" },
                { "of:NfooT(null)Cacme,foo", 0, "of" },
                { "input:b0019v0000p0001e0000-e0,1,k74,ramlsfw", 0, "input" },
                { "nocolon", 0, NULL },
                { ":leading", 0, NULL },
                { "", -EINVAL, NULL },
                /* drivers/net/phy/fixed_phy.c's platform device */
                { "platform:Fixed MDIO bus", 0, "platform" },
                { "pci:tab\there", -EINVAL, NULL },
                { "pci:new\nline", -EINVAL, NULL },
                { "pci:\x7f", -EINVAL, NULL },
                { "pci:caf\xc3\xa9", 0, "pci" },
        };
        char big[UAP_MODALIAS_MAX + 2], bus[64];
        size_t i;
        int r;

        for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
                r = uap_modalias_check(m[i].modalias);
                check(r == m[i].check, "[%zu] check(%s)=%d", i, m[i].modalias, r);
                r = uap_modalias_bus(m[i].modalias, bus, sizeof(bus));
                if (m[i].bus)
                        check(r == 0 && strcmp(bus, m[i].bus) == 0, "[%zu] bus %s", i, m[i].modalias);
                else if (m[i].check == 0)
                        check(r == -EINVAL, "[%zu] no bus in %s: %d", i, m[i].modalias, r);
        }

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        check(uap_modalias_check(big) == -E2BIG, "too long accepted");
        big[UAP_MODALIAS_MAX] = '\0';
        check(uap_modalias_check(big) == 0, "longest rejected");
        memcpy(big, "pci:", 4);
        check(uap_modalias_bus(big, bus, 3) == -ENAMETOOLONG, "bus buffer overflow");
        big[70] = ':';
        memcpy(big, "pciX", 4);
        check(uap_modalias_bus(big, bus, sizeof(bus)) == -ENAMETOOLONG, "long bus accepted");
        return (int) i + 4;
}

int main(void)
{
        int n = test_decide();

        n += test_module_options();
        n += test_rule_names();
        n += test_modalias();
        return test_result("test-policy", n);
}
