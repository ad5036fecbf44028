/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"

#define MAX_CONFIG_PATHS 16

static const struct command {
        const char *name;
        int (*run)(const struct cli *cli, int argc, char **argv);
} commands[] = {
        { "load",    cmd_load },
        { "explain", cmd_explain },
        { "status",  cmd_status },
};

static void help(void)
{
        printf("Usage: udev-async-probe [OPTIONS] COMMAND [ARGS]\n"
               "\n"
               "Load drivers for udev events, asynchronously on the buses the\n"
               "udev_async_probe options in modprobe.d list.\n"
               "\n"
               "Commands:\n"
               "  load [MODALIAS...]    load the modules for MODALIAS, or for the udev\n"
               "                        event in the environment\n"
               "  explain SYSPATH|MODALIAS\n"
               "                        show what load would do, and why\n"
               "  status                loaded modules and how they probe\n"
               "\n"
               "Options:\n"
               "  -d, --dirname=DIR     use DIR/lib/modules/VERSION\n"
               "  -S, --set-version=VER use modules of kernel VER\n"
               "  -C, --config=PATH     read modprobe.d config from PATH (repeatable)\n"
               "      --json            machine-readable output (explain, status)\n"
               "  -h, --help            this help\n"
               "      --version         print the version\n");
}

/* Shared by the commands: libkmod context plus the udev_async_probe options. */
int context_and_config(const struct cli *cli, struct kmod_ctx **ctx, struct uap_config *cfg)
{
        int r;

        r = loader_context_new(&cli->paths, ctx);
        if (r < 0)
                return r;

        r = uap_config_load(cfg, *ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to read " UAP_CONFIG_MODULE " options: %m");
        if (cfg->invalid)
                log_warning("Ignoring " UAP_CONFIG_MODULE " options, loading synchronously: %s",
                            cfg->error);
        return 0;
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                { "dirname",     required_argument, NULL, 'd' },
                { "set-version", required_argument, NULL, 'S' },
                { "config",      required_argument, NULL, 'C' },
                { "json",        no_argument,       NULL, 'j' },
                { "help",        no_argument,       NULL, 'h' },
                { "version",     no_argument,       NULL, 'V' },
                {}
        };
        const char *config[MAX_CONFIG_PATHS + 1] = {};
        struct cli cli = {};
        size_t n_config = 0;
        size_t i;
        int c;

        while ((c = getopt_long(argc, argv, "+d:S:C:h", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        cli.paths.root = optarg;
                        break;
                case 'S':
                        cli.paths.version = optarg;
                        break;
                case 'C':
                        if (n_config == MAX_CONFIG_PATHS) {
                                fprintf(stderr, "udev-async-probe: too many --config paths\n");
                                return EXIT_USAGE;
                        }
                        config[n_config++] = optarg;
                        cli.paths.config = config;
                        break;
                case 'j':
                        cli.json = true;
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case 'V':
                        printf("udev-async-probe %s\n", PROJECT_VERSION);
                        return EXIT_SUCCESS;
                default:
                        return EXIT_USAGE;
                }
        }

        if (optind >= argc) {
                fprintf(stderr, "udev-async-probe: missing command; see --help\n");
                return EXIT_USAGE;
        }

        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (strcmp(argv[optind], commands[i].name) != 0)
                        continue;
                /* "load" without arguments is udev's RUN of us for an event. */
                log_setup(i == 0 && optind + 1 == argc);
                return commands[i].run(&cli, argc - optind - 1, argv + optind + 1);
        }

        fprintf(stderr, "udev-async-probe: unknown command '%s'; see --help\n", argv[optind]);
        return EXIT_USAGE;
}
