/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"

#define LOCK_RETRY_MS 50

long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * flock(LOCK_EX) on @fd, waiting until @until (a now_ms() time; 0: no
 * limit). flock() itself takes no timeout. Returns 0, -ETIME, or a
 * negative errno.
 */
int lock_until(int fd, long long until)
{
        for (;;) {
                long long left;

                if (flock(fd, LOCK_EX | (until ? LOCK_NB : 0)) == 0)
                        return 0;
                if (errno == EINTR)
                        continue;
                if (errno != EWOULDBLOCK)
                        return -errno;
                left = until - now_ms();
                if (left <= 0)
                        return -ETIME;
                (void) poll(NULL, 0, left < LOCK_RETRY_MS ? (int) left : LOCK_RETRY_MS);
        }
}

static int wait_child(pid_t pid, const sigset_t *chld, unsigned timeout_ms)
{
        long long deadline = now_ms() + timeout_ms;
        int status;

        for (;;) {
                pid_t r = waitpid(pid, &status, WNOHANG);
                long long left;
                struct timespec ts;

                if (r == pid)
                        break;
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (timeout_ms == 0) {
                        sigwaitinfo(chld, NULL);
                        continue;
                }
                left = deadline - now_ms();
                if (left <= 0)
                        return -ETIME;
                ts = (struct timespec) { left / 1000, (left % 1000) * 1000000 };
                sigtimedwait(chld, NULL, &ts);
        }
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return -ECHILD;
}

/*
 * Run @fn in a child process and wait for it at most @timeout_ms (0: no
 * limit). An insert can sleep in the kernel where no signal reaches it
 * (a module's init, or do_init_module() waiting for other async work), so
 * the only bound on the caller's run time is not to wait: at the deadline
 * the child is left to finish on its own, and the caller returns.
 *
 * Returns @fn's exit status, -ETIME at the deadline, -ECHILD if the child
 * died of a signal, or a negative errno.
 */
int run_with_deadline(int (*fn)(void *userdata), void *userdata, unsigned timeout_ms)
{
        sigset_t chld, old;
        pid_t pid;
        int r;

        /* Ignored, SIGCHLD would never come and the child would reap itself. */
        signal(SIGCHLD, SIG_DFL);
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &chld, &old) < 0)
                return -errno;

        pid = fork();
        if (pid < 0) {
                r = -errno;
                sigprocmask(SIG_SETMASK, &old, NULL);
                return r;
        }
        if (pid == 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                /* Once the parent is gone, udevd may close our stderr pipe. */
                signal(SIGPIPE, SIG_IGN);
                _exit(fn(userdata));
        }

        r = wait_child(pid, &chld, timeout_ms);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
