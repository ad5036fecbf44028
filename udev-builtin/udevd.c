/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "udevd.h"

/*
 * The option's name as getopt_long() and systemd's option parser keep it:
 * a string of its own in the binary. Stock udevd has no such string, so
 * finding it says that the kmod builtin takes the option; not finding it
 * (a stripped or packed binary, another spelling) only costs the exec of
 * the program form, which works with every udevd.
 */
static const char needle[] = "async-probe";

/* Where systemd installs udevd: merged /usr first, then split /usr's /lib. */
int udevd_path(char *buf, size_t size)
{
        static const char * const paths[] = {
                "/usr/lib/systemd/systemd-udevd",
                "/lib/systemd/systemd-udevd",
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
 * or a negative errno when it cannot be read.
 */
int udevd_has_async_probe(const char *path)
{
        /* sizeof(needle) counts the NUL that ends the string in the binary. */
        char buf[65536 + sizeof(needle)];
        size_t keep = 0;
        struct stat st;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        /* Not a FIFO or a device, which could block or never end. */
        if (!S_ISREG(st.st_mode)) {
                r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
                goto out;
        }
        for (;;) {
                ssize_t n = read(fd, buf + keep, sizeof(buf) - keep);
                size_t len;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                len = keep + (size_t) n;
                if (memmem(buf, len, needle, sizeof(needle))) {
                        r = 1;
                        break;
                }
                /* A match may straddle two reads. */
                keep = len < sizeof(needle) - 1 ? len : sizeof(needle) - 1;
                memmove(buf, buf + len - keep, keep);
        }
out:
        close(fd);
        return r;
}
