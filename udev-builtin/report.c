/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "udev-async-probe report": where one boot's time went, device probe by
 * device probe, and what listing more buses would have changed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "report/analyze.h"
#include "report/facts.h"
#include "report/input.h"
#include "report/output.h"
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
               "     --svg=FILE         also write the timeline as an SVG picture\n"
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

static int svg_to(FILE *f, const struct report *r, const char *path, const char *source)
{
        char title[4096 + 32];

        snprintf(title, sizeof(title), "Device probes: %s", source);
        report_write_svg(r, f, title);
        if (fflush(f) != 0 || ferror(f))
                return log_error_errno(errno ? errno : EIO, "Failed to write %s: %m", path);
        return 0;
}

/* A device or pipe named as FILE itself (/dev/null, a FIFO with a reader): written to. */
static int write_svg_device(const struct report *r, const char *path, const char *source)
{
        _cleanup_(fclosep) FILE *f = NULL;
        int fd;

        fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", path);
        if (fcntl(fd, F_SETFL, 0) < 0 || (f = fdopen(fd, "we")) == NULL) {
                int k = -errno;

                close(fd);
                return log_error_errno(k, "Failed to open %s: %m", path);
        }
        return svg_to(f, r, path, source);
}

/*
 * The SVG goes to a new file next to @path, renamed over it once complete:
 * a symbolic link at @path (in /tmp, anyone's) is replaced, never written
 * through, and a reader never sees half a picture.
 */
static int write_svg(const struct report *r, const char *path, const char *source)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        struct stat st, target;
        mode_t mode;
        int fd, k;

        /* A new file gets the mode fopen() would give it, a replaced one keeps its own. */
        mode = umask(0);
        umask(mode);
        mode = 0666 & ~mode;
        if (lstat(path, &st) == 0) {
                if (S_ISREG(st.st_mode))
                        mode = st.st_mode & 07777;
                if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
                        return write_svg_device(r, path, source);
                if (S_ISLNK(st.st_mode) && stat(path, &target) == 0 && !S_ISREG(target.st_mode))
                        return log_error_errno(EINVAL, "%s is a symbolic link to something other than a file: "
                                               "name a file, or a device or pipe itself.", path);
                if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
                        return log_error_errno(EINVAL, "%s is not a file.", path);
        }
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return log_oom();
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a file next to %s: %m", path);
        f = fdopen(fd, "we");
        if (f == NULL || fchmod(fd, mode) < 0) {
                k = log_error_errno(errno, "Failed to write %s: %m", path);
                if (f == NULL)
                        close(fd);
                (void) unlink(tmp);
                return k;
        }
        k = svg_to(f, r, path, source);
        if (fclose(f) != 0 && k >= 0)
                k = log_error_errno(errno, "Failed to write %s: %m", path);
        f = NULL;
        if (k >= 0 && rename(tmp, path) < 0)
                k = log_error_errno(errno, "Failed to replace %s: %m", path);
        if (k < 0)
                (void) unlink(tmp);
        return k;
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
        _cleanup_free_ char *journal_source = NULL;
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

        if (cli->json == JSON_OFF)
                report_print_text(&rep, stdout, source);
        else
                report_print_json(&rep, stdout, cli->json, source);
        if (a.svg && write_svg(&rep, a.svg, source) < 0)
                goto out;
        ret = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
        report_done(&rep);
        uap_config_done(&cfg);
        return ret;
}
