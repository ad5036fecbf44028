/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "udev-async-probe report": where one boot's time went, device probe by
 * device probe, and what listing more buses would have changed.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "report/analyze.h"
#include "report/compare.h"
#include "report/facts.h"
#include "report/input.h"
#include "report/listing.h"
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
        /* --compare: a saved log, or a boot's journal (compare_source SOURCE_JOURNAL) */
        enum report_source compare_source;
        const char *compare;
        bool sort_given;
        struct report_listing listing;
};

enum {
        OPT_BOOT = 0x200,
        OPT_DMESG,
        OPT_JOURNAL,
        OPT_SVG,
        OPT_COMPARE,
        OPT_SORT,
        OPT_TOP,
        OPT_MIN_DURATION,
        OPT_NO_BUILT_IN,
        OPT_TIME_RANGE,
};

/*
 * TIME: a decimal number and a unit, us, ms or s; a bare number is
 * seconds, as systemd's times are. At most REPORT_USEC_MAX.
 */
static int parse_time(const char *what, const char *arg, uint64_t *ret)
{
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = { { "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { "", 1000000 } };
        uint64_t whole = 0, frac = 0, scale = 1;
        const char *p = arg;

        for (; *p >= '0' && *p <= '9' && whole <= REPORT_USEC_MAX; p++)
                whole = whole * 10 + (uint64_t) (*p - '0');
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        if (scale < 1000000) {
                                frac = frac * 10 + (uint64_t) (*p - '0');
                                scale *= 10;
                        }
        if (p == arg || (p == arg + 1 && *arg == '.') || whole > REPORT_USEC_MAX)
                goto bad;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strcmp(p, units[i].suffix) == 0) {
                        if (whole > REPORT_USEC_MAX / units[i].usec)
                                goto bad;
                        *ret = whole * units[i].usec + frac * units[i].usec / scale;
                        if (*ret > REPORT_USEC_MAX)
                                goto bad;
                        return 0;
                }
bad:
        return log_error_errno(EINVAL, "Invalid %s value '%s': a time such as 50ms, 1.5s or 200us "
                               "(a bare number is seconds).", what, arg);
}

/* --compare=FILE|journal:BOOT */
static int parse_compare(struct report_args *a, const char *arg)
{
        if (strncmp(arg, "journal:", strlen("journal:")) == 0) {
                a->compare_source = SOURCE_JOURNAL;
                a->compare = arg + strlen("journal:");
                if (a->compare[0] == '\0')
                        return log_error_errno(EINVAL, "--compare=journal:BOOT takes a boot, as journalctl -b "
                                               "does: -1, a boot id.");
                return 0;
        }
        if (arg[0] == '\0')
                return log_error_errno(EINVAL, "--compare= takes a saved log (FILE, - for standard input) "
                                       "or journal:BOOT.");
        a->compare_source = SOURCE_DMESG;
        a->compare = arg;
        return 0;
}

static int parse_top(const char *arg, size_t *ret)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(arg, &end, 10);
        if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 || v == 0 || v > INT_MAX)
                return log_error_errno(EINVAL, "Invalid --top value '%s': a number of probes, 1 or more.", arg);
        *ret = (size_t) v;
        return 0;
}

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
        case OPT_COMPARE:
                return parse_compare(a, arg);
        case OPT_SORT:
                a->sort_given = true;
                if (strcmp(arg, "start") == 0)
                        a->listing.sort = REPORT_SORT_START;
                else if (strcmp(arg, "duration") == 0)
                        a->listing.sort = REPORT_SORT_DURATION;
                else
                        return log_error_errno(EINVAL, "Invalid --sort value '%s': start or duration.", arg);
                return 0;
        case OPT_TOP:
                return parse_top(arg, &a->listing.top);
        case OPT_MIN_DURATION:
                return parse_time("--min-duration", arg, &a->listing.min_usec);
        case OPT_NO_BUILT_IN:
                a->listing.no_built_in = true;
                return 0;
        case OPT_TIME_RANGE:
                return parse_time("--time-range", arg, &a->listing.axis_end_usec);
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
               "     --compare=FILE|journal:BOOT\n"
               "                        two boots side by side: FILE's (a saved log, as\n"
               "                        --dmesg) or BOOT's journal as A, this input's as B;\n"
               "                        per device and in totals, with the differences B - A\n"
               "     --sort=start|duration\n"
               "                        list probes by start (default) or longest first\n"
               "     --top=N            list only the N longest probes (longest first unless\n"
               "                        --sort=start)\n"
               "     --min-duration=TIME\n"
               "                        list no probe shorter than TIME (50ms, 1.5s; bare: s)\n"
               "     --no-built-in      list no probe of a built-in driver before user space\n"
               "     --time-range=END   the SVG's time axis runs to END at least, for pictures\n"
               "                        of several boots on one scale\n"
               "The listing options choose what the lists, the JSON's too, and the SVG show;\n"
               "the summaries always count every probe.\n"
               CLI_JSON_HELP
               CLI_COMMON_HELP);
}

