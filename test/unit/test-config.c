/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdlib.h>

#include "tests.h"
#include "uap-config.h"

static const struct {
        const char *options;
        bool invalid;
        bool enable;
        const char *buses;
        const char *error;      /* substring of the message */
} cases[] = {
        /* Nothing configured: enabled, but no bus listed, so nothing async. */
        { NULL,                                  false, true,  "", NULL },
        { "",                                    false, true,  "", NULL },
        { "   ",                                 false, true,  "", NULL },
        /* The shipped defaults. */
        { "enable=1 buses=pci",                  false, true,  "pci", NULL },
        /* Spellings of a bool, and the bare form. */
        { "enable=0",                            false, false, "", NULL },
        { "enable=N",                            false, false, "", NULL },
        { "enable=off buses=pci",                false, false, "pci", NULL },
        { "enable=yes",                          false, true,  "", NULL },
        { "enable=TRUE",                         false, true,  "", NULL },
        { "enable",                              false, true,  "", NULL },
        /* Last value wins: files in order, then the kernel command line. */
        { "enable=1 buses=pci enable=0",         false, false, "pci", NULL },
        { "buses=pci buses=usb,pci",             false, true,  "usb,pci", NULL },
        { "buses=pci buses=",                    false, true,  "", NULL },
        { "buses=pci buses=\"\"",                false, true,  "", NULL },
        { "buses=*",                             false, true,  "*", NULL },
        { "buses=\"pci,usb\"",                   false, true,  "pci,usb", NULL },
        /* Names are case-sensitive, like kernel parameters. */
        { "enable=0 ENABLE=1",                   true,  false, "", "unknown key 'ENABLE=1'" },
        { "buses=pci\tenable=0\n",               false, false, "pci", NULL },
        /* Anything wrong: one message, and the policy goes synchronous. */
        { "enabel=0",                            true,  true,  "", "unknown key 'enabel=0'" },
        { "enable=maybe",                        true,  true,  "", "invalid boolean 'enable=maybe'" },
        { "enable=",                             true,  true,  "", "invalid boolean 'enable='" },
        { "buses=p@ci",                          true,  true,  "", "invalid bus list 'buses=p@ci'" },
        { "buses=pci,,usb",                      true,  true,  "", "invalid bus list" },
        { "buses=pci,",                          true,  true,  "", "invalid bus list" },
        { "buses",                               true,  true,  "", "invalid bus list 'buses'" },
        { "buses=\"pci usb\"",                   true,  true,  "", "invalid bus list" },
        { "buses=\"pci",                         true,  true,  "", "unterminated quote in 'buses=\"pci'" },
        { "enable=0 \"buses=pci",                true,  false, "", "unterminated quote in '\"buses=pci'" },
        { "buses=\"pci\"x",                      true,  true,  "", "invalid bus list 'buses=\"pci\"x'" },
        /* Bus names are lower case: "PCI" would match no device. */
        { "buses=PCI",                           true,  true,  "", "'buses=PCI'" },
        { "buses=pci,Usb",                       true,  true,  "", "'buses=pci,Usb'" },
        /* Split as the kernel splits module options: a CRLF file works... */
        { "enable=1 buses=pci\r",                false, true,  "pci", NULL },
        { "enable=0\r buses=pci,usb\r",          false, false, "pci,usb", NULL },
        { "buses=pci\venable=0\f",               false, false, "pci", NULL },
        { "buses=pci\xa0" "enable=0",            false, false, "pci", NULL },
        { "\"buses=pci,usb\"",                   false, true,  "pci,usb", NULL },
        { "\"enable\"",                          false, true,  "", NULL },
        /* ... and its booleans stay whole words, unlike kstrtobool(). */
        { "enable=nope",                         true,  true,  "", "invalid boolean 'enable=nope'" },
        { "enable=f",                            true,  true,  "", "invalid boolean 'enable=f'" },
        { "enable=0x",                           true,  true,  "", "invalid boolean 'enable=0x'" },
        /* A "--" would end a module's options; here it is no key. */
        { "buses=pci -- enable=0",               true,  true,  "", "unknown key '--'" },
        /* The first problem is the one reported. */
        { "foo=1 enable=maybe",                  true,  true,  "", "unknown key 'foo=1'" },
        /* A key quoted back is cut short, never overflowing the message. */
        { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=1",
                                                 true,  true,  "", "unknown key 'xxxx" },
};

