/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "core/uap-param.h"
#include "deadline.h"
#include "log.h"
#include "sources.h"
#include "verbs.h"

/*
 * How long "load" may take in all. udev kills a worker at its event
 * timeout and then never runs 80-drivers.rules' kmod load for the event;
 * past this bound we return and leave the insert running, so kmod load
 * always gets its turn. By default a third of udev's event timeout (where
 * udevd warns that an event takes long), and never more than this.
 */
#define LOAD_TIMEOUT_SEC_MAX 30
#define UDEV_EVENT_TIMEOUT_SEC_DEFAULT 180

/* Where "load" remembers, until reboot, what it warned about. */
#define WARNED_DIR "/run/udev-async-probe"
#define CONFIG_WARNED_FILE WARNED_DIR "/config-warned"
/* One per module, so that each module's misspelled async_probe is said once. */
#define OPTIONS_WARNED_PREFIX WARNED_DIR "/options-warned."

/*
 * A module to insert: for a udev event, only those that get async_probe=1
 * (kmod load follows for the others); run by hand, every one.
 */
struct insert_job {
        struct kmod_module *mod;
        const struct device_info *dev;
        struct uap_decision decision;
};

struct load {
        const struct cli *cli;
        struct insert_job *jobs;
        size_t n_jobs;
        size_t n_devs;
        bool udev_event;
};

/* One line per module, with journal fields a log query can match on. */
static int log_job(int level, int error, const struct insert_job *job, const char *what)
{
        char module[256], rule[64], async[32];
        _cleanup_free_ char *devpath = NULL, *modalias = NULL;
        const char *fields[6] = {};
        const char *name = kmod_module_get_name(job->mod);
        size_t n = 0;

        snprintf(module, sizeof(module), "UAP_MODULE=%s", name);
        snprintf(rule, sizeof(rule), "UAP_RULE=%s", uap_rule_to_string(job->decision.rule));
        snprintf(async, sizeof(async), "UAP_ASYNC=%i", job->decision.async);
        fields[n++] = module;
        fields[n++] = rule;
        fields[n++] = async;
        if (asprintf(&modalias, "MODALIAS=%s", job->dev->modalias) >= 0)
                fields[n++] = modalias;
        if (job->dev->devpath && asprintf(&devpath, "DEVPATH=%s", job->dev->devpath) >= 0)
                fields[n++] = devpath;

        return log_fields(level, error, fields, "%s: %s '%s'%s (%s: %s)%s%s",
                          job->dev->devpath ? job->dev->devpath : job->dev->modalias, what, name,
                          job->decision.append ? " with " UAP_ASYNC_OPTION : "",
                          uap_rule_to_string(job->decision.rule),
                          uap_rule_explain(job->decision.rule),
                          error ? ": " : "", error ? strerror(abs(error)) : "");
}

/* The outcome of one insert, named as systemd's own module loading names it. */
static int insert_one(const struct insert_job *job)
{
        const char *name = kmod_module_get_name(job->mod);
        int r;

        r = loader_insert(job->mod, job->decision.append);
        if (r == 0) {
                /* Like udev's own kmod builtin: success is news only when debugging. */
                log_job(LOG_DEBUG, 0, job, "inserted");
                return 0;
        }
        if (r == -EEXIST) {
                log_debug("Module '%s' was loaded by another loader meanwhile; it probes as that load decided.",
                          name);
                return 0;
        }
        if (r == KMOD_PROBE_APPLY_BLACKLIST) {
                log_debug("Module '%s' is blacklisted in modprobe.d, not inserting it.", name);
                return 0;
        }
        if (r == -ENODEV) {
                log_job(LOG_NOTICE, r, job, "no device for");
                return 0;
        }
        if (r == -EPERM && loader_blocked_by_kernel(name)) {
                log_notice("Module '%s' is blocked by module_blacklist= on the kernel command line.",
                           name);
                return 0;
        }
        return log_job(r == -ENOENT ? LOG_WARNING : LOG_ERR, r, job, "failed to insert");
}

static int insert_all(void *userdata)
{
        const struct load *l = userdata;
        int ret = EXIT_SUCCESS;

        for (size_t i = 0; i < l->n_jobs; i++)
                if (insert_one(&l->jobs[i]) < 0)
                        ret = EXIT_FAILURE;
        return ret;
}

static void warn_misspelled(const struct load *l, const struct module_plan *plan);

