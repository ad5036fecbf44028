/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>

#include "tests.h"
#include "uap-config.h"
#include "uap-policy.h"

#define A true
#define S false

static const struct {
        const char *config;
        const char *module_options;
        const char *device_async;
        const char *bus;
        bool async;
        bool append;
        enum uap_rule rule;
} cases[] = {
        /* Rule 4: the bus list. */
        { "buses=pci",          NULL,   NULL,  "pci",  A, A, UAP_RULE_BUS_LISTED },
        { "buses=pci",          NULL,   NULL,  "usb",  S, S, UAP_RULE_BUS_UNLISTED },
        { "buses=pci,usb",      NULL,   NULL,  "usb",  A, A, UAP_RULE_BUS_LISTED },
        { "buses=*",            NULL,   NULL,  "hid",  A, A, UAP_RULE_BUS_LISTED },
        { "buses=",             NULL,   NULL,  "pci",  S, S, UAP_RULE_BUS_UNLISTED },
        { "",                   NULL,   NULL,  "pci",  S, S, UAP_RULE_BUS_UNLISTED },
        { "buses=*",            NULL,   NULL,  NULL,   S, S, UAP_RULE_BUS_UNLISTED },
        { "buses=pci",          "",     NULL,  "pci",  A, A, UAP_RULE_BUS_LISTED },
        { "buses=pci",          "debug=1 foo=\"a b\"", NULL, "pci", A, A, UAP_RULE_BUS_LISTED },
        /* Rule 3 beats rule 4, both ways. */
        { "buses=pci",          NULL,   "0",   "pci",  S, S, UAP_RULE_DEVICE_PROPERTY },
        { "buses=pci",          NULL,   "1",   "usb",  A, A, UAP_RULE_DEVICE_PROPERTY },
        { "buses=",             NULL,   "yes", "usb",  A, A, UAP_RULE_DEVICE_PROPERTY },
        { "buses=pci",          NULL,   "n",   "pci",  S, S, UAP_RULE_DEVICE_PROPERTY },
        /* A property that is no boolean is not taken as a yes. */
        { "buses=pci",          NULL,   "2",   "pci",  S, S, UAP_RULE_DEVICE_PROPERTY_INVALID },
        { "buses=pci",          NULL,   "",    "pci",  S, S, UAP_RULE_DEVICE_PROPERTY_INVALID },
        /* Rule 2 beats rules 3 and 4: the admin's own async_probe is left alone. */
        { "buses=pci",          "async_probe=0",      NULL, "pci", S, S, UAP_RULE_MODULE_OPTIONS },
        { "buses=pci",          "async_probe=0",      "1",  "pci", S, S, UAP_RULE_MODULE_OPTIONS },
        { "buses=",             "async_probe=1",      "0",  "usb", A, S, UAP_RULE_MODULE_OPTIONS },
        { "buses=pci",          "x=1 async-probe=0",  NULL, "pci", S, S, UAP_RULE_MODULE_OPTIONS },
        { "buses=pci",          "async_probe",        NULL, "pci", A, S, UAP_RULE_MODULE_OPTIONS },
        { "buses=pci",          "async_probe=0 async_probe=1", NULL, "pci", A, S, UAP_RULE_MODULE_OPTIONS },
        /* The kernel takes a value it cannot parse as true. */
        { "buses=pci",          "async_probe=bogus",  NULL, "pci", A, S, UAP_RULE_MODULE_OPTIONS },
        /* Not the generic parameter: */
        { "buses=pci",          "my_async_probe=0",   NULL, "pci", A, A, UAP_RULE_BUS_LISTED },
        { "buses=pci",          "x=\"async_probe=0\"", NULL, "pci", A, A, UAP_RULE_BUS_LISTED },
        /* Options the kernel would reject whole: add nothing to them. */
        { "buses=pci",          "x=\"unterminated",   NULL, "pci", S, S, UAP_RULE_MODULE_OPTIONS },
        /* Rule 1 beats everything. */
        { "enable=0 buses=pci", NULL,   NULL,  "pci",  S, S, UAP_RULE_DISABLED },
        { "enable=0 buses=pci", NULL,   "1",   "pci",  S, S, UAP_RULE_DISABLED },
        { "enable=0 buses=pci", "async_probe=1", "1", "pci", S, S, UAP_RULE_DISABLED },
        /* A broken configuration is as good as enable=0. */
        { "buses=pci typo=1",   NULL,   "1",   "pci",  S, S, UAP_RULE_CONFIG_INVALID },
        { "enable=maybe",       NULL,   "1",   "pci",  S, S, UAP_RULE_CONFIG_INVALID },
        { "buses=pci enable=1 enable=0 enable=1", NULL, NULL, "pci", A, A, UAP_RULE_BUS_LISTED },
};

static int test_decide(void)
{
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct uap_request req = {
                        .module_options = cases[i].module_options,
                        .device_async = cases[i].device_async,
                        .bus = cases[i].bus,
                };
                struct uap_config cfg;
                struct uap_decision d;

                check(uap_config_parse(&cfg, cases[i].config) == 0, "[%zu] parse", i);
                d = uap_decide(&cfg, &req);
                check(d.rule == cases[i].rule, "[%zu] rule %s, expected %s", i,
                      uap_rule_to_string(d.rule), uap_rule_to_string(cases[i].rule));
                check(d.async == cases[i].async, "[%zu] async=%d", i, d.async);
                check(d.append == cases[i].append, "[%zu] append=%d", i, d.append);
                /* Appending is only ever to ask for async. */
                check(!d.append || d.async, "[%zu] append without async", i);
                uap_config_done(&cfg);
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
                { "pci:with space", -EINVAL, NULL },
                { "pci:tab\there", -EINVAL, NULL },
                { "pci:\x7f", -EINVAL, NULL },
                { "pci:caf\xc3\xa9", -EINVAL, NULL },
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

        n += test_rule_names();
        n += test_modalias();
        return test_result("test-policy", n);
}
