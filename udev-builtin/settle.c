/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "deadline.h"
#include "log.h"
#include "pending.h"
#include "sysfs.h"
#include "verbs.h"

#define SETTLE_TIMEOUT_SEC_DEFAULT 120
#define BEST_EFFORT_RECHECK_MS 100
/* Between runs of an udevadm settle that fails at once: 100 ms, doubling up to 1 s. */
#define UDEVADM_RETRY_MS 100
#define UDEVADM_RETRY_MAX_MS 1000

extern char **environ;

static int min_ms(long long a, int b)
{
        return a < b ? (int) a : b;
}

/*
 * One count file stays open per module: a big server has more modules
 * than the soft limit of 1024 allows, so take what the hard limit allows.
 * @saved keeps the limit as it was, for the programs settle runs (select()
 * users among them break on descriptors past 1024).
 */
static void raise_fd_limit(struct rlimit *saved)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, saved) < 0) {
                saved->rlim_cur = saved->rlim_max = RLIM_INFINITY;
                return;
        }
        rl = *saved;
        rl.rlim_cur = rl.rlim_max;
        if (rl.rlim_cur != saved->rlim_cur)
                (void) setrlimit(RLIMIT_NOFILE, &rl);
}

/* posix_spawnp() with the soft descriptor limit of @limit in the child. */
static int spawn_with_limit(pid_t *pid, char **argv, const struct rlimit *limit)
{
        struct rlimit raised;
        int r;

        if (getrlimit(RLIMIT_NOFILE, &raised) < 0 || raised.rlim_cur == limit->rlim_cur)
                return posix_spawnp(pid, argv[0], NULL, NULL, argv, environ);
        /* The child inherits the limit at spawn: lower it around that only. */
        (void) setrlimit(RLIMIT_NOFILE, limit);
        r = posix_spawnp(pid, argv[0], NULL, NULL, argv, environ);
        (void) setrlimit(RLIMIT_NOFILE, &raised);
        return r;
}

static unsigned long long uevent_seqnum(void)
{
        char buf[32];

        return read_one_line("/sys/kernel/uevent_seqnum", buf, sizeof(buf)) < 0 ? 0 :
               strtoull(buf, NULL, 10);
}

/*
 * udev's own barrier, as udev defines it: udevadm settle pings udevd, so
 * every uevent it has received is queued, then waits for the queue to
 * empty. Returns 0; -ETIME when the queue did not empty in time; -EPROTO
 * when udevadm settle failed otherwise, @status saying how; or a negative
 * errno when udevadm could not be run.
 */
