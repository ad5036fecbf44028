/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where --svg=FILE goes. Never through a symbolic link someone planted
 * (in /tmp, anyone's) to a file; never a file made under /dev. The
 * caller's own descriptors are written as they are open: "-" is standard
 * output, and so is a name that leads to it (/dev/stdout, /proc/self/fd/1,
 * a link to them), be it a pipe or a file the caller redirected it to. A
 * device or a pipe, named or linked to, is opened and written to. A file
 * is replaced by a new one made next to it and renamed over it once
 * complete, so that a reader never sees half a picture.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "output.h"
#include "target.h"

/* The descriptor a name stands for (/dev/stdout, /dev/fd/N, /proc/self/fd/N), or -1. */
static int descriptor_of_name(const char *p)
{
        char own[64];
        const char *dirs[] = { "/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", own };

        if (strcmp(p, "/dev/stdout") == 0)
                return STDOUT_FILENO;
        if (strcmp(p, "/dev/stderr") == 0)
                return STDERR_FILENO;
        snprintf(own, sizeof(own), "/proc/%d/fd/", (int) getpid());
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                size_t n = strlen(dirs[i]);
                const char *q = p + n;
                long fd = 0;

                if (strncmp(p, dirs[i], n) != 0 || *q == '\0')
                        continue;
                for (; *q >= '0' && *q <= '9' && fd <= INT_MAX; q++)
                        fd = fd * 10 + (*q - '0');
                if (*q == '\0' && fd <= INT_MAX)
                        return (int) fd;
        }
        return -1;
}

/*
 * The descriptor @path leads to, following its symbolic links by name
 * (never into /proc's own links, which reopen what they point at), or -1.
 */
static int descriptor_of_path(const char *path)
{
        char at[PATH_MAX], link[PATH_MAX], next[2 * PATH_MAX];

        if (strcmp(path, "-") == 0)
                return STDOUT_FILENO;
        snprintf(at, sizeof(at), "%s", path);
        for (int hop = 0; hop < 40; hop++) {
                const char *slash;
                int fd = descriptor_of_name(at);
                ssize_t n;

                if (fd >= 0)
                        return fd;
                n = readlink(at, link, sizeof(link) - 1);
                if (n < 0)
                        return -1;
                link[n] = '\0';
                slash = strrchr(at, '/');
                if (link[0] == '/' || slash == NULL)
                        snprintf(next, sizeof(next), "%s", link);
                else
                        snprintf(next, sizeof(next), "%.*s%s", (int) (slash - at + 1), at, link);
                if (strlen(next) >= sizeof(at))
                        return -1;
                memcpy(at, next, strlen(next) + 1);
        }
        return -1;
}

/* Whether @path's directory is /dev or under it: no file is made there. */
static bool under_dev(const char *path)
{
        _cleanup_free_ char *dir = strdup(path), *real = NULL;
        char *slash;

        if (dir == NULL)
                return false;
        slash = strrchr(dir, '/');
        if (slash == NULL)
                real = realpath(".", NULL);
        else {
                /* "/x" is in "/". */
                slash[slash == dir ? 1 : 0] = '\0';
                real = realpath(dir, NULL);
        }
        return real && (strcmp(real, "/dev") == 0 || strncmp(real, "/dev/", 5) == 0);
}

/* What --svg=@path names: refused here when it may not be written. */
int report_target_open(struct report_target *t, const char *path)
{
        struct stat st, target;
        int flags;

        *t = (struct report_target) { .path = path, .fd = descriptor_of_path(path) };
        if (t->fd >= 0) {
                flags = fcntl(t->fd, F_GETFL);
                if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
                        return log_error_errno(EBADF, "%s: descriptor %i is not open for writing.", path, t->fd);
                return 0;
        }
        if (lstat(path, &st) < 0) {
                if (errno != ENOENT)
                        return log_error_errno(errno, "Failed to look at %s: %m", path);
                st.st_mode = S_IFREG;
        }
        if (S_ISLNK(st.st_mode)) {
                if (stat(path, &target) < 0)
                        return log_error_errno(errno, "%s is a symbolic link to nothing: %m", path);
                if (S_ISREG(target.st_mode))
                        return log_error_errno(EEXIST, "%s is a symbolic link to a file, which the report "
                                               "does not write through: name the file itself.", path);
                st = target;
        }
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
                return 0;
        if (!S_ISREG(st.st_mode))
                return log_error_errno(EINVAL, "%s is not a file, nor a character device or a pipe.", path);
        if (under_dev(path))
                return log_error_errno(EPERM, "%s: the report makes no file under /dev "
                                       "(--svg=- writes to standard output).", path);
        return 0;
}

