/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
/*
 * The longest sleep on the kernel's count between two reads: the kernel
 * notifies a poll() when the count rises from 0 and when it drops to 0,
 * but a file that gives no notification (not the kernel's) is read again
 * this often all the same.
 */
#define COUNT_RECHECK_MS 200
/* Between runs of an udevadm settle that fails at once: 100 ms, doubling up to 1 s. */
#define UDEVADM_RETRY_MS 100
#define UDEVADM_RETRY_MAX_MS 1000

extern char **environ;

static int min_ms(long long a, int b)
{
        return a < b ? (int) a : b;
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
static int udev_settle(long long timeout_ms, int *status)
{
        long long timeout_s = (timeout_ms + 999) / 1000, start = now_ms();
        char arg[64];
        char *argv[] = { (char *) "udevadm", (char *) "settle", arg, NULL };
        pid_t pid;
        int r;

        snprintf(arg, sizeof(arg), "--timeout=%lld", timeout_s);
        r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
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
                if (m->n_devices > 0)
                        log_full(level, "Module '%s', inserted with async_probe=1 for %s: devices without "
                                 "a driver: %s.", m->name, m->requested, devices);
                else if (m->running > 0)
                        log_full(level, "Module '%s': %u probe(s) running in kernel workers%s.",
                                 m->name, m->running, m->coming ? ", and its init still runs" : "");
                else
                        log_full(level, "Module '%s': its init still runs.", m->name);
        }
}

/*
 * Best effort: read the pending probes; while some are pending, look
 * again 50 ms later, until none is or @deadline.
 */
static int read_pending(struct pending *p, long long deadline)
{
        for (;;) {
                int r;

                pending_done(p);
                r = pending_read_best_effort(p);
                if (r < 0)
                        return r;
                if (pending_total(p) == 0 || deadline - now_ms() <= 0)
                        return 0;
                report_pending(p, LOG_DEBUG);
                (void) poll(NULL, 0, 50);
        }
}

/* A failure of udevadm settle that trying again does not mend (not there, or not a program). */
static bool udev_settle_fatal(int queue)
{
        return queue < 0 && queue != -ETIME && queue != -EPROTO && queue != -EAGAIN && queue != -ENOMEM;
}

/* After an udevadm settle that failed at once: not again at once, nor for ever at once. */
static void udev_settle_backoff(int queue, int status, unsigned *retry_ms, long long deadline)
{
        char what[128];

        *retry_ms = *retry_ms ? (unsigned) min_ms(2 * *retry_ms, UDEVADM_RETRY_MAX_MS) : UDEVADM_RETRY_MS;
        log_debug("%s; trying again in %u ms.", queue_state(queue, status, what, sizeof(what)), *retry_ms);
        (void) poll(NULL, 0, min_ms(deadline - now_ms(), *retry_ms));
}

/*
 * Without the kernel's count, a best effort: no module's init still runs
 * and no kernel worker is in asynchronous work, with udev's queue empty,
 * seen twice 100 ms apart (a probe just queued shows nowhere yet).
 */
static int settle_best_effort(unsigned timeout, long long deadline, const char *why)
{
        struct pending p = {};
        bool idle_once = false, first = true;
        unsigned retry_ms = 0;
        int r, queue = 0, status = 0;
        char what[128];

        for (;;) {
                unsigned long long seqnum = uevent_seqnum();
                long long left = deadline - now_ms();
                bool idle;

                /*
                 * udev's queue is asked again only once the probes are done,
                 * and not past the deadline, where the last answer stands.
                 */
                if (left > 0 || first) {
                        queue = udev_settle(left > 0 ? left : 0, &status);
                        first = false;
                }
                if (udev_settle_fatal(queue)) {
                        pending_done(&p);
                        return log_error_errno(queue, "Failed to run udevadm settle, without which udev's "
                                               "queue cannot be checked: %m"), EXIT_FAILURE;
                }
                if (queue == 0 || queue == -ETIME)
                        retry_ms = 0;
                r = read_pending(&p, deadline);
                if (r < 0) {
                        pending_done(&p);
                        return log_error_errno(r, "Failed to read the pending probes: %m"), EXIT_FAILURE;
                }

                /* A probe that ended may have added devices, hence uevents: idle means both at once. */
                idle = queue == 0 && pending_total(&p) == 0 && uevent_seqnum() == seqnum;
                if (idle && idle_once)
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
                else if (queue != 0 && queue != -ETIME)
                        udev_settle_backoff(queue, status, &retry_ms, deadline);
        }

        log_info("Settled, as a best effort: %s; no module's init runs and no kernel worker is in "
                 "an asynchronous probe.", why);
        pending_done(&p);
        return EXIT_SUCCESS;
}

/* On timeout with the kernel's count: the count, and what of the program's doing it may be. */
static void report_count(struct kmod_ctx *ctx, long count, int level)
{
        struct pending p = {};
        int r;

        if (count > 0)
                log_full(level, "%ld asynchronous work item(s) pending in the kernel (" PENDING_COUNT_FILE ").",
                         count);
        r = pending_read_requested(ctx, &p);
        if (r < 0)
                log_full_errno(level, r, "Failed to read which modules udev-async-probe inserted with "
                               "async_probe=1: %m");
        report_pending(&p, level);
        pending_done(&p);
        /*
         * A device in its probe already has its driver link: the kernel's
         * async workers name the modules whose probes still run.
         */
        r = pending_read_running(&p);
        if (r >= 0)
                report_pending(&p, level);
        pending_done(&p);
}

