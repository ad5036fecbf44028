/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/*
 * The kernel's read-back of whether @module was loaded with async_probe=1
 * ("0" or "1"): async_probe_requested, or async_probe, its name in the
 * series' v3, where that is what the kernel has. 0, or -errno.
 */
int read_module_async_probe(const char *module, char *buf, size_t size)
{
        char path[4096];
        int r;

        snprintf(path, sizeof(path), "/sys/module/%s/async_probe_requested", module);
        r = read_one_line(path, buf, size);
        if (r != -ENOENT)
                return r;
        snprintf(path, sizeof(path), "/sys/module/%s/async_probe", module);
        return read_one_line(path, buf, size);
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