static int svg_to(FILE *f, const struct report_picture *pic, const char *path)
{
        report_write_svg(pic, f);
        if (fflush(f) != 0 || ferror(f))
                return log_error_errno(errno ? errno : EIO, "Failed to write %s: %m", path);
        return 0;
}

/* A descriptor of the caller's, written as it is open (a pipe, a redirected file: at its offset). */
static int write_descriptor(const struct report_target *t, const struct report_picture *pic)
{
        _cleanup_(fclosep) FILE *f = NULL;
        int fd;

        if (t->fd == STDOUT_FILENO)
                fflush(stdout);
        fd = fcntl(t->fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
                int k = -errno;

                if (fd >= 0)
                        close(fd);
                return log_error_errno(k, "Failed to write %s: %m", t->path);
        }
        return svg_to(f, pic, t->path);
}

/*
 * A device or a pipe (/dev/null, a FIFO with a reader), named or linked to.
 * Opened without blocking; what was opened must still be one (not a file
 * swapped in since, which this would write over without truncating it).
 */
static int write_device(const char *path, const struct report_picture *pic)
{
        _cleanup_(fclosep) FILE *f = NULL;
        struct stat st;
        int fd;

        fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", path);
        if (fstat(fd, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
                close(fd);
                return log_error_errno(EINVAL, "%s is no longer a character device or a pipe.", path);
        }
        if (fcntl(fd, F_SETFL, 0) < 0 || (f = fdopen(fd, "we")) == NULL) {
                int k = -errno;

                close(fd);
                return log_error_errno(k, "Failed to open %s: %m", path);
        }
        return svg_to(f, pic, path);
}

/*
 * A new file next to @path, renamed over it once complete and on disk. A
 * replaced file keeps its permissions (not set-user-ID, set-group-ID or
 * sticky: not a picture's) and, when root writes it, its owner; a new one
 * gets the mode fopen() would give it.
 */
static int write_file(const char *path, const struct report_picture *pic)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        struct stat st;
        bool replace;
        mode_t mode;
        int fd, k;

        mode = umask(0);
        umask(mode);
        mode = 0666 & ~mode;
        replace = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
        if (replace)
                mode = st.st_mode & 0777;
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return log_oom();
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a file next to %s: %m", path);
        f = fdopen(fd, "we");
        if (f == NULL || (replace && geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0) ||
            fchmod(fd, mode) < 0) {
                k = log_error_errno(errno, "Failed to write %s: %m", path);
                if (f == NULL)
                        close(fd);
                (void) unlink(tmp);
                return k;
        }
        k = svg_to(f, pic, path);
        if (k >= 0 && fsync(fd) < 0)
                k = log_error_errno(errno, "Failed to write %s: %m", path);
        if (fclose(f) != 0 && k >= 0)
                k = log_error_errno(errno, "Failed to write %s: %m", path);
        f = NULL;
        if (k >= 0 && rename(tmp, path) < 0)
                k = log_error_errno(errno, "Failed to replace %s: %m", path);
        if (k < 0)
                (void) unlink(tmp);
        return k;
}

int report_target_write(const struct report_target *t, const struct report_picture *pic)
{
        struct stat st;

        if (t->fd >= 0)
                return write_descriptor(t, pic);
        if (stat(t->path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
                return write_device(t->path, pic);
        /* Checked again: what report_target_open() saw may have changed since. */
        if (report_target_open(&(struct report_target) {}, t->path) < 0)
                return -EINVAL;
        return write_file(t->path, pic);
}