static int udev_settle(long long timeout_ms, const struct rlimit *limit, int *status)
{
        long long timeout_s = (timeout_ms + 999) / 1000, start = now_ms();
        char arg[64];
        char *argv[] = { (char *) "udevadm", (char *) "settle", arg, NULL };
        pid_t pid;
        int r;

        snprintf(arg, sizeof(arg), "--timeout=%lld", timeout_s);
        r = spawn_with_limit(&pid, argv, limit);
        if (r != 0)
                return -r;
        while (waitpid(pid, status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
                return 0;
        /* Where posix_spawnp() cannot report a failed exec (under valgrind), the child exits 127. */
        if (WIFEXITED(*status) && WEXITSTATUS(*status) == 127)
                return -ENOENT;
        /* A timeout is exit status 1, as any failure is: its run time tells them apart. */
        if (WIFEXITED(*status) && (timeout_s == 0 || now_ms() - start >= timeout_s * 1000))
                return -ETIME;
        return -EPROTO;
}

/* What the last udevadm settle said, for a message: "" if the queue was empty. */
static const char *queue_state(int queue, int status, char *buf, size_t size)
{
        if (queue == 0)
                return "";
        if (queue == -ETIME)
                return "udev's event queue is not empty (udevadm settle timed out)";
        if (queue == -EPROTO && WIFEXITED(status))
                snprintf(buf, size, "udevadm settle failed (exit status %i)", WEXITSTATUS(status));
        else if (queue == -EPROTO)
                snprintf(buf, size, "udevadm settle failed (killed by signal %i)", WTERMSIG(status));
        else
                snprintf(buf, size, "udevadm settle could not run (%s)", strerror(-queue));
        return buf;
}

static void report_pending(const struct pending *p, int level)
{
        if (p->workers > 0)
                log_full(level, "%u kernel worker(s) running an asynchronous probe of built-in code.",
                         p->workers);
        for (size_t i = 0; i < p->n_modules; i++) {
                const struct pending_module *m = &p->modules[i];
                char devices[1024] = "";
                size_t len = 0;

                for (size_t j = 0; j < m->n_devices && len < sizeof(devices); j++)
                        len += snprintf(devices + len, sizeof(devices) - len, "%s%s",
                                        j ? ", " : "", m->devices[j]);
                if (m->probes >= 0)
                        log_full(level, "Module '%s': %ld asynchronous probe(s) pending%s%s%s.", m->name,
                                 m->probes, m->n_devices ? " (devices without a driver: " : "",
                                 devices, m->n_devices ? ")" : "");
                else if (m->running > 0)
                        log_full(level, "Module '%s': %u probe(s) running in kernel workers%s.",
                                 m->name, m->running, m->coming ? ", and its init still runs" : "");
                else
                        log_full(level, "Module '%s': its init still runs.", m->name);
        }
}

/*
 * Read the pending probes, which arms @w; while some are pending, sleep
 * until a count may have dropped and read them again, until none is or
 * @deadline. @w stays armed by the last read.
 */
static int read_pending(struct kmod_ctx *ctx, struct pending *p, struct pending_watch *w,
                        long long deadline)
{
        for (;;) {
                long long left;
                int r;

                pending_done(p);
                r = pending_read(ctx, p, w);
                if (r < 0)
                        return r;
                left = deadline - now_ms();
                if (pending_total(p) == 0 || left <= 0)
                        return 0;
                report_pending(p, LOG_DEBUG);
                /*
                 * Without the kernel's count, a device's driver link is all
                 * there is to watch; without a watch on every count, a
                 * count that dropped may be one no poll() sees.
                 */
                if (p->exact)
                        (void) pending_watch_poll(w, min_ms(left, w->complete ? 1000 : BEST_EFFORT_RECHECK_MS));
                else
                        (void) poll(NULL, 0, 50);
        }
}

static void help(void)
{
        printf("udev-async-probe settle [OPTIONS...]\n"
               "\n"
               "Wait until udev's event queue is empty and no asynchronous probe is\n"
               "pending, both seen in the same pass: what \"udevadm settle\" promised\n"
               "before probes ran in the background. Exact on kernels that count\n"
               "pending probes (/sys/module/MODULE/" "async_probe_pending" "); elsewhere a best\n"
               "effort: no module's init still runs and no kernel worker is in an\n"
               "asynchronous probe, seen twice 100 ms apart.\n"
               "\n"
               "Options:\n"
               "  -t --timeout=SEC      give up after SEC seconds (default %i), naming\n"
               "                        what is still pending\n"
               CLI_COMMON_HELP, SETTLE_TIMEOUT_SEC_DEFAULT);
}

static int parse_timeout(int c, const char *arg, void *userdata)
{
        if (c != 't')
                return -EINVAL;
        return cli_parse_seconds("--timeout", arg, userdata);
}

int verb_settle(struct cli *cli, int argc, char **argv)
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                { "timeout", required_argument, NULL, 't' },
                {}
        };
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        unsigned timeout = SETTLE_TIMEOUT_SEC_DEFAULT;
        struct pending_watch w = {};
        struct rlimit fd_limit;
        struct pending p = {};
        bool idle_once = false;
        unsigned retry_ms = 0;
        long long deadline;
        int r, queue = 0, status = 0;
        bool first = true;
        char what[128];

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS "t:", options, help, parse_timeout, &timeout);
        if (r >= 0)
                return r;
        if (optind != argc) {
                log_error("settle takes no arguments.");
                return EXIT_USAGE;
        }
        log_open(false);
        raise_fd_limit(&fd_limit);

        r = loader_context_new(&cli->paths, &ctx);
        if (r < 0)
                return EXIT_FAILURE;

        deadline = now_ms() + timeout * 1000LL;
        for (;;) {
                unsigned long long seqnum = uevent_seqnum();
                long long left = deadline - now_ms();
                bool idle, exact;

                /*
                 * udev's queue is asked again only once the probes are done,
                 * and not past the deadline, where the last answer stands.
                 */
                if (left > 0 || first) {
                        queue = udev_settle(left > 0 ? left : 0, &fd_limit, &status);
                        first = false;
                }
                if (queue < 0 && queue != -ETIME && queue != -EPROTO && queue != -EAGAIN && queue != -ENOMEM) {
                        /* Not there, or not a program: trying again changes nothing. */
                        pending_done(&p);
                        return log_error_errno(queue, "Failed to run udevadm settle, without which udev's "
                                               "queue cannot be checked: %m"), EXIT_FAILURE;
                }
                if (queue == 0 || queue == -ETIME)
                        retry_ms = 0;
                r = read_pending(ctx, &p, &w, deadline);
                if (r < 0) {
                        pending_watch_done(&w);
                        pending_done(&p);
                        return log_error_errno(r, "Failed to read the pending probes: %m"), EXIT_FAILURE;
                }

                /*
                 * A probe that ended may have added devices, hence uevents:
                 * idle means both at once, and with the kernel's count, no
                 * count rose while the counts were read one by one. Without
                 * it, or without a watch on every count, a probe just queued
                 * may show nowhere yet: idle twice, a moment apart.
                 */
                exact = p.exact && w.complete;
                idle = queue == 0 && pending_total(&p) == 0 && uevent_seqnum() == seqnum &&
                       !(exact && pending_watch_poll(&w, 0) != 0);
                pending_watch_done(&w);
                if (idle && p.exact && !exact)
                        log_debug("Not every count file could be watched: waiting for a second idle pass.");
                if (idle && (exact || idle_once))
                        break;
                idle_once = idle;

                if (now_ms() >= deadline) {
                        const char *q = queue_state(queue, status, what, sizeof(what));

                        log_error("Timed out after %u s: %s%s%s.", timeout, q,
                                  *q && pending_total(&p) ? ", and " : "",
                                  pending_total(&p) ? "asynchronous probes are pending" :
                                  *q ? "" : "new uevents or probes kept coming");
                        report_pending(&p, LOG_ERR);
                        pending_done(&p);
                        return EXIT_FAILURE;
                }
                if (idle)
                        (void) poll(NULL, 0, BEST_EFFORT_RECHECK_MS);
                else if (queue != 0 && queue != -ETIME) {
                        /* It failed at once: not again at once, nor for ever at once. */
                        retry_ms = retry_ms ? min_ms(2 * retry_ms, UDEVADM_RETRY_MAX_MS) : UDEVADM_RETRY_MS;
                        log_debug("%s; trying again in %u ms.", queue_state(queue, status, what, sizeof(what)),
                                  retry_ms);
                        (void) poll(NULL, 0, min_ms(deadline - now_ms(), retry_ms));
                }
        }

        if (!p.exact)
                log_info("Settled, as a best effort: this kernel does not count pending asynchronous "
                         "probes; no module's init runs and no kernel worker is in one.");
        pending_done(&p);
        return EXIT_SUCCESS;
}
