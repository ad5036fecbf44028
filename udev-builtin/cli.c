/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "log.h"
#include "verbs.h"

/*
 * The options every verb shares. Returns 1 when @c was one of them, 0 when
 * it is the verb's own, or a negative errno after saying what is wrong.
 */
int cli_parse_option(struct cli *cli, int c, const char *arg)
{
        struct stat st;
        int r;

        switch (c) {
        case 'd':
                cli->paths.root = arg;
                return 1;
        case 'S':
                cli->paths.version = arg;
                return 1;
        case 'C':
                if (cli->n_config == MAX_CONFIG_PATHS)
                        return log_error_errno(E2BIG, "Too many --config paths (at most %i).",
                                               MAX_CONFIG_PATHS);
                /* libkmod skips it without a word, and -C replaces the standard directories. */
                if (stat(arg, &st) < 0)
                        log_warning_errno(errno, "Nothing is read from --config=%s: %m", arg);
                cli->config[cli->n_config++] = arg;
                cli->paths.config = cli->config;
                return 1;
        case 'v':
                /* -v: our debug messages; -vv: libkmod's as well. */
                if (log_get_max_level() < LOG_DEBUG)
                        log_set_max_level(LOG_DEBUG);
                else
                        log_set_kmod_level(LOG_DEBUG);
                return 1;
        case 'q':
                log_set_max_level(LOG_ERR);
                return 1;
        case CLI_JSON_OPTION:
                if (arg == NULL) {
                        cli->json = JSON_SHORT;
                        return 1;
                }
                r = json_mode_from_string(arg);
                if (r < 0)
                        return log_error_errno(r, "Invalid --json= mode '%s': use short, pretty or off.",
                                               arg);
                cli->json = r;
                return 1;
        }
        return 0;
}

/*
 * Shared by the verbs: libkmod context plus the udev_async_probe options;
 * with @indexes, the module indexes too (what resolving a modalias needs).
 */
int cli_context_and_config(const struct cli *cli, bool indexes, struct kmod_ctx **ctx,
                           struct uap_config *cfg)
{
        int r;

        r = indexes ? loader_context_new(&cli->paths, ctx)
                    : loader_context_new_unloaded(&cli->paths, ctx);
        if (r < 0)
                return r;

        r = uap_config_load(cfg, *ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to read " UAP_CONFIG_MODULE " options: %m");
        return 0;
}

/*
 * A verb's option loop: the common options are handled here, the verb's
 * own through @own. Returns -1 when the verb goes on (optind at its first
 * argument), or the exit status: EXIT_SUCCESS after --help, EXIT_USAGE.
 */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
               const struct option *options, void (*help)(void),
               int (*own)(int c, const char *arg, void *userdata), void *userdata)
{
        int c;

        while ((c = getopt_long(argc, argv, shortopts, options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return EXIT_SUCCESS;
                }
                if (c == '?')
                        return EXIT_USAGE;
                switch (cli_parse_option(cli, c, optarg)) {
                case 1:
                        continue;
                case 0:
                        if (own && own(c, optarg, userdata) == 0)
                                continue;
                        _fallthrough_;
                default:
                        return EXIT_USAGE;
                }
        }
        return -1;
}

/* SEC for a --timeout=SEC: whole seconds, 0 to 3600. */
int cli_parse_seconds(const char *what, const char *arg, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(arg, &end, 10);
        if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 || v > 3600)
                return log_error_errno(EINVAL, "Invalid %s value '%s': seconds, 0 to 3600.", what, arg);
        *ret = v;
        return 0;
}

/* What a printing verb ends with: output that did not reach its reader is a failure. */
int cli_finish_output(int ret)
{
        if (fflush(stdout) != 0 || ferror(stdout)) {
                log_error_errno(errno ? errno : EIO, "Failed to write the output: %m");
                return EXIT_FAILURE;
        }
        return ret;
}
