/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "json.h"
#include "loader.h"

/* Exit status: EXIT_SUCCESS, EXIT_FAILURE (a load or read failed), or this. */
#define EXIT_USAGE 2

#define MAX_CONFIG_PATHS 16

#define _fallthrough_ __attribute__((__fallthrough__))

/* Options every verb takes, before or after its name. */
struct cli {
        struct loader_paths paths;
        const char *config[MAX_CONFIG_PATHS + 1];
        size_t n_config;
        enum json_mode json;
};

#define CLI_COMMON_SHORTOPTS "hd:S:C:vq"
#define CLI_COMMON_OPTIONS                                              \
        { "help",        no_argument,       NULL, 'h' },                \
        { "dirname",     required_argument, NULL, 'd' },                \
        { "set-version", required_argument, NULL, 'S' },                \
        { "config",      required_argument, NULL, 'C' },                \
        { "verbose",     no_argument,       NULL, 'v' },                \
        { "quiet",       no_argument,       NULL, 'q' }
#define CLI_JSON_OPTION 0x100
#define CLI_JSON_OPTIONS { "json", optional_argument, NULL, CLI_JSON_OPTION }

#define CLI_COMMON_HELP                                                 \
        "  -d --dirname=DIR      use DIR/lib/modules/VERSION\n"        \
        "  -S --set-version=VER  use the modules of kernel VER\n"      \
        "  -C --config=PATH      read modprobe.d config from PATH (repeatable)\n" \
        "  -v --verbose          more messages; twice: libkmod's too\n" \
        "  -q --quiet            only errors\n"                         \
        "  -h --help             this help\n"
#define CLI_JSON_HELP \
        "     --json=MODE        short, pretty or off; --json alone: short\n"

int cli_parse_option(struct cli *cli, int c, const char *arg);
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
               const struct option *options, void (*help)(void),
               int (*own)(int c, const char *arg, void *userdata), void *userdata);
int cli_finish_output(int ret);
int cli_parse_seconds(const char *what, const char *arg, unsigned *ret);
int cli_context_and_config(const struct cli *cli, bool indexes, struct kmod_ctx **ctx,
                           struct uap_config *cfg);

int verb_load(struct cli *cli, int argc, char **argv);
int verb_explain(struct cli *cli, int argc, char **argv);
int verb_status(struct cli *cli, int argc, char **argv);
int verb_config(struct cli *cli, int argc, char **argv);
int verb_rules(struct cli *cli, int argc, char **argv);
int verb_settle(struct cli *cli, int argc, char **argv);
int verb_report(struct cli *cli, int argc, char **argv);
