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
#include "insert-lock.h"
#include "log.h"
#include "record.h"
#include "sources.h"
#include "state.h"
#include "sysfs.h"
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
/*
 * Inserts that would start with less than this left would be left behind
 * at once: kmod load inserts the module instead. So waiting for the insert
 * locks past that point is of no use either.
 */
#define INSERT_MIN_MS 100

/* In the state directory: what "load" warned about this boot. */
#define CONFIG_WARNED_NAME "config-warned"
/* One per module, so that each module's misspelled async_probe is said once. */
#define OPTIONS_WARNED_PREFIX "options-warned."
/* An empty file: a record load could not write was said this boot. */
#define RECORD_WARNED_NAME "record-warned"

/*
 * A module to insert: for a udev event, only those that get async_probe=1
 * (kmod load follows for the others); run by hand, every one.
 */
struct insert_job {
        struct kmod_module *mod;
        const struct device_info *dev;
        struct uap_decision decision;
        char **chain;           /* the modules its insert may insert, to lock */
        bool busy;              /* another insert held a lock of it until the deadline */
};

struct load {
        const struct cli *cli;
        struct insert_job *jobs;
        size_t n_jobs;
        struct insert_locks locks;
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

/*
 * Whether a record that could not be written was said before: this boot,
 * as an empty marker file remembers it (a full /run still takes one), or
 * by this process, where /run takes nothing at all.
 */
static bool record_warned_before(void)
{
        static bool warned;
        int dir, fd;

        if (warned)
                return true;
        warned = true;
        dir = state_dir(true);
        if (dir < 0)
                return false;
        fd = openat(dir, RECORD_WARNED_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0)
                close(fd);
        close(dir);
        return fd < 0 && errno == EEXIST;
}

/*
 * An insert with async_probe=1 that happened: the one thing the program
 * changes, said once at info (what a user looks for in the journal) and
 * recorded for status and explain, which cannot ask a stock kernel. A
 * record that cannot be written leaves them saying "unknown": said too,
 * once.
 */
static void inserted_async(const struct insert_job *job)
{
        const char *name = kmod_module_get_name(job->mod);
        int r;

        log_job(LOG_INFO, 0, job, "inserted");
        r = record_insert(name, job->dev, job->decision.rule);
        if (r < 0)
                log_full(record_warned_before() ? LOG_DEBUG : LOG_NOTICE,
                         "Could not record the insert of '%s' with " UAP_ASYNC_OPTION " in " STATE_DIR "/"
                         RECORD_DIR ": %s. Without the kernel's read-back, status and explain show this "
                         "boot's async inserts as unknown.", name, strerror(-r));
}

/* The outcome of one insert, named as systemd's own module loading names it. */
static int insert_one(const struct insert_job *job)
{
        const char *name = kmod_module_get_name(job->mod);
        bool by_command;
        int r;

        r = loader_insert(job->mod, job->decision.append, &by_command);
        if (r == 0 && by_command) {
                /* What the command did with async_probe=1 in its options is its own business. */
                log_job(LOG_DEBUG, 0, job, "ran the install command of");
                return 0;
        }
        if (r == 0 && job->decision.append) {
                inserted_async(job);
                return 0;
        }
        if (r == 0) {
                /* Like udev's own kmod builtin: a plain insert is news only when debugging. */
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

/*
 * In the child, which keeps the insert locks: an flock() lock belongs to the
 * open file description, shared with the load that forked the child, and
 * ends when both have closed it. So the locks hold while the inserts run,
 * also once the load has returned at its deadline and left them behind, and
 * end with the child; closing them here would end none of them.
 */
static int insert_all(void *userdata)
{
        const struct load *l = userdata;
        int ret = EXIT_SUCCESS;

        for (size_t i = 0; i < l->n_jobs; i++)
                if (!l->jobs[i].busy && insert_one(&l->jobs[i]) < 0)
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
        for (size_t i = 0; i < l->n_jobs; i++) {
                kmod_module_unref(l->jobs[i].mod);
                insert_chain_free(l->jobs[i].chain);
        }
        free(l->jobs);
        insert_locks_done(&l->locks);
}

static bool jobs_left(const struct load *l)
{
        for (size_t i = 0; i < l->n_jobs; i++)
                if (!l->jobs[i].busy)
                        return true;
        return false;
}

/* @job inserts nothing, for @why: kmod load follows for an event. */
static void leave_job(struct load *l, struct insert_job *job, const char *why)
{
        job->busy = true;
        insert_locks_drop(&l->locks, job->chain);
        log_warning("%s: %s; %s '%s'%s.", job->dev->devpath ? job->dev->devpath : job->dev->modalias, why,
                    l->udev_event ? "leaving" : "not inserting", kmod_module_get_name(job->mod),
                    l->udev_event ? " to udev's kmod load" : "");
}

/* The modules each job may insert; a job without them goes ahead unlocked. */
static void chain_jobs(struct load *l)
{
        for (size_t i = 0; i < l->n_jobs; i++) {
                int r = insert_chain(l->jobs[i].mod, &l->jobs[i].chain);

                if (r >= 0)
                        r = insert_locks_add(&l->locks, l->jobs[i].chain);
                if (r < 0)
                        log_debug("No insert locks for '%s', inserting it without them: %s",
                                  kmod_module_get_name(l->jobs[i].mod), strerror(-r));
        }
}

/*
 * Take the insert locks of every module the jobs may insert (see
 * insert-lock.c), waiting until INSERT_MIN_MS before @until (a now_ms()
 * time; 0: no limit). A job is left out (busy) when it needs a module whose
 * lock another insert still held then, or when less than INSERT_MIN_MS is
 * left once the locks are held.
 */
static int lock_jobs(struct load *l, unsigned timeout, long long until)
{
        long long left = LLONG_MAX;
        int dir, ret = EXIT_SUCCESS;
        char why[256];

        chain_jobs(l);
        dir = state_dir(true);
        insert_locks_take(&l->locks, dir, until ? until - INSERT_MIN_MS : 0);
        if (dir >= 0)
                close(dir);
        if (until)
                left = until - now_ms();

        for (size_t i = 0; i < l->n_jobs; i++) {
                const char *module = insert_locks_busy(&l->locks, l->jobs[i].chain);

                if (module)
                        snprintf(why, sizeof(why), "another insert of '%s' is still running after %u s",
                                 module, timeout);
                else if (left < INSERT_MIN_MS)
                        snprintf(why, sizeof(why), "only %lli ms of the %u s left after waiting for other inserts",
                                 left > 0 ? left : 0, timeout);
                else
                        continue;
                leave_job(l, &l->jobs[i], why);
                ret = EXIT_FAILURE;
        }
        return ret;
}

/* Run the jobs left in a child, waiting for it until @until (as lock_jobs()). */
static int run_inserts(struct load *l, unsigned timeout, long long until)
{
        /* lock_jobs() left INSERT_MIN_MS or more, less what it took since. */
        long long left = until - now_ms();
        int r;

        r = run_with_deadline(insert_all, l, until == 0 ? 0 : left > 1 ? (unsigned) left : 1);
        if (r == -ETIME)
                log_warning("Inserts still running after %u s; leaving them to finish on their own.", timeout);
        else if (r == -ECHILD)
                log_error("The process inserting the modules died of a signal.");
        else if (r < 0)
                log_error_errno(r, "Failed to run the inserts: %m");
        return r == EXIT_SUCCESS ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Whether this boot already heard @error, as the marker file @name in the
 * state directory remembers it. An @error longer than the buffer is heard
 * each time.
 */
static bool warned_before(const char *name, const char *error)
{
        char old[512] = "", tmp[NAME_MAX + 1];
        struct stat st;
        bool warned;
        int dir, fd;

        dir = state_dir(true);
        if (dir < 0)
                return false;

        /* O_NONBLOCK: a FIFO put there would block the event. */
        fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        warned = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                 read_line_fd(fd, old, sizeof(old)) == 0 && strcmp(old, error) == 0;
        if (fd >= 0)
                close(fd);

        /* A name of its own: events run in parallel. */
        snprintf(tmp, sizeof(tmp), "%s.%i.tmp", name, (int) getpid());
        if (!warned)
                (void) state_replace_file(dir, tmp, dir, name, error);
        close(dir);
        return warned;
}

/*
 * "options m async-probe=0": the kernel ignores the word, the policy takes
 * it as the administrator's opt-out (rule module-options-misspelled). Say
 * so, and where the word is, once per boot and module for udev's runs.
 */
static void warn_misspelled(const struct load *l, const struct module_plan *plan)
{
        char word[256], marker[NAME_MAX + 1];
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
        log_full(udev_event && warned_before(CONFIG_WARNED_NAME, cfg->error) ? LOG_DEBUG : LOG_WARNING,
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
        long long until;
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

        until = timeout ? now_ms() + timeout * 1000LL : 0;
        if (l.n_jobs > 0 && lock_jobs(&l, timeout, until) != EXIT_SUCCESS)
                ret = EXIT_FAILURE;
        if (jobs_left(&l) && run_inserts(&l, timeout, until) != EXIT_SUCCESS)
                ret = EXIT_FAILURE;

        load_done(&l);
        uap_config_done(&cfg);
        return ret;
}
