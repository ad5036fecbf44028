/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD trap for the fixture tests: plays the kernel's part.
 *
 *   TRAP_LOG   file that gets one "<module> <options>" line per insert
 *   TRAP_FAIL  "mod=EINVAL,mod2=ENOEXEC": inserts of these fail so
 *   TRAP_SLEEP "mod=SECONDS": inserts of these first sleep, as a module
 *              init or do_init_module() waiting for async work can
 *   TRAP_STARTED file that gets one "<module>" line per insert as it starts,
 *              before any sleep: the inserts in flight
 *   TRAP_LOCK_SLEEP "mod=SECONDS" (a fraction allowed): each flock() of the
 *              program's insert lock of these first sleeps, as when another
 *              insert releases the lock only then
 *   TRAP_ROOT  fake root: /sys, /proc/{cmdline,modules}, /dev/kmsg (a file
 *              of records, read at once) and the program's state in
 *              /run/udev-async-probe (unless TRAP_REAL_RUN is set) are read
 *              and written here; a successful insert makes the module live
 *              there
 */
/* Both the plain and the 64-bit entry points are wrapped, so no aliasing. */
#undef _FILE_OFFSET_BITS

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REAL(name) ((__typeof__(&name)) dlsym(RTLD_NEXT, #name))

static const char *redirect(const char *path, char *buf, size_t size)
{
        const char *root = getenv("TRAP_ROOT");

        if (root == NULL || path == NULL)
                return path;
        if (strncmp(path, "/sys/", 5) != 0 && strcmp(path, "/sys") != 0 &&
            (strncmp(path, "/run/udev-async-probe", 21) != 0 || getenv("TRAP_REAL_RUN")) &&
            strcmp(path, "/proc/cmdline") != 0 && strcmp(path, "/proc/modules") != 0 &&
            strcmp(path, "/dev/kmsg") != 0)
                return path;
        snprintf(buf, size, "%s%s", root, path);
        return buf;
}

static void module_name(int fd, char *name, size_t size)
{
        char link[64], path[4096], *base, *dot;
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n < 0) {
                snprintf(name, size, "?");
                return;
        }
        path[n] = '\0';
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        dot = strstr(base, ".ko");
        if (dot)
                *dot = '\0';
        for (char *c = base; *c; c++)
                if (*c == '-')
                        *c = '_';
        snprintf(name, size, "%.*s", (int) size - 1, base);
}

/* The value NAME has in a "mod=value,mod2=value" list, or NULL. */
static const char *spec_for(const char *spec, const char *name, size_t *len)
{
        size_t n = strlen(name);

        while (spec && *spec) {
                const char *eq = strchr(spec, '=');
                const char *end = strchr(spec, ',');

                if (eq == NULL)
                        break;
                end = end ? end : spec + strlen(spec);
                if ((size_t) (eq - spec) == n && strncmp(spec, name, n) == 0) {
                        *len = end - eq - 1;
                        return eq + 1;
                }
                spec = *end ? end + 1 : end;
        }
        return NULL;
}

static int failure_for(const char *name)
{
        static const struct {
                const char *name;
                int error;
        } errors[] = {
                { "EINVAL", EINVAL }, { "ENOEXEC", ENOEXEC }, { "EEXIST", EEXIST },
                { "ENOENT", ENOENT }, { "EPERM", EPERM }, { "ENOMEM", ENOMEM },
                { "ENODEV", ENODEV },
        };
        size_t len;
        const char *v = spec_for(getenv("TRAP_FAIL"), name, &len);

        if (v == NULL)
                return 0;
        for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
                if (strlen(errors[i].name) == len && strncmp(v, errors[i].name, len) == 0)
                        return errors[i].error;
        return EIO;
}

static void sleep_for(const char *name)
{
        size_t len;
        const char *v = spec_for(getenv("TRAP_SLEEP"), name, &len);

        if (v)
                sleep((unsigned) atoi(v));
}

/* The module whose insert lock @fd is (.../insert.<module>.lock), or false. */
static bool lock_module(int fd, char *name, size_t size)
{
        char link[64], path[4096], *base, *end;
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n < 0)
                return false;
        path[n] = '\0';
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        end = strstr(base, ".lock");
        if (strncmp(base, "insert.", 7) != 0 || end == NULL || end[5] != '\0')
                return false;
        snprintf(name, size, "%.*s", (int) (end - base - 7), base + 7);
        return true;
}

int flock(int fd, int operation)
{
        char name[256];
        const char *v;
        size_t len;

        if ((operation & LOCK_EX) && lock_module(fd, name, sizeof(name)) &&
            (v = spec_for(getenv("TRAP_LOCK_SLEEP"), name, &len))) {
                double s = strtod(v, NULL);
                struct timespec ts = { (time_t) s, (long) ((s - (time_t) s) * 1e9) };

                nanosleep(&ts, NULL);
        }
        return REAL(flock)(fd, operation);
}

