/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD trap for the benchmark: finit_module() succeeds without a
 * kernel and appends "<module> <options>" to TRAP_LOG. The fixture trap
 * (test/integration/trap.c) also redirects paths and looks its real
 * functions up on every call; here the mount namespace does the
 * redirecting, and the per-event cost of the trap itself stays near zero,
 * so the counts are the loaders' own.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Its cost is the harness's, not the loader's: the benchmark subtracts it. */
__attribute__((noinline)) static void trap_record(int fd, const char *options)
{
        const char *log = getenv("TRAP_LOG");
        char link[64], path[4096], line[8192], *base, *dot;
        ssize_t n;
        int out;

        if (log == NULL)
                return;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        path[n > 0 ? n : 0] = '\0';
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        dot = strstr(base, ".ko");
        if (dot)
                *dot = '\0';
        n = snprintf(line, sizeof(line), "%s%s%s\n", base, options && *options ? " " : "",
                     options ? options : "");
        out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (out >= 0) {
                if (write(out, line, n) < 0)
                        abort();
                close(out);
        }
}

long syscall(long number, ...)
{
        static long (*real)(long, ...);
        long a[6];
        va_list ap;

        va_start(ap, number);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);

        if (number == __NR_finit_module) {
                trap_record((int) a[0], (const char *) a[1]);
                return 0;
        }
        if (real == NULL)
                real = (long (*)(long, ...)) dlsym(RTLD_NEXT, "syscall");
        return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