/* The kernel's count could not be read: no zero, the best effort from here on. */
static int count_unreadable(int r)
{
        if (r == -EINVAL)
                log_warning(PENDING_COUNT_FILE " holds no count; settling as a best effort.");
        else
                log_warning_errno(r, "Cannot read " PENDING_COUNT_FILE ": %m; settling as a best effort.");
        return -EAGAIN;
}

/*
 * With the kernel's count of pending asynchronous work in @fd: udev's
 * queue empty and the count 0, seen in one pass. The count is read before
 * the queue is checked and again after it, as handling an event may load a
 * module whose probes run asynchronously; a count that rose means another
 * pass. Returns an exit status, or -EAGAIN when the count could not be
 * read: the caller goes on with the best effort.
 */
static int settle_exact(struct kmod_ctx *ctx, int fd, unsigned timeout, long long deadline)
{
        bool first = true;
        unsigned retry_ms = 0;
        int r, queue = 0, status = 0;
        long count = 0, seen = -1;
        char what[128];

        for (;;) {
                unsigned long long seqnum = uevent_seqnum();
                long long left;

                r = pending_count_read(fd, &count);
                if (r < 0)
                        return count_unreadable(r);
                left = deadline - now_ms();
                if (count > 0 && left > 0) {
                        if (count != seen)
                                log_debug("%ld asynchronous work item(s) pending in the kernel.", count);
                        seen = count;
                        /* Then read again: the notification comes after the change, or none at all. */
                        r = pending_count_wait(fd, min_ms(left, COUNT_RECHECK_MS));
                        if (r < 0)
                                return log_error_errno(r, "Failed to wait on " PENDING_COUNT_FILE ": %m"),
                                       EXIT_FAILURE;
                        continue;
                }
                seen = -1;

                /* udev's queue, once the count read 0; past the deadline the last answer stands. */
                if (count == 0 && (left > 0 || first)) {
                        queue = udev_settle(left > 0 ? left : 0, &status);
                        first = false;
                        if (udev_settle_fatal(queue))
                                return log_error_errno(queue, "Failed to run udevadm settle, without which "
                                                       "udev's queue cannot be checked: %m"), EXIT_FAILURE;
                        if (queue == 0 || queue == -ETIME)
                                retry_ms = 0;
                        r = pending_count_read(fd, &count);
                        if (r < 0)
                                return count_unreadable(r);
                        /*
                         * The count read 0 before the queue was checked, and again
                         * after it (a 0 read before is no proof that none rose
                         * meanwhile), with no uevent since: settled.
                         */
                        if (queue == 0 && count == 0 && uevent_seqnum() == seqnum)
                                return EXIT_SUCCESS;
                }

                if (now_ms() >= deadline) {
                        const char *q = first ? "" : queue_state(queue, status, what, sizeof(what));

                        log_error("Timed out after %u s: %s%s%s.", timeout, q,
                                  *q && count > 0 ? ", and " : "",
                                  count > 0 ? "asynchronous work is pending" :
                                  *q ? "" : "new uevents or asynchronous work kept coming");
                        report_count(ctx, count, LOG_ERR);
                        return EXIT_FAILURE;
                }
                if (count == 0 && queue != 0 && queue != -ETIME)
                        udev_settle_backoff(queue, status, &retry_ms, deadline);
        }
}

static void help(void)
{
        printf("udev-async-probe settle [OPTIONS...]\n"
               "\n"
               "Wait until udev's event queue is empty and no asynchronous probe is\n"
               "pending, both seen in the same pass: what \"udevadm settle\" promised\n"
               "before probes ran in the background. Exact on kernels that count\n"
               "pending asynchronous work (" PENDING_COUNT_FILE "); elsewhere a\n"
               "best effort: no module's init still runs and no kernel worker is in\n"
               "an asynchronous probe, seen twice 100 ms apart.\n"
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
        const char *why = "this kernel does not count pending asynchronous probes";
        long long deadline;
        int r, fd;

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS "t:", options, help, parse_timeout, &timeout);
        if (r >= 0)
                return r;
        if (optind != argc) {
                log_error("settle takes no arguments.");
                return EXIT_USAGE;
        }
        log_open(false);

        r = loader_context_new(&cli->paths, &ctx);
        if (r < 0)
                return EXIT_FAILURE;

        deadline = now_ms() + timeout * 1000LL;
        fd = pending_count_open();
        if (fd >= 0) {
                log_debug("Settling by the kernel's count, " PENDING_COUNT_FILE ".");
                r = settle_exact(ctx, fd, timeout, deadline);
                close(fd);
                if (r != -EAGAIN)
                        return r;
                why = "the kernel's count could not be read";
        } else if (fd != -ENOENT) {
                (void) count_unreadable(fd);
                why = "the kernel's count could not be read";
        } else
                log_debug("No " PENDING_COUNT_FILE ": settling as a best effort.");
        return settle_best_effort(timeout, deadline, why);
}
