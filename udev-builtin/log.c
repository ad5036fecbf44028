/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

#define IDENTIFIER "udev-async-probe"
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define LINE_MAX_LEN 2048

/* Set once at startup, like any udev builtin's log level. */
static int max_level = LOG_INFO;
/* libkmod's own chatter is only wanted at -vv. */
static int kmod_level = LOG_WARNING;
#if HAVE_JOURNAL
static bool to_journal;
#endif
/* stderr, opened again as a file description of our own that never blocks. */
static int stderr_fd = STDERR_FILENO;

static int level_from_string(const char *s)
{
        static const char * const names[] = {
                "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
        };
        char *end;
        long l;
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        l = strtol(s, &end, 10);
        if (*s == '\0' || *end != '\0' || l < LOG_EMERG || l > LOG_DEBUG)
                return -EINVAL;
        return (int) l;
}

/* SYSTEMD_LOG_LEVEL, as systemd's tools honour it; options given later win. */
void log_parse_environment(void)
{
        const char *e = getenv("SYSTEMD_LOG_LEVEL");
        int l;

        if (e) {
                l = level_from_string(e);
                if (l >= 0)
                        log_set_max_level(l);
        }
}

/*
 * When udev runs us for an event, stderr goes to udevd's debug log only,
 * so prefer the journal there; SYSTEMD_LOG_TARGET decides otherwise.
 */
void log_open(bool udev_event)
{
        struct stat st;
        int fd, flags;
#if HAVE_JOURNAL
        const char *e = getenv("SYSTEMD_LOG_TARGET");

        if (e && strcmp(e, "journal") == 0)
                to_journal = true;
        else if (e && strcmp(e, "console") == 0)
                to_journal = false;
        else
                to_journal = udev_event && access(JOURNAL_SOCKET, F_OK) == 0;
#else
        (void) udev_event;
#endif
        /*
         * O_NONBLOCK on stderr itself would change it for whoever shares it
         * (a shell, udevd); a second open gets a description of our own,
         * with the flags stderr has (O_APPEND). A regular file never
         * blocks, and a second open of it would write at an offset of its
         * own, over what is there: that one is used as it is.
         */
        flags = fcntl(STDERR_FILENO, F_GETFL);
        if (flags < 0 || (fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode)))
                return;
        fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (flags & O_APPEND));
        if (fd >= 0)
                stderr_fd = fd;
}

void log_set_max_level(int level)
{
        max_level = level;
        if (kmod_level > level)
                kmod_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

void log_set_kmod_level(int level)
{
        kmod_level = level;
}

int log_get_kmod_level(void)
{
        return kmod_level;
}

/*
 * stderr may be a pipe to udevd that nobody drains, or one it already
 * closed (POLLERR: writing would raise SIGPIPE): write only what fits now,
 * without waiting. A line below PIPE_BUF is written whole or not at all.
 */
static void log_to_stderr(const char *msg)
{
        char line[LINE_MAX_LEN + sizeof(IDENTIFIER ": \n")];
        struct pollfd p = { .fd = stderr_fd, .events = POLLOUT };
        int n;

        n = snprintf(line, sizeof(line), IDENTIFIER ": %s\n", msg);
        if (n < 0)
                return;
        if ((size_t) n >= sizeof(line))
                n = sizeof(line) - 1;
        if (poll(&p, 1, 0) != 1 || p.revents != POLLOUT)
                return;
        (void) !write(stderr_fd, line, n);
}

#if HAVE_JOURNAL
static size_t add_field(char *buf, size_t size, size_t off, const char *field)
{
        int n;

        if (off >= size)
                return off;
        n = snprintf(buf + off, size - off, "%s\n", field);
        return n < 0 ? size : off + n;
}

/*
 * The journal's native protocol: one datagram of KEY=value lines (values
 * are escaped, so none holds a newline). Sent without waiting: a journal
 * that cannot take the message now loses it to stderr, and a udev event
 * never waits on logging. libsystemd's sd_journal_send() would block.
 */
static int log_to_journal(int level, int error, const char * const *fields, const char *msg)
{
        static const struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
        char buf[4 * LINE_MAX_LEN], field[LINE_MAX_LEN + 64], value[LINE_MAX_LEN];
        size_t off = 0;
        ssize_t n;
        int fd;

        snprintf(field, sizeof(field), "MESSAGE=%s", msg);
        off = add_field(buf, sizeof(buf), off, field);
        snprintf(field, sizeof(field), "PRIORITY=%i", level);
        off = add_field(buf, sizeof(buf), off, field);
        off = add_field(buf, sizeof(buf), off, "SYSLOG_IDENTIFIER=" IDENTIFIER);
        if (error != 0) {
                snprintf(field, sizeof(field), "ERRNO=%i", error);
                off = add_field(buf, sizeof(buf), off, field);
        }
        for (; fields && *fields; fields++) {
                utf8_escape(*fields, value, sizeof(value));
                off = add_field(buf, sizeof(buf), off, value);
        }
        if (off >= sizeof(buf))
                return -E2BIG;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        n = sendto(fd, buf, off, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *) &sa, sizeof(sa));
        if (n < 0)
                n = -errno;
        close(fd);
        return n < 0 ? (int) n : 0;
}
#endif

/*
 * Log one message, with optional "KEY=value" journal fields. Returns
 * -error so callers can "return log_error_errno(r, ...)".
 */
int log_fields(int level, int error, const char * const *fields, const char *format, ...)
{
        /* libkmod logs through us between a failing call and its read of errno. */
        int saved_errno = errno;
        char raw[LINE_MAX_LEN], msg[LINE_MAX_LEN];
        va_list ap;

        error = error < 0 ? -error : error;
        if (level > max_level)
                return -error;

        /* Let "%m" in the format name the error. */
        errno = error;
        va_start(ap, format);
        vsnprintf(raw, sizeof(raw), format, ap);
        va_end(ap);
        utf8_escape(raw, msg, sizeof(msg));

#if HAVE_JOURNAL
        if (!to_journal || log_to_journal(level, error, fields, msg) < 0)
#else
        (void) fields;
#endif
                log_to_stderr(msg);
        errno = saved_errno;
        return -error;
}

/* libkmod's own messages go through the same target, at their own level. */
void log_kmod(void *data, int priority, const char *file, int line, const char *fn,
              const char *format, va_list args)
{
        char msg[LINE_MAX_LEN];
        int saved_errno;
        size_t len;

        (void) data, (void) file, (void) line, (void) fn;
        if (priority > kmod_level)
                return;
        /* libkmod formats with "%m" and reads errno after logging. */
        saved_errno = errno;
        vsnprintf(msg, sizeof(msg), format, args);
        errno = saved_errno;
        len = strlen(msg);
        if (len > 0 && msg[len - 1] == '\n')
                msg[len - 1] = '\0';
        log_fields(priority, 0, NULL, "libkmod: %s", msg);
}