static void make_live(const char *name)
{
        const char *root = getenv("TRAP_ROOT");
        char path[4096];
        FILE *f;

        if (root == NULL)
                return;
        snprintf(path, sizeof(path), "%s/sys/module/%s", root, name);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/sys/module/%s/initstate", root, name);
        f = REAL(fopen)(path, "we");
        if (f) {
                fputs("live\n", f);
                fclose(f);
        }
        snprintf(path, sizeof(path), "%s/proc/modules", root);
        f = REAL(fopen)(path, "ae");
        if (f) {
                fprintf(f, "%s 16384 0 - Live 0x0000000000000000\n", name);
                fclose(f);
        }
}

static void log_line(const char *path, const char *line)
{
        FILE *f;

        if (path == NULL)
                return;
        f = REAL(fopen)(path, "ae");
        if (f) {
                fprintf(f, "%s\n", line);
                fclose(f);
        }
}

static long fake_finit_module(int fd, const char *options)
{
        const char *log = getenv("TRAP_LOG");
        char name[256];
        int error;
        FILE *f;

        module_name(fd, name, sizeof(name));
        log_line(getenv("TRAP_STARTED"), name);
        sleep_for(name);
        error = failure_for(name);
        if (log) {
                f = REAL(fopen)(log, "ae");
                if (f) {
                        fprintf(f, "%s%s%s%s%s\n", name, options && *options ? " " : "",
                                options ? options : "", error ? " -> " : "",
                                error ? strerrorname_np(error) : "");
                        fclose(f);
                }
        }
        if (error) {
                errno = error;
                return -1;
        }
        make_live(name);
        return 0;
}

long syscall(long number, ...)
{
        long a[6];
        va_list ap;

        va_start(ap, number);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);

        if (number == __NR_finit_module)
                return fake_finit_module((int) a[0], (const char *) a[1]);
        return REAL(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* libkmod only falls back to this if finit_module fails with ENOSYS, which the trap never does. */
int init_module(void *image, unsigned long len, const char *options)
{
        (void) image, (void) len, (void) options;
        errno = ENOSYS;
        return -1;
}

#define OPEN_WRAPPER(fn)                                                        \
int fn(const char *path, int flags, ...)                                        \
{                                                                               \
        char buf[4096];                                                         \
        mode_t mode = 0;                                                        \
        va_list ap;                                                             \
                                                                                \
        if (flags & (O_CREAT | O_TMPFILE)) {                                    \
                va_start(ap, flags);                                            \
                mode = va_arg(ap, mode_t);                                      \
                va_end(ap);                                                     \
        }                                                                       \
        return REAL(fn)(redirect(path, buf, sizeof(buf)), flags, mode);         \
}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

#define OPENAT_WRAPPER(fn)                                                      \
int fn(int dirfd, const char *path, int flags, ...)                             \
{                                                                               \
        char buf[4096];                                                         \
        mode_t mode = 0;                                                        \
        va_list ap;                                                             \
                                                                                \
        if (flags & (O_CREAT | O_TMPFILE)) {                                    \
                va_start(ap, flags);                                            \
                mode = va_arg(ap, mode_t);                                      \
                va_end(ap);                                                     \
        }                                                                       \
        return REAL(fn)(dirfd, redirect(path, buf, sizeof(buf)), flags, mode);  \
}
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

FILE *fopen(const char *path, const char *mode)
{
        char buf[4096];

        return REAL(fopen)(redirect(path, buf, sizeof(buf)), mode);
}

FILE *fopen64(const char *path, const char *mode)
{
        char buf[4096];

        return REAL(fopen64)(redirect(path, buf, sizeof(buf)), mode);
}

DIR *opendir(const char *path)
{
        char buf[4096];

        return REAL(opendir)(redirect(path, buf, sizeof(buf)));
}

int stat(const char *restrict path, struct stat *restrict st)
{
        char buf[4096];

        return REAL(stat)(redirect(path, buf, sizeof(buf)), st);
}

int stat64(const char *restrict path, struct stat64 *restrict st)
{
        char buf[4096];

        return REAL(stat64)(redirect(path, buf, sizeof(buf)), st);
}

int lstat(const char *restrict path, struct stat *restrict st)
{
        char buf[4096];

        return REAL(lstat)(redirect(path, buf, sizeof(buf)), st);
}

int lstat64(const char *restrict path, struct stat64 *restrict st)
{
        char buf[4096];

        return REAL(lstat64)(redirect(path, buf, sizeof(buf)), st);
}

int access(const char *path, int mode)
{
        char buf[4096];

        return REAL(access)(redirect(path, buf, sizeof(buf)), mode);
}

ssize_t readlink(const char *restrict path, char *restrict target, size_t size)
{
        char buf[4096];

        return REAL(readlink)(redirect(path, buf, sizeof(buf)), target, size);
}

int mkdir(const char *path, mode_t mode)
{
        char buf[4096];

        return REAL(mkdir)(redirect(path, buf, sizeof(buf)), mode);
}

int unlink(const char *path)
{
        char buf[4096];

        return REAL(unlink)(redirect(path, buf, sizeof(buf)));
}

int rename(const char *from, const char *to)
{
        char buf1[4096], buf2[4096];

        return REAL(rename)(redirect(from, buf1, sizeof(buf1)), redirect(to, buf2, sizeof(buf2)));
}
