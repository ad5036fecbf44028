/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "udev-async-probe report": where one boot's time went, device probe by
 * device probe, and what listing more buses would have changed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "report/analyze.h"
#include "report/facts.h"
#include "report/input.h"
#include "report/output.h"
#include "report/target.h"
#include "verbs.h"

enum report_source {
        SOURCE_BOOT,
        SOURCE_DMESG,
        SOURCE_JOURNAL,
};

struct report_args {
        enum report_source source;
        const char *dmesg;
        const char *boot;       /* --journal=BOOT; NULL: this boot */
        const char *svg;
};

enum {
        OPT_BOOT = 0x200,
        OPT_DMESG,
        OPT_JOURNAL,
        OPT_SVG,
};

static int parse_own(int c, const char *arg, void *userdata)
{
        struct report_args *a = userdata;

        switch (c) {
        case OPT_BOOT:
                a->source = SOURCE_BOOT;
                return 0;
        case OPT_DMESG:
                a->source = SOURCE_DMESG;
                a->dmesg = arg;
                return 0;
        case OPT_JOURNAL:
                if (arg && arg[0] == '\0') {
                        log_error("--journal= takes a boot, as journalctl -b does: -1, a boot id.");
                        return -EINVAL;
                }
                a->source = SOURCE_JOURNAL;
                a->boot = arg;
                return 0;
        case OPT_SVG:
                a->svg = arg;
                return 0;
        }
        return -EINVAL;
}

/* --journal=BOOT names the running boot: 0, or its id (with or without dashes). */
static bool is_this_boot(const char *boot)
{
        char id[64];
        size_t n = 0;
        _cleanup_(fclosep) FILE *f = NULL;

        if (boot == NULL || strcmp(boot, "0") == 0)
                return true;
        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (f == NULL || fgets(id, sizeof(id), f) == NULL)
                return false;
        for (const char *b = boot; *b; b++) {
                while (id[n] == '-')
                        n++;
                if (*b == '-')
                        continue;
                if (tolower((unsigned char) *b) != id[n++])
                        return false;
        }
        while (id[n] == '-')
                n++;
        return id[n] == '\n' || id[n] == '\0';
}

static void help(void)
{
        printf("udev-async-probe report [OPTIONS...]\n"
               "\n"
               "Where one boot's time went, device probe by device probe: when each\n"
               "probe ran, how long, sync or async, its bus and driver, who loaded the\n"
               "module; the critical path; and, per bus not listed in buses=, the\n"
               "synchronous probe time listing it would have let run in parallel.\n"
               "Needs a boot with initcall_debug, better also with\n"
               "dyndbg=\"file drivers/base/dd.c +p\".\n"
               "\n"
               "Options:\n"
               "     --boot             the running boot's kernel log, /dev/kmsg (default)\n"
               "     --dmesg=FILE       a saved log: dmesg (also -r, -x; -T: to the second),\n"
               "                        /dev/kmsg records, journalctl -k -o json (exact times),\n"
               "                        journalctl -o short-monotonic, journalctl -k (times\n"
               "                        when journald received each line: durations only);\n"
               "                        - for standard input\n"
               "     --journal[=BOOT]   this boot's journal, or BOOT's as journalctl -b takes\n"
               "                        it: --journal=-1, the boot before (with the '=')\n"
               "     --svg=FILE         also write the timeline as an SVG picture; -: to\n"
               "                        standard output, instead of the report\n"
               CLI_JSON_HELP
               CLI_COMMON_HELP);
}

static int read_source(struct report *r, const struct report_args *a)
{
        switch (a->source) {
        case SOURCE_DMESG:
                return report_read_file(r, a->dmesg);
        case SOURCE_JOURNAL:
                return report_read_journal(r, a->boot);
        default:
                return report_read_kmsg(r);
        }
}

int verb_report(struct cli *cli, int argc, char **argv)
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                CLI_JSON_OPTIONS,
                { "boot",    no_argument,       NULL, OPT_BOOT },
                { "dmesg",   required_argument, NULL, OPT_DMESG },
                { "journal", optional_argument, NULL, OPT_JOURNAL },
                { "svg",     required_argument, NULL, OPT_SVG },
                {}
        };
        static const char * const sources[] = {
                [SOURCE_BOOT] = "/dev/kmsg of this boot",
                [SOURCE_JOURNAL] = "the journal of this boot",
        };
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_free_ char *journal_source = NULL, *title = NULL;
        struct report_target svg = { .fd = -1 };
        struct report_args a = {};
        struct report_facts facts;
        struct uap_config cfg = {};
        struct report rep;
        const char *source;
        bool have_cfg, this_boot;
        int r, ret = EXIT_FAILURE;

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS, options, help, parse_own, &a);
        if (r >= 0)
                return r;
        if (optind != argc) {
                log_error("report takes no arguments.");
                return EXIT_USAGE;
        }
        log_open(false);
        /* Where the picture goes is known, and may be written, before the work starts. */
        if (a.svg && report_target_open(&svg, a.svg) < 0)
                return EXIT_FAILURE;
        if (svg.fd == STDOUT_FILENO && cli->json != JSON_OFF) {
                log_error("--svg=%s and --json would both write to standard output.", a.svg);
                return EXIT_USAGE;
        }
        source = a.source == SOURCE_DMESG ? a.dmesg : sources[a.source];
        this_boot = a.source != SOURCE_DMESG && is_this_boot(a.boot);
        if (!this_boot && a.source == SOURCE_JOURNAL) {
                if (asprintf(&journal_source, "the journal of boot %s", a.boot) < 0) {
                        log_oom();
                        return EXIT_FAILURE;
                }
                source = journal_source;
        }

        /* Without the configuration the report still stands: every bus counts as unlisted. */
        have_cfg = cli_context_and_config(cli, false, &ctx, &cfg) >= 0;
        if (!have_cfg)
                log_warning("Without the configuration, every bus counts as not listed.");

        report_init(&rep);
        if (read_source(&rep, &a) < 0)
                goto out;
        /* The running system describes only its own boot, not a saved log's nor another boot's. */
        if (this_boot)
                report_sysfs_facts(&facts, ctx);
        r = report_analyze(&rep, have_cfg ? &cfg : NULL, this_boot ? &facts : NULL);
        if (r < 0) {
                log_error_errno(r, "Failed to analyze the log: %m");
                goto out;
        }

        /* The picture on standard output stands alone. */
        if (svg.fd == STDOUT_FILENO)
                ;
        else if (cli->json == JSON_OFF)
                report_print_text(&rep, stdout, source);
        else
                report_print_json(&rep, stdout, cli->json, source);
        if (a.svg) {
                if (asprintf(&title, "Device probes: %s", source) < 0) {
                        log_oom();
                        goto out;
                }
                if (report_target_write(&svg, &rep, title) < 0)
                        goto out;
        }
        ret = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
        report_done(&rep);
        uap_config_done(&cfg);
        return ret;
}