static int plan_one(const struct module_plan *plan, const struct device_info *dev, void *userdata)
{
        struct load *l = userdata;
        struct insert_job *jobs;

        switch (plan->state) {
        case MODULE_BUILTIN:
                log_debug("Module '%s' is built in.", plan->name);
                return 0;
        case MODULE_LIVE:
                log_debug("Module '%s' is already loaded.", plan->name);
                return 0;
        case MODULE_BLACKLISTED:
                log_debug("Module '%s' is blacklisted in modprobe.d, not inserting it.", plan->name);
                return 0;
        case MODULE_LOADABLE:
                break;
        }

        if (plan->decision.rule == UAP_RULE_MODULE_OPTIONS_MISSPELLED)
                warn_misspelled(l, plan);

        if (!plan->decision.append && l->udev_event) {
                log_debug("%s: leaving '%s' to udev's kmod load (%s: %s).",
                          dev->devpath ? dev->devpath : dev->modalias, plan->name,
                          uap_rule_to_string(plan->decision.rule), uap_rule_explain(plan->decision.rule));
                return 0;
        }

        jobs = reallocarray(l->jobs, l->n_jobs + 1, sizeof(*jobs));
        if (jobs == NULL)
                return log_oom();
        l->jobs = jobs;
        l->jobs[l->n_jobs++] = (struct insert_job) {
                .mod = kmod_module_ref(plan->mod),
                .dev = dev,
                .decision = plan->decision,
        };
        return 0;
}

static void load_done(struct load *l)
{
        for (size_t i = 0; i < l->n_jobs; i++)
                kmod_module_unref(l->jobs[i].mod);
        free(l->jobs);
}

/*
 * Whether this boot already heard @error, as the marker file @path
 * remembers it. An @error longer than the buffer is heard each time.
 */
static bool warned_before(const char *path, const char *error)
{
        char old[512] = "", tmp[PATH_MAX];
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        bool ok;
        int fd;

        if (f && fgets(old, sizeof(old), f) && strcmp(old, error) == 0)
                return true;

        /* A full or read-only /run only means warning again next time. */
        (void) mkdir(WARNED_DIR, 0755);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return false;
        ok = write(fd, error, strlen(error)) == (ssize_t) strlen(error);
        if (close(fd) < 0)
                ok = false;
        if (!ok || rename(tmp, path) < 0)
                (void) unlink(tmp);
        return false;
}

/*
 * "options m async-probe=0": the kernel ignores the word, the policy takes
 * it as the administrator's opt-out (rule module-options-misspelled). Say
 * so, and where the word is, once per boot and module for udev's runs.
 */
static void warn_misspelled(const struct load *l, const struct module_plan *plan)
{
        char word[256], marker[PATH_MAX];
        _cleanup_free_ char *where = NULL;
        struct uap_module_options o;

        uap_module_options_read(plan->options, &o);
        if (o.misspelled == NULL)
                return;
        snprintf(word, sizeof(word), "%.*s", (int) o.misspelled_len, o.misspelled);
        snprintf(marker, sizeof(marker), OPTIONS_WARNED_PREFIX "%s", plan->name);
        if (l->udev_event && warned_before(marker, word)) {
                log_debug("Module '%s': '%s' is not the kernel's async_probe; loading without "
                          UAP_ASYNC_OPTION ".", plan->name, word);
                return;
        }
        /* libkmod does not say which file an option came from: read them one by one. */
        where = sources_where(l->cli, plan->name, o.misspelled, o.misspelled_len);
        log_warning("Module '%s': '%s' in %s is not the kernel's async_probe (only that exact spelling "
                    "counts, the kernel ignores this one); taken as an opt-out, loading without "
                    UAP_ASYNC_OPTION ".", plan->name, word, where ? where : "its modprobe.d options");
}

static void warn_config(const struct uap_config *cfg, bool udev_event)
{
        if (!cfg->invalid)
                return;
        /* Every event reads the configuration: say it once per boot, then at debug. */
        log_full(udev_event && warned_before(CONFIG_WARNED_FILE, cfg->error) ? LOG_DEBUG : LOG_WARNING,
                 "Ignoring " UAP_CONFIG_MODULE " options, loading synchronously: %s", cfg->error);
}