static const struct {
        const char *buses;
        const char *bus;
        bool listed;
} bus_cases[] = {
        { "pci",         "pci",  true },
        { "pci",         "pcie", false },
        { "pcie",        "pci",  false },
        { "usb,pci",     "pci",  true },
        { "usb,pci",     "usb",  true },
        { "usb,pci",     "hid",  false },
        { "",            "pci",  false },
        { "*",           "hid",  true },
        { "usb,*",       "hid",  true },
        { "pci",         "",     false },
};

static int test_parse(void)
{
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct uap_config cfg;
                int r = uap_config_parse(&cfg, cases[i].options);

                check(r == 0, "[%zu] parse returned %d", i, r);
                check(cfg.invalid == cases[i].invalid, "[%zu] \"%s\": invalid=%d", i,
                      str_or_null(cases[i].options), cfg.invalid);
                if (!cases[i].invalid) {
                        check(cfg.enable == cases[i].enable, "[%zu] \"%s\": enable=%d", i,
                              cases[i].options, cfg.enable);
                        check(strcmp(cfg.buses, cases[i].buses) == 0, "[%zu] \"%s\": buses=\"%s\"",
                              i, cases[i].options, cfg.buses);
                        check(cfg.error[0] == '\0', "[%zu] unexpected error \"%s\"", i, cfg.error);
                } else
                        check(strstr(cfg.error, cases[i].error) != NULL,
                              "[%zu] error \"%s\" lacks \"%s\"", i, cfg.error, cases[i].error);
                check(strlen(cfg.error) < sizeof(cfg.error), "[%zu] error overflow", i);
                uap_config_done(&cfg);
        }
        return (int) i;
}

static int test_has_bus(void)
{
        size_t i;

        for (i = 0; i < sizeof(bus_cases) / sizeof(bus_cases[0]); i++) {
                struct uap_config cfg;
                char options[64];

                snprintf(options, sizeof(options), "buses=\"%s\"", bus_cases[i].buses);
                check(uap_config_parse(&cfg, options) == 0 && !cfg.invalid, "[%zu] %s", i, options);
                check(uap_config_has_bus(&cfg, bus_cases[i].bus) == bus_cases[i].listed,
                      "[%zu] buses=%s bus=%s", i, bus_cases[i].buses, bus_cases[i].bus);
                uap_config_done(&cfg);
        }
        return (int) i;
}

/*
 * A list is one line of the generated rules, twice (the SUBSYSTEM match and
 * a comment), and udev 252 drops a whole rules file for one line of 16 KiB:
 * a list is at most 4 KiB.
 */
static int test_long_list(void)
{
        static const size_t lens[] = { 4096, 4097, 20000 };
        size_t i;

        for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
                size_t len = lens[i];
                char *options = malloc(len + sizeof("buses="));
                struct uap_config cfg;

                check(options != NULL, "out of memory");
                if (options == NULL)
                        continue;
                /* "pci,a,a,...": every name valid, so only the length can be wrong. */
                strcpy(options, "buses=pci");
                for (size_t n = 3; n < len; n += 2)
                        strcat(options, n + 1 < len ? ",a" : "b");
                check(strlen(options) == len + strlen("buses="), "[%zu] list of %zu bytes", i,
                      strlen(options) - strlen("buses="));
                check(uap_config_parse(&cfg, options) == 0, "[%zu] parse", i);
                if (len <= 4096)
                        check(!cfg.invalid && strlen(cfg.buses) == len, "[%zu] a list of %zu bytes: %s", i,
                              len, cfg.error);
                else
                        check(cfg.invalid && strstr(cfg.error, "bus list longer than 4096 bytes") &&
                              strlen(cfg.buses) == 0, "[%zu] a list of %zu bytes: invalid=%d \"%s\"", i,
                              len, cfg.invalid, cfg.error);
                uap_config_done(&cfg);
                free(options);
        }
        return (int) i;
}

int main(void)
{
        int n = test_parse();

        n += test_has_bus();
        n += test_long_list();
        return test_result("test-config", n);
}
