/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if HAVE_LIBSYSTEMD
#include <dlfcn.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#endif

#include "log.h"

#define IDENTIFIER "udev-async-probe"

/* Set once at startup, like any udev builtin's log level. */
static int max_level = LOG_INFO;
#if HAVE_LIBSYSTEMD
static bool to_journal;
#endif

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

/*
 * Follow the environment variables systemd's tools honour. When udev runs
 * us, stderr goes to udevd's debug log only, so prefer the journal there.
 */
void log_setup(bool udev_event)
{
        const char *e;
        int l;

        e = getenv("SYSTEMD_LOG_LEVEL");
        if (e) {
                l = level_from_string(e);
                if (l >= 0)
                        max_level = l;
        }

#if HAVE_LIBSYSTEMD
        e = getenv("SYSTEMD_LOG_TARGET");
        if (e && strcmp(e, "journal") == 0)
                to_journal = true;
        else if (e && strcmp(e, "console") == 0)
                to_journal = false;
        else
                to_journal = udev_event && access("/run/systemd/journal/socket", F_OK) == 0;
#else
        (void) udev_event;
#endif
}

int log_get_max_level(void)
{
        return max_level;
}

#if HAVE_LIBSYSTEMD
/*
 * libsystemd is loaded on the first message for the journal: most loads
 * log nothing at the default level, and loading it would cost a udev
 * event more than the whole decision does.
 */
static __typeof__(&sd_journal_sendv) journal_sendv_fn(void)
{
        static __typeof__(&sd_journal_sendv) fn;
        static bool tried;
        void *dl;

        if (tried)
                return fn;
        tried = true;
        dl = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (dl)
                fn = (__typeof__(fn)) dlsym(dl, "sd_journal_sendv");
        return fn;
}

static void log_to_journal(int level, int error, const char * const *fields, const char *msg)
{
        char priority[32], errnobuf[32], *message = NULL;
        struct iovec iov[16];
        size_t n = 0;

        if (asprintf(&message, "MESSAGE=%s", msg) < 0)
                return;
        snprintf(priority, sizeof(priority), "PRIORITY=%i", level);
        iov[n++] = (struct iovec) { message, strlen(message) };
        iov[n++] = (struct iovec) { priority, strlen(priority) };
        iov[n++] = (struct iovec) { (char *) "SYSLOG_IDENTIFIER=" IDENTIFIER,
                                    strlen("SYSLOG_IDENTIFIER=" IDENTIFIER) };
        if (error != 0) {
                snprintf(errnobuf, sizeof(errnobuf), "ERRNO=%i", error);
                iov[n++] = (struct iovec) { errnobuf, strlen(errnobuf) };
        }
        for (; fields && *fields && n < sizeof(iov) / sizeof(iov[0]); fields++)
                iov[n++] = (struct iovec) { (char *) *fields, strlen(*fields) };

        /* Logging must never fail a load: fall back to stderr. */
        if (journal_sendv_fn() == NULL || journal_sendv_fn()(iov, (int) n) < 0)
                fprintf(stderr, IDENTIFIER ": %s\n", msg);
        free(message);
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
        char msg[2048];
        va_list ap;

        error = error < 0 ? -error : error;
        if (level > max_level)
                return -error;

        /* Let "%m" in the format name the error. */
        errno = error;
        va_start(ap, format);
        vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);

#if HAVE_LIBSYSTEMD
        if (to_journal)
                log_to_journal(level, error, fields, msg);
        else
#else
        (void) fields;
#endif
                fprintf(stderr, IDENTIFIER ": %s\n", msg);
        errno = saved_errno;
        return -error;
}

/* libkmod's own messages go through the same target and level. */
void log_kmod(void *data, int priority, const char *file, int line, const char *fn,
              const char *format, va_list args)
{
        char msg[2048];
        int saved_errno;
        size_t len;

        (void) data, (void) file, (void) line, (void) fn;
        if (priority > max_level)
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
