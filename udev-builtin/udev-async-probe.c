/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "verbs.h"

static int verb_help(struct cli *cli, int argc, char **argv);
static int verb_version(struct cli *cli, int argc, char **argv);

static const struct verb {
        const char *name;
        int (*run)(struct cli *cli, int argc, char **argv);
} verbs[] = {
        { "load",    verb_load },
        { "explain", verb_explain },
        { "status",  verb_status },
        { "config",  verb_config },
        { "rules",   verb_rules },
        { "settle",  verb_settle },
        { "report",  verb_report },
        { "help",    verb_help },
        { "version", verb_version },
};

static int verb_help(struct cli *cli, int argc, char **argv)
{
        (void) cli, (void) argc, (void) argv;
        printf("udev-async-probe [OPTIONS...] COMMAND [OPTIONS...] [ARGS...]\n"
               "\n"
               "Load drivers for udev events with asynchronous probing, on the buses\n"
               "the udev_async_probe options in modprobe.d list.\n"
               "\n"
               "Commands:\n"
               "  load [MODALIAS...]        load, with async_probe=1, the modules the policy\n"
               "                            makes asynchronous; without arguments, for the\n"
               "                            udev event in the environment\n"
               "  explain SYSPATH|MODALIAS  what load would do for a device, and why\n"
               "  status                    loaded modules and how they probe\n"
               "  config                    the effective configuration and its sources\n"
               "  rules [--output=FILE]     the udev rules the configuration asks for\n"
               "  settle [--timeout=SEC]    wait until udev's queue is empty and no\n"
               "                            asynchronous probe is pending\n"
               "  report [--svg=FILE]       where the boot's time went, probe by probe\n"
               "  help                      this help\n"
               "  version                   the version and compiled-in features\n"
               "\n"
               "Options (also after the command):\n"
               CLI_COMMON_HELP
               "     --version          the version and compiled-in features\n"
               "\n"
               "COMMAND --help shows each command's own options.\n"
               "See the udev-async-probe(8) man page for details.\n");
        return EXIT_SUCCESS;
}

static int verb_version(struct cli *cli, int argc, char **argv)
{
        (void) cli, (void) argc, (void) argv;
        printf("udev-async-probe %s\n%cJOURNAL +LIBKMOD +LIBUDEV(dlopen)\n", PROJECT_VERSION,
               HAVE_JOURNAL ? '+' : '-');
        return EXIT_SUCCESS;
}

static const struct verb *find_verb(const char *name)
{
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (strcmp(name, verbs[i].name) == 0)
                        return &verbs[i];
        return NULL;
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                { "version", no_argument, NULL, 'V' },
                {}
        };
        struct cli cli = {};
        const struct verb *verb;
        int c, r;

        log_parse_environment();

        /* "+": the options before the command; the command parses its own. */
        while ((c = getopt_long(argc, argv, "+" CLI_COMMON_SHORTOPTS, options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        return verb_help(&cli, 0, NULL);
                case 'V':
                        return verb_version(&cli, 0, NULL);
                case '?':
                        return EXIT_USAGE;
                default:
                        r = cli_parse_option(&cli, c, optarg);
                        if (r <= 0)
                                return EXIT_USAGE;
                }
        }

        if (optind >= argc) {
                log_error("Missing command; see --help.");
                return EXIT_USAGE;
        }
        verb = find_verb(argv[optind]);
        if (verb == NULL) {
                log_error("Unknown command '%s'; see --help.", argv[optind]);
                return EXIT_USAGE;
        }

        argc -= optind;
        argv += optind;
        optind = 0;
        return verb->run(&cli, argc, argv);
}
