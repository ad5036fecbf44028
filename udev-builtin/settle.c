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
#include "log.h"
#include "pending.h"
#include "sysfs.h"
#include "verbs.h"

#define SETTLE_TIMEOUT_SEC_DEFAULT 120
#define MAX_WATCH 512
#define BEST_EFFORT_RECHECK_MS 100

extern char **environ;

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
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
 * empty. Returns 0, or -ETIME when the queue did not empty in time.
 */
static int udev_settle(long long timeout_ms)
{
        char arg[64];
        char *argv[] = { (char *) "udevadm", (char *) "settle", arg, NULL };
        pid_t pid;
        int r, status;

        snprintf(arg, sizeof(arg), "--timeout=%lld", (timeout_ms + 999) / 1000);
        r = posix_spawnp(&pid, "udevadm", NULL, NULL, argv, environ);
        if (r != 0)
                return log_error_errno(r, "Failed to run udevadm settle: %m");
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for udevadm settle: %m");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ETIME;
}

/* Sleep until a count the kernel keeps may have dropped, or @timeout_ms. */
static void wait_for_probes(bool exact, long long timeout_ms)
{
        struct pollfd pfd[MAX_WATCH];
        int fds[MAX_WATCH], n = 0;

        if (timeout_ms > 1000)
                timeout_ms = 1000;
        if (exact)
                n = pending_watch_fds(fds, MAX_WATCH);
        for (int i = 0; i < n; i++)
                pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLPRI };
        /* Without the kernel's count, a device's driver link is all there is to watch. */
        (void) poll(pfd, n, exact ? (int) timeout_ms : 50);
        for (int i = 0; i < n; i++)
                close(fds[i]);
}

/*
 * The kernel's count files, opened and read, which arms them: the kernel
 * signals a file when its count rises from zero or drops to zero. A pass
 * that then reads every count as zero, and finds no file signalled, saw
 * them all at zero at the same time, although it read them one by one.
 */
struct watch {
        struct pollfd pfd[MAX_WATCH];
        int n;
};

static void watch_arm(struct watch *w)
{
        int fds[MAX_WATCH];

        w->n = pending_watch_fds(fds, MAX_WATCH);
        for (int i = 0; i < w->n; i++)
                w->pfd[i] = (struct pollfd) { .fd = fds[i], .events = POLLPRI };
}

/* Whether a count may have risen since watch_arm(). */
static bool watch_signalled(struct watch *w)
{
        /* More modules than files watched: the uevent check has to do. */
        if (w->n >= MAX_WATCH)
                return false;
        return poll(w->pfd, w->n, 0) != 0;
}

static void watch_close(struct watch *w)
{
        for (int i = 0; i < w->n; i++)
                close(w->pfd[i].fd);
        w->n = 0;
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
        struct pending p = {};
        bool idle_once = false;
        long long deadline;
        int r;

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
        for (;;) {
                unsigned long long seqnum = uevent_seqnum();
                long long left = deadline - now_ms();
                struct watch w;
                bool risen;
                int queue;

                queue = udev_settle(left > 0 ? left : 0);
                watch_arm(&w);
                pending_done(&p);
                r = pending_read(ctx, &p);
                risen = watch_signalled(&w);
                watch_close(&w);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the pending probes: %m"), EXIT_FAILURE;

                /*
                 * A probe that ended may have added devices, hence uevents:
                 * idle means both at once. Without the kernel's count, a
                 * probe just queued shows nowhere until a worker picks it
                 * up: idle twice, a moment apart.
                 */
                if (queue == 0 && pending_total(&p) == 0 && uevent_seqnum() == seqnum) {
                        if (p.exact && !risen)
                                break;
                        if (p.exact)
                                continue;
                        if (idle_once)
                                break;
                        idle_once = true;
                        (void) poll(NULL, 0, BEST_EFFORT_RECHECK_MS);
                        continue;
                }
                idle_once = false;

                if (now_ms() >= deadline) {
                        log_error("Timed out after %u s:%s%s", timeout,
                                  queue < 0 ? " udev's event queue is not empty" : "",
                                  pending_total(&p) ? " asynchronous probes are pending" : "");
                        report_pending(&p, LOG_ERR);
                        pending_done(&p);
                        return EXIT_FAILURE;
                }
                report_pending(&p, LOG_DEBUG);
                /* udev's queue is asked again only once the probes are done. */
                while (pending_total(&p) > 0 && now_ms() < deadline) {
                        wait_for_probes(p.exact, deadline - now_ms());
                        pending_done(&p);
                        r = pending_read(ctx, &p);
                        if (r < 0)
                                return log_error_errno(r, "Failed to read the pending probes: %m"),
                                       EXIT_FAILURE;
                }
        }

        if (!p.exact)
                log_info("Settled, as a best effort: this kernel does not count pending asynchronous "
                         "probes; no module's init runs and no kernel worker is in one.");
        pending_done(&p);
        return EXIT_SUCCESS;
}