static int read_source(struct report *r, enum report_source source, const char *dmesg, const char *boot)
{
        switch (source) {
        case SOURCE_DMESG:
                return report_read_file(r, dmesg);
        case SOURCE_JOURNAL:
                return report_read_journal(r, boot);
        default:
                return report_read_kmsg(r);
        }
}

/* What the report says it read: a file's name, or which boot's journal. */
static int source_name(enum report_source source, const char *dmesg, const char *boot, char **ret)
{
        int k;

        if (source == SOURCE_DMESG)
                k = asprintf(ret, "%s", dmesg);
        else if (source == SOURCE_BOOT)
                k = asprintf(ret, "/dev/kmsg of this boot");
        else if (is_this_boot(boot))
                k = asprintf(ret, "the journal of this boot");
        else
                k = asprintf(ret, "the journal of boot %s", boot);
        return k < 0 ? log_oom() : 0;
}

/* One boot read and analyzed; the running system's facts only for its own boot. */
static int load_boot(struct report *r, enum report_source source, const char *dmesg, const char *boot,
                     const struct uap_config *cfg, const struct report_facts *facts)
{
        bool this_boot = source != SOURCE_DMESG && is_this_boot(boot);
        int k;

        if (read_source(r, source, dmesg, boot) < 0)
                return -EIO;
        k = report_analyze(r, cfg, this_boot ? facts : NULL);
        if (k < 0)
                return log_error_errno(k, "Failed to analyze the log: %m");
        return 0;
}

static int print_one(struct cli *cli, const struct report_args *a, const struct report_target *svg,
                     const struct report *rep, const char *source)
{
        _cleanup_free_ char *title = NULL;
        struct report_list list;
        struct report_lane lane;
        struct report_picture pic;
        int k;

        k = report_list_make(&list, rep, &a->listing);
        if (k < 0)
                return log_oom();
        /* The picture on standard output stands alone. */
        if (svg->fd == STDOUT_FILENO)
                ;
        else if (cli->json == JSON_OFF)
                report_print_text(rep, &list, stdout, source);
        else
                report_print_json(rep, &list, stdout, cli->json, source);
        if (a->svg) {
                lane = (struct report_lane) { .r = rep, .rows = list.timeline, .n_rows = list.n_timeline };
                if (asprintf(&title, "Device probes: %s", source) < 0)
                        k = log_oom();
                else {
                        pic = (struct report_picture) { .title = title, .lanes = &lane, .n_lanes = 1,
                                                        .axis_end_usec = a->listing.axis_end_usec };
                        k = report_target_write(svg, &pic);
                }
        }
        report_list_done(&list);
        return k;
}