static int collect_devices(int argc, char **argv, struct device_info *devs)
{
        int i, r;

        if (argc == 0)
                return device_from_env(&devs[0]);

        /* Check every argument before loading anything. */
        for (i = 0; i < argc; i++) {
                r = device_from_modalias(&devs[i], argv[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Seconds from an udev.conf or kernel command line value; 0 if it is none. */
static unsigned parse_event_timeout(const char *s)
{
        char *end;
        unsigned long v;

        s += strspn(s, "\"'");
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || (*end != '\0' && strchr("s\"' \t\n", *end) == NULL) ||
            v > UINT_MAX)
                return 0;
        return v;
}

/*
 * udev's event timeout, from where udevd reads it: /etc/udev/udev.conf,
 * then the kernel command line (udev.event_timeout=, and in the initramfs
 * rd.udev.event_timeout=). The smallest value found wins: this is a bound.
 * udevd's own --event-timeout cannot be seen from here.
 */
static unsigned udev_event_timeout(void)
{
        unsigned timeout = UDEV_EVENT_TIMEOUT_SEC_DEFAULT, t;
        _cleanup_(fclosep) FILE *conf = fopen("/etc/udev/udev.conf", "re");
        _cleanup_(fclosep) FILE *cmdline = fopen("/proc/cmdline", "re");
        char line[4096], *word, *save = NULL;

        while (conf && fgets(line, sizeof(line), conf)) {
                const char *p = line + strspn(line, " \t");

                if (strncmp(p, "event_timeout=", 14) == 0 && (t = parse_event_timeout(p + 14)) > 0 &&
                    t < timeout)
                        timeout = t;
        }
        if (cmdline && fgets(line, sizeof(line), cmdline))
                for (word = strtok_r(line, " \t\n", &save); word; word = strtok_r(NULL, " \t\n", &save)) {
                        if (strncmp(word, "rd.", 3) == 0)
                                word += 3;
                        if (strncmp(word, "udev.event_timeout=", 19) == 0 &&
                            (t = parse_event_timeout(word + 19)) > 0 && t < timeout)
                                timeout = t;
                }
        return timeout;
}

static unsigned default_timeout(void)
{
        unsigned t = udev_event_timeout() / 3;

        return t < 1 ? 1 : t > LOAD_TIMEOUT_SEC_MAX ? LOAD_TIMEOUT_SEC_MAX : t;
}

static void help(void)
{
        printf("udev-async-probe load [OPTIONS...] [MODALIAS...]\n"
               "\n"
               "Insert, with " UAP_ASYNC_OPTION ", the modules of MODALIAS (or of the udev\n"
               "event in the environment) that the policy makes asynchronous; insert the\n"
               "others plainly. For a udev event, those are left to udev's kmod load,\n"
               "which runs after this for the same event.\n"
               "\n"
               "Options:\n"
               "     --timeout=SEC      return after SEC seconds, leaving an insert that\n"
               "                        still runs to finish on its own (default: a third\n"
               "                        of udev's event timeout, at most %i; 0: wait)\n"
               CLI_COMMON_HELP, LOAD_TIMEOUT_SEC_MAX);
}

static int parse_timeout(int c, const char *arg, void *userdata)
{
        if (c != 'T')
                return -EINVAL;
        return cli_parse_seconds("--timeout", arg, userdata);
}

int verb_load(struct cli *cli, int argc, char **argv)
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                { "timeout", required_argument, NULL, 'T' },
                {}
        };
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_free_ struct device_info *devs = NULL;
        unsigned timeout = UINT_MAX;
        struct uap_config cfg = {};
        struct load l = {};
        bool udev_event;
        int r, ret = EXIT_SUCCESS;

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS, options, help, parse_timeout, &timeout);
        if (r >= 0)
                return r;
        argc -= optind;
        argv += optind;

        if (timeout == UINT_MAX)
                timeout = default_timeout();

        /* Without arguments, udev runs us for an event. */
        udev_event = argc == 0;
        l.udev_event = udev_event;
        l.cli = cli;
        log_open(udev_event);

        devs = calloc(udev_event ? 1 : argc, sizeof(*devs));
        if (devs == NULL)
                return log_oom(), EXIT_FAILURE;
        if (collect_devices(argc, argv, devs) < 0)
                return EXIT_USAGE;
        l.n_devs = udev_event ? 1 : argc;

        if (cli_context_and_config(cli, true, &ctx, &cfg) < 0)
                return EXIT_FAILURE;
        warn_config(&cfg, udev_event);

        for (size_t i = 0; i < l.n_devs; i++) {
                r = loader_for_each(ctx, &cfg, &devs[i], plan_one, &l);
                if (r < 0)
                        ret = EXIT_FAILURE;
                else if (r == 0)
                        log_debug("No module matches %s.", devs[i].modalias);
        }

        if (l.n_jobs > 0) {
                r = run_with_deadline(insert_all, &l, timeout * 1000);
                if (r == -ETIME) {
                        log_warning("Inserts still running after %u s; leaving them to finish on their own.",
                                    timeout);
                        ret = EXIT_FAILURE;
                } else if (r == -ECHILD) {
                        log_error("The process inserting the modules died of a signal.");
                        ret = EXIT_FAILURE;
                } else if (r < 0) {
                        log_error_errno(r, "Failed to run the inserts: %m");
                        ret = EXIT_FAILURE;
                } else if (r != EXIT_SUCCESS)
                        ret = EXIT_FAILURE;
        }

        load_done(&l);
        uap_config_done(&cfg);
        return ret;
}
