/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where one boot's kernel log comes from: a file (dmesg, journalctl or
 * /dev/kmsg text), the kernel's own ring buffer, or the journal. Each
 * line goes to the parser as it is read; a line of journalctl -o json
 * may be long, a text line is parsed from its first REPORT_LINE_MAX - 1
 * bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "input.h"
#include "parse.h"

extern char **environ;

/*
 * One line into @buf, at most @size - 1 bytes of it and its byte count
 * (a NUL in a line is a byte like any other); the rest of a longer line
 * is skipped, so a line that never ends costs no memory. -1 at the end.
 */
static ssize_t read_line(FILE *f, char *buf, size_t size)
{
        size_t n = 0;
        int c;

        while ((c = getc_unlocked(f)) != EOF) {
                if (c == '\n')
                        return (ssize_t) n;
                if (n < size - 1)
                        buf[n++] = (char) c;
        }
        return n > 0 ? (ssize_t) n : -1;
}

static int read_stream(struct report *r, FILE *f)
{
        _cleanup_free_ char *line = malloc(REPORT_JSON_LINE_MAX);
        ssize_t n;

        if (line == NULL)
                return -ENOMEM;
        while ((n = read_line(f, line, REPORT_JSON_LINE_MAX)) >= 0)
                (void) report_parse_line(r, line, (size_t) n);
        return ferror(f) ? -EIO : 0;
}

/* "-" is standard input. */
int report_read_file(struct report *r, const char *path)
{
        _cleanup_(fclosep) FILE *f = NULL;
        int k;

        if (strcmp(path, "-") == 0)
                return read_stream(r, stdin);
        f = fopen(path, "re");
        if (f == NULL)
                return log_error_errno(errno, "Failed to open %s: %m", path);
        k = read_stream(r, f);
        if (k < 0)
                return log_error_errno(k, "Failed to read %s: %m", path);
        return 0;
}

/*
 * The ring buffer from its oldest record: one record per read(), its
 * dictionary lines after it. Records overwritten while reading (EPIPE)
 * are skipped; the end is EAGAIN.
 */
int report_read_kmsg(struct report *r)
{
        char buf[16384];
        int fd;

        fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open /dev/kmsg: %m (as root, or with --journal or --dmesg=FILE)");
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf) - 1);

                if (n < 0 && (errno == EPIPE || errno == EINTR))
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0) {
                        int k = -errno;

                        close(fd);
                        return log_error_errno(k, "Failed to read /dev/kmsg: %m");
                }
                if (n == 0)
                        break;
                (void) report_parse_buffer(r, buf, (size_t) n);
        }
        close(fd);
        return 0;
}

/*
 * The caller's environment for journalctl, without colours: SYSTEMD_COLORS=1
 * colours its JSON even into a pipe. The strings stay the caller's.
 */
static char **journalctl_environment(void)
{
        size_t n = 0, k = 0;
        char **env;

        while (environ[n])
                n++;
        env = calloc(n + 2, sizeof(*env));
        if (env == NULL)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (strncmp(environ[i], "SYSTEMD_COLORS=", strlen("SYSTEMD_COLORS=")) != 0)
                        env[k++] = environ[i];
        env[k] = (char *) "SYSTEMD_COLORS=0";
        return env;
}

/*
 * A boot's journal, every program's lines and the kernel's, as JSON: the
 * fields journald sets itself tell who wrote each line (journal.c).
 * journalctl's own errors go to the user; an empty journal is one too.
 */
int report_read_journal(struct report *r, const char *boot)
{
        _cleanup_free_ char *boot_arg = NULL;
        _cleanup_free_ char **env = journalctl_environment();
        char *argv[] = { "journalctl", "--boot", "-o", "json",
                         "--output-fields=MESSAGE,_TRANSPORT,SYSLOG_IDENTIFIER,SYSLOG_PID,SYSLOG_FACILITY,"
                         "_PID,_COMM,_SYSTEMD_UNIT,_SOURCE_MONOTONIC_TIMESTAMP,_KERNEL_DEVICE",
                         "--no-pager", NULL };
        posix_spawn_file_actions_t fa;
        _cleanup_(fclosep) FILE *f = NULL;
        int p[2], k, status;
        pid_t pid;

        if (env == NULL)
                return log_oom();
        if (boot) {
                if (asprintf(&boot_arg, "--boot=%s", boot) < 0)
                        return log_oom();
                argv[1] = boot_arg;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(errno, "Failed to make a pipe: %m");
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
        k = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        if (k != 0) {
                close(p[0]);
                return log_error_errno(k, "Failed to run journalctl: %m");
        }
        f = fdopen(p[0], "re");
        if (f == NULL) {
                close(p[0]);
                k = -errno;
        } else
                k = read_stream(r, f);
        /* Read to the end or not: a journalctl still writing then ends (EPIPE) rather than block. */
        fclosep(&f);
        f = NULL;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for journalctl: %m");
        if (k < 0)
                return log_error_errno(k, "Failed to read journalctl's output: %m");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return log_error_errno(EIO, "journalctl failed (%s %i), see its message.",
                                       WIFEXITED(status) ? "exit status" : "signal",
                                       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        if (r->journal_kernel_lines == 0)
                return log_error_errno(ENODATA, "The journal has no kernel lines of %s%s: no journal "
                                       "(systemd-journald, /var/log/journal), or not readable by this user "
                                       "(root, or the groups systemd-journal and adm).",
                                       boot ? "boot " : "this boot", boot ? boot : "");
        return 0;
}
