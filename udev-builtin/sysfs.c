/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"

/* The first line of a small file such as a sysfs attribute, without its newline. */
int read_line_fd(int fd, char *buf, size_t size)
{
        ssize_t n = read(fd, buf, size - 1);

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

int read_one_line(const char *path, char *buf, size_t size)
{
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = read_line_fd(fd, buf, size);
        close(fd);
        return r;
}
