/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state directory, /run/udev-async-probe: reached through no link
 * someone put there, written with new files only. A full or read-only
 * /run only means doing without: every caller goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

/* A directory that is not there: why it could not be made (EROFS, ENOSPC), not ENOENT. */
static int opened(int fd, int made)
{
        if (fd >= 0)
                return fd;
        return errno == ENOENT && made < 0 ? made : -errno;
}

/* The state directory as a descriptor (made first if @create), or -errno. */
int state_dir(bool create)
{
        int made = 0;

        if (create && mkdir(STATE_DIR, 0755) < 0)
                made = -errno;
        return opened(open(STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), made);
}

/* The directory @name in @dir, as state_dir() opens it, or -errno. */
int state_subdir(int dir, const char *name, bool create)
{
        int made = 0;

        if (create && mkdirat(dir, name, 0755) < 0)
                made = -errno;
        return opened(openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), made);
}

/* A new file @name in @dir, with @text; 0 or -errno. */
int state_write_new_file(int dir, const char *name, const char *text)
{
        size_t len = strlen(text);
        ssize_t n;
        int fd, r = 0;

        fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) {
                /* Left by a process of the same pid, or put there: not ours to write through. */
                (void) unlinkat(dir, name, 0);
                fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        }
        if (fd < 0)
                return -errno;
        n = write(fd, text, len);
        if (n < 0)
                r = -errno;
        else if ((size_t) n != len)
                r = -ENOSPC;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/*
 * Replace @name in @dir with a file holding @text, written first as @tmp in
 * @tmp_dir (on the same file system; a name of the caller's own, as events
 * run in parallel): a reader finds the old file or the new one, whole.
 */
int state_replace_file(int tmp_dir, const char *tmp, int dir, const char *name, const char *text)
{
        int r;

        r = state_write_new_file(tmp_dir, tmp, text);
        if (r == 0 && renameat(tmp_dir, tmp, dir, name) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(tmp_dir, tmp, 0);
        return r;
}