static int print_two(struct cli *cli, const struct report_args *a, const struct report_target *svg,
                     const struct report *boot_a, const char *source_a,
                     const struct report *boot_b, const char *source_b)
{
        _cleanup_free_ char *name_a = NULL, *name_b = NULL;
        struct report_comparison c;
        struct report_lane lanes[2];
        struct report_picture pic;
        int k;

        k = report_compare(&c, boot_a, source_a, boot_b, source_b, &a->listing);
        if (k < 0)
                return log_oom();
        if (svg->fd == STDOUT_FILENO)
                ;
        else if (cli->json == JSON_OFF)
                report_print_compare_text(&c, stdout);
        else
                report_print_compare_json(&c, stdout, cli->json);
        if (a->svg) {
                if (asprintf(&name_a, "A: %s", source_a) < 0 || asprintf(&name_b, "B: %s", source_b) < 0)
                        k = log_oom();
                else {
                        lanes[0] = (struct report_lane) { .r = boot_a, .id = "a", .name = name_a,
                                                          .rows = c.lane[REPORT_A], .n_rows = c.n_lane[REPORT_A] };
                        lanes[1] = (struct report_lane) { .r = boot_b, .id = "b", .name = name_b,
                                                          .rows = c.lane[REPORT_B], .n_rows = c.n_lane[REPORT_B] };
                        pic = (struct report_picture) { .title = "Device probes: two boots on one time axis",
                                                        .lanes = lanes, .n_lanes = 2,
                                                        .axis_end_usec = a->listing.axis_end_usec };
                        k = report_target_write(svg, &pic);
                }
        }
        report_comparison_done(&c);
        return k;
}

int verb_report(struct cli *cli, int argc, char **argv)
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                CLI_JSON_OPTIONS,
                { "boot",         no_argument,       NULL, OPT_BOOT },
                { "dmesg",        required_argument, NULL, OPT_DMESG },
                { "journal",      optional_argument, NULL, OPT_JOURNAL },
                { "svg",          required_argument, NULL, OPT_SVG },
                { "compare",      required_argument, NULL, OPT_COMPARE },
                { "sort",         required_argument, NULL, OPT_SORT },
                { "top",          required_argument, NULL, OPT_TOP },
                { "min-duration", required_argument, NULL, OPT_MIN_DURATION },
                { "no-built-in",  no_argument,       NULL, OPT_NO_BUILT_IN },
                { "time-range",   required_argument, NULL, OPT_TIME_RANGE },
                {}
        };
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_free_ char *source = NULL, *compare_source = NULL;
        struct report_target svg = { .fd = -1 };
        struct report_args a = {};
        struct report_facts facts;
        struct uap_config cfg = {};
        struct report rep, other;
        bool have_cfg;
        int r, ret = EXIT_FAILURE;

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS, options, help, parse_own, &a);
        if (r >= 0)
                return r;
        if (optind != argc) {
                log_error("report takes no arguments.");
                return EXIT_USAGE;
        }
        /* Blame's order: the N longest, longest first, unless asked otherwise. */
        if (a.listing.top > 0 && !a.sort_given)
                a.listing.sort = REPORT_SORT_DURATION;
        if (a.compare && a.compare_source == SOURCE_DMESG && strcmp(a.compare, "-") == 0 &&
            a.source == SOURCE_DMESG && strcmp(a.dmesg, "-") == 0) {
                log_error("--dmesg=- and --compare=- would both read standard input.");
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
        if (source_name(a.source, a.dmesg, a.boot, &source) < 0 ||
            (a.compare && source_name(a.compare_source, a.compare, a.compare, &compare_source) < 0))
                return EXIT_FAILURE;

        /* Without the configuration the report still stands: every bus counts as unlisted. */
        have_cfg = cli_context_and_config(cli, false, &ctx, &cfg) >= 0;
        if (!have_cfg)
                log_warning("Without the configuration, every bus counts as not listed.");
        if ((a.source != SOURCE_DMESG && is_this_boot(a.boot)) ||
            (a.compare && a.compare_source == SOURCE_JOURNAL && is_this_boot(a.compare)))
                report_sysfs_facts(&facts, ctx);

        report_init(&rep);
        report_init(&other);
        if (load_boot(&rep, a.source, a.dmesg, a.boot, have_cfg ? &cfg : NULL, &facts) < 0)
                goto out;
        if (a.compare) {
                if (load_boot(&other, a.compare_source, a.compare, a.compare, have_cfg ? &cfg : NULL, &facts) < 0)
                        goto out;
                r = print_two(cli, &a, &svg, &other, compare_source, &rep, source);
        } else
                r = print_one(cli, &a, &svg, &rep, source);
        if (r < 0)
                goto out;
        ret = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
        report_done(&rep);
        report_done(&other);
        uap_config_done(&cfg);
        return ret;
}
