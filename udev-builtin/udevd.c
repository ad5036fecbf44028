/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "udevd.h"

#define READ_SIZE 65536

/*
 * The usage message of the kmod builtin that takes the option, as the
 * patches of udev-builtin/systemd (262, and the 252 and 257 backports)
 * word it. Not the option's name alone: systemd keeps its source paths in
 * the binary, and a path or another string may end in "async-probe". Not
 * finding it (another wording, a packed binary) costs only the program
 * form, which works with every udevd.
 */
static const char needle[] = "load [" UDEVD_ASYNC_PROBE_OPTION "]";
#define NEEDLE_LEN (sizeof(needle) - 1)

static void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

/*
 * Where systemd installs udevd: split /usr's /lib first (its unit runs that
 * one; on merged /usr both name the same file), then /usr/lib.
 */
int udevd_path(char *buf, size_t size)
{
        static const char * const paths[] = {
                "/lib/systemd/systemd-udevd",
                "/usr/lib/systemd/systemd-udevd",
        };

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
                if (access(paths[i], F_OK) == 0) {
                        snprintf(buf, size, "%s", paths[i]);
                        return 0;
                }
        return -ENOENT;
}

/*
 * Whether the udevd binary at @path has "kmod load --async-probe": 1 or 0,
 * or a negative errno when it cannot be read (-EBADFD: not a regular file).
 */
int udevd_has_async_probe(const char *path)
{
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t keep = 0;
        struct stat st;

        /* O_NONBLOCK: a FIFO put there must not hang the boot. */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        buf = malloc(READ_SIZE + NEEDLE_LEN);
        if (buf == NULL)
                return -ENOMEM;

        for (;;) {
                ssize_t n = read(fd, buf + keep, READ_SIZE);
                size_t len;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                len = keep + (size_t) n;
                if (memmem(buf, len, needle, NEEDLE_LEN))
                        return 1;
                /* The message may straddle two reads. */
                keep = len < NEEDLE_LEN - 1 ? len : NEEDLE_LEN - 1;
                memmove(buf, buf + len - keep, keep);
        }
}
