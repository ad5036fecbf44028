/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel log, one line at a time, into what report.h holds. The lines
 * come from a file, /dev/kmsg or the journal, possibly truncated, mixed
 * with anything else, several boots long: whatever does not match a form
 * below exactly is counted and skipped. Nothing here trusts a length, a
 * number or a name from the log.
 *
 * The forms, from Linux 6.12 (drivers/base/dd.c, init/main.c, kernel
 * printk) and systemd's journalctl:
 *   "[    1.234567] MSG"                           dmesg, "[T12]" caller optional
 *   "<6>[    1.234567] MSG"                        dmesg -r: the record's priority
 *   "kern  :info  : [    1.234567] MSG"            dmesg -x: the same, in words
 *   "6,1234,1234567,-;MSG" + " KEY=value" lines    /dev/kmsg records
 *   "[    1.234567] HOST kernel: MSG"              journalctl -o short-monotonic
 *   "[    1.234567] HOST IDENT[PID]: TEXT"         a program's line in the journal
 *   "IDENT[PID]: TEXT"                             a program writing to /dev/kmsg
 * A record's priority holds its facility: the kernel's own records have
 * facility 0, what a program writes to /dev/kmsg never has (the kernel
 * sees to it). Where a form tells, a kernel record is read only for the
 * kernel's messages, though it may start like a program's line (a
 * segfault's "COMM[PID]: ", and any user names its own processes), and a
 * program's record only as a program's line.
 * and with the wall clock, times since the boot's first line:
 *   "[Fri Nov 27 01:06:10 2026] MSG"               dmesg -T, to the second
 *   "Nov 27 01:06:10 HOST kernel: MSG"             journalctl (-o short), to the second
 *   "Nov 27 01:06:10.123456 HOST kernel: MSG"      journalctl -o short-precise
 * journalctl's times are when journald received a line, not the kernel's:
 * the lines it reads from the ring buffer as it starts all get its start
 * time, and a step of the clock moves the lines after it. A probe's
 * duration is the kernel's in any form: it keeps it.
 * MSG, with initcall_debug:
 *   "probe of DEV returned R after N usecs"        at the end of every probe
 *   "calling  FN+0x0/0x10 [MOD] @ PID"             a module's init starts
 *   "initcall FN+0x0/0x10 [MOD] returned R after N usecs"
 * MSG, with dyndbg="file drivers/base/dd.c +p" ("PFX DEV: ", PFX being the
 * bus while the device has no driver):
 *   "PFX DEV: bus: 'BUS': really_probe: probing driver DRV with device"
 *   "PFX DEV: bus: 'BUS': __driver_probe_device: matched device with driver DRV"
 *   "PFX DEV: probing driver DRV asynchronously"   module load, async
 *   "PFX DEV: scheduling asynchronous probe"       device added, async
 *   "PFX DEV: driver DRV async attach completed: R", "PFX DEV: async probe completed"
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* Longer lines are cut: every form above fits well inside. */
#define LINE_MAX_LEN 4096

static bool skip(const char **p, const char *prefix)
{
        size_t n = strlen(prefix);

        if (strncmp(*p, prefix, n) != 0)
                return false;
        *p += n;
        return true;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Decimal digits, at least one, saturating at @max. */
bool report_parse_u64(const char **p, uint64_t max, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (!is_digit(*s))
                return false;
        for (; is_digit(*s); s++)
                v = v > (max - (uint64_t) (*s - '0')) / 10 ? max : v * 10 + (uint64_t) (*s - '0');
        *p = s;
        *ret = v;
        return true;
}

static bool parse_int(const char **p, int *ret)
{
        bool neg = skip(p, "-");
        uint64_t v;

        if (!report_parse_u64(p, (uint64_t) 1 << 31, &v))
                return false;
        if (neg)
                *ret = v >= ((uint64_t) 1 << 31) ? INT32_MIN : -(int) v;
        else
                *ret = v > INT32_MAX ? INT32_MAX : (int) v;
        return true;
}

/* The last occurrence of @needle in @s, or NULL. */
static const char *find_last(const char *s, const char *needle)
{
        const char *last = NULL;

        for (const char *q = strstr(s, needle); q; q = strstr(q + 1, needle))
                last = q;
        return last;
}

static void set_if_empty(char *dst, const char *src, size_t len)
{
        if (dst[0] == '\0' && len > 0)
                report_copy_name(dst, src, len);
}

/* "probe of DEV returned R after N usecs"; DEV may hold spaces: the last " returned " ends it. */
static int parse_probe(struct report *r, uint64_t t, const char *p)
{
        const char *ret = find_last(p, " returned "), *q;
        struct report_probe *pr;
        struct report_device *d;
        uint64_t usec;
        int result;

        if (ret == NULL || ret == p)
                return 0;
        q = ret + strlen(" returned ");
        if (!parse_int(&q, &result) || !skip(&q, " after ") || !report_parse_u64(&q, REPORT_USEC_MAX, &usec) ||
            strcmp(q, " usecs") != 0)
                return 0;

        r->initcall_debug = true;
        d = report_device_get(r, p, (size_t) (ret - p));
        pr = d ? report_probe_add(r) : NULL;
        if (pr == NULL) {
                r->dropped++;
                return 1;
        }
        memcpy(pr->device, d->name, sizeof(pr->device));
        memcpy(pr->bus, d->bus, sizeof(pr->bus));
        memcpy(pr->driver, d->driver[0] ? d->driver : d->async_driver, sizeof(pr->driver));
        pr->start_usec = t >= usec ? t - usec : 0;
        pr->end_usec = pr->start_usec + usec;
        pr->result = result;
        pr->dyndbg_start = d->started;
        pr->async_seen = d->async &&
                (d->async_driver[0] == '\0' || strcmp(d->async_driver, pr->driver) == 0);

        /* A module load schedules one async probe per device and driver: used up. */
        if (pr->async_seen && d->async_driver[0]) {
                pr->attach_usec = d->async_usec;
                d->async = false;
                d->async_driver[0] = '\0';
        }
        d->started = false;
        d->driver[0] = '\0';
        return 1;
}

/* "FN+0x0/0x10 [MOD]": the module, or false for a built-in initcall. */
static bool initcall_module(const char *fn, size_t len, const char **mod, size_t *mod_len)
{
        const char *open;

        if (len < 3 || fn[len - 1] != ']')
                return false;
        for (open = fn + len - 2; open > fn && *open != '['; open--)
                ;
        if (*open != '[' || open == fn || open[-1] != ' ' || open + 1 == fn + len - 1)
                return false;
        *mod = open + 1;
        *mod_len = (size_t) (fn + len - 1 - *mod);
        return true;
}

/* A module load; one past the limits is counted as left out. */
static struct report_module *module_add(struct report *r, const char *name, size_t len)
{
        struct report_module *m = report_module_add(r, name, len);

        if (m == NULL)
                r->dropped++;
        return m;
}

/* "calling  FN [MOD] @ PID" */
static int parse_calling(struct report *r, uint64_t t, const char *p)
{
        const char *at = find_last(p, " @ "), *q, *mod;
        struct report_module *m;
        size_t mod_len;
        uint64_t pid;

        if (at == NULL)
                return 0;
        q = at + 3;
        if (!report_parse_u64(&q, INT32_MAX, &pid) || *q != '\0')
                return 0;
        r->initcall_debug = true;
        if (!initcall_module(p, (size_t) (at - p), &mod, &mod_len))
                return 1;
        m = module_add(r, mod, mod_len);
        if (m) {
                m->start_usec = t;
                m->pid = (int) pid;
        }
        return 1;
}

/* "initcall FN [MOD] returned R after N usecs" */
static int parse_initcall(struct report *r, uint64_t t, const char *p)
{
        const char *ret = find_last(p, " returned "), *q, *mod;
        struct report_module *m = NULL;
        char name[REPORT_NAME_MAX];
        size_t mod_len;
        uint64_t usec;
        int result;

        if (ret == NULL)
                return 0;
        q = ret + strlen(" returned ");
        if (!parse_int(&q, &result) || !skip(&q, " after ") || !report_parse_u64(&q, REPORT_USEC_MAX, &usec) ||
            strcmp(q, " usecs") != 0)
                return 0;
        r->initcall_debug = true;
        if (!initcall_module(p, (size_t) (ret - p), &mod, &mod_len))
                return 1;

        report_copy_name(name, mod, mod_len);
        m = report_module_running(r, name);
        /* Its "calling" line was lost: the duration still tells the start. */
        if (m == NULL) {
                m = module_add(r, mod, mod_len);
                if (m == NULL)
                        return 1;
                m->start_usec = t >= usec ? t - usec : 0;
        }
        m->end_usec = t;
        m->result = result;
        report_module_finish(r, m);
        return 1;
}

/* What one of the driver core's debug lines says about a device. */
struct dd_line {
        enum {
                DD_START,               /* really_probe() begins */
                DD_MATCHED,             /* a driver matched: its bus and name */
                DD_BOUND,               /* nothing new */
                DD_ASYNC_DRIVER,        /* a module load scheduled an async probe */
                DD_ASYNC_DEVICE,        /* device_add() scheduled one */
                DD_ASYNC_DONE,
        } kind;
        const char *bus, *driver;
        size_t bus_len, driver_len;
};

/* "bus: 'BUS': FUNC: probing driver DRV with device" and its twins. */
static bool parse_bus_text(const char *p, struct dd_line *l)
{
        const char *end = strchr(p, '\''), *q;

        if (end == NULL || end == p)
                return false;
        l->bus = p;
        l->bus_len = (size_t) (end - p);
        q = end;
        if (!skip(&q, "': ") || (q = strstr(q, ": ")) == NULL)
                return false;
        q += 2;
        if (skip(&q, "probing driver ")) {
                end = find_last(q, " with device");
                if (end == NULL || end[strlen(" with device")] != '\0')
                        return false;
                l->kind = DD_START;
        } else if (skip(&q, "matched device with driver ")) {
                end = q + strlen(q);
                l->kind = DD_MATCHED;
        } else {
                l->kind = DD_BOUND;
                return true;
        }
        l->driver = q;
        l->driver_len = (size_t) (end - q);
        return l->driver_len > 0;
}

/* TEXT after "PFX DEV: "; PFX is the bus of a device without a driver. */
static bool parse_dd_text(int which, const char *pfx, size_t pfx_len, const char *rest,
                          struct dd_line *l)
{
        const char *end;

        switch (which) {
        case 0:
                return parse_bus_text(rest, l);
        case 1:
                end = find_last(rest, " asynchronously");
                if (end == NULL || end == rest || end[strlen(" asynchronously")] != '\0')
                        return false;
                *l = (struct dd_line) { DD_ASYNC_DRIVER, pfx, rest, pfx_len, (size_t) (end - rest) };
                return true;
        case 2:
                *l = (struct dd_line) { .kind = DD_ASYNC_DEVICE, .bus = pfx, .bus_len = pfx_len };
                return *rest == '\0';
        case 3:
                l->kind = DD_ASYNC_DONE;
                return strstr(rest, " async attach completed: ") != NULL;
        case 4:
                l->kind = DD_ASYNC_DONE;
                return *rest == '\0';
        }
        return false;
}

/*
 * "PFX DEV: TEXT" from the driver core's debug messages. DEV may hold
 * spaces; the known TEXT after it marks where it ends.
 */
static int parse_device_line(struct report *r, uint64_t t, const char *m)
{
        static const char * const texts[] = {
                ": bus: '",
                ": probing driver ",
                ": scheduling asynchronous probe",
                ": driver ",
                ": async probe completed",
        };
        const char *sp = strchr(m, ' '), *dev, *q = NULL;
        struct dd_line l = {};
        struct report_device *d;
        size_t which;

        if (sp == NULL || sp == m)
                return 0;
        dev = sp + 1;
        for (which = 0; which < sizeof(texts) / sizeof(texts[0]); which++) {
                q = strstr(dev, texts[which]);
                if (q && q > dev)
                        break;
        }
        if (which == sizeof(texts) / sizeof(texts[0]) ||
            !parse_dd_text((int) which, m, (size_t) (sp - m), q + strlen(texts[which]), &l))
                return 0;

        r->dyndbg = true;
        d = report_device_get(r, dev, (size_t) (q - dev));
        if (d == NULL) {
                r->dropped++;
                return 1;
        }
        if (l.bus)
                set_if_empty(d->bus, l.bus, l.bus_len);
        switch (l.kind) {
        case DD_START:
        case DD_MATCHED:
                d->started |= l.kind == DD_START;
                report_copy_name(d->driver, l.driver, l.driver_len);
                break;
        case DD_BOUND:
                break;
        case DD_ASYNC_DRIVER:
                report_copy_name(d->async_driver, l.driver, l.driver_len);
                d->async_usec = t;
                d->async = true;
                break;
        case DD_ASYNC_DEVICE:
                d->async_driver[0] = '\0';
                d->async = true;
                break;
        case DD_ASYNC_DONE:
                d->async = false;
                d->async_driver[0] = '\0';
                break;
        }
        return 1;
}

/* "IDENT[PID]: TEXT": a program's own line. Returns TEXT, or NULL. */
static const char *task_prefix(const char *m, size_t *ident_len, int *pid)
{
        const char *open = NULL, *q;
        uint64_t v;

        /* The ident holds no space; its last '[' opens the pid. */
        for (q = m; *q && *q != ' '; q++)
                if (*q == '[')
                        open = q;
        if (open == NULL || open == m)
                return NULL;
        q = open + 1;
        if (!report_parse_u64(&q, INT32_MAX, &v) || !skip(&q, "]: "))
                return NULL;
        *ident_len = (size_t) (open - m);
        *pid = (int) v;
        return q;
}

int report_parse_program_line(struct report *r, uint64_t t, const char *ident, size_t len, int pid,
                              const char *text, bool checked)
{
        const struct report_tool *tool = report_tool_find(ident, len);
        struct report_task *task = (struct report_task *) report_task_find(r, pid);
        const char *q = text, *end;

        /* The kernel log and a journal saved as text name a program as it named itself. */
        if (tool && !checked)
                r->program_names_as_written = true;
        if (task == NULL) {
                task = report_task_add(r, pid);
                if (task == NULL)
                        r->dropped++;
                else {
                        task->first_usec = t;
                        report_copy_name(task->ident, ident, len);
                }
        } else if (strlen(task->ident) != (len < REPORT_NAME_MAX ? len : REPORT_NAME_MAX - 1) ||
                   strncmp(task->ident, ident, strlen(task->ident)) != 0)
                task->renamed = true;
        if (tool && tool->marks_udevd && r->udevd_usec == 0)
                r->udevd_usec = t ? t : 1;

        /* systemd-modules-load says each module it inserted (module_load_and_warn()). */
        if (tool && tool->loader == REPORT_LOADER_MODULES_LOAD &&
            skip(&q, "Inserted module '") && (end = strchr(q, '\'')) && end > q) {
                char name[REPORT_NAME_MAX];
                struct report_module *m;

                report_copy_name(name, q, (size_t) (end - q));
                for (char *c = name; *c; c++)
                        if (*c == '-')
                                *c = '_';
                m = report_module_find(r, name);
                if (m == NULL) {
                        m = module_add(r, name, strlen(name));
                        if (m == NULL)
                                return 1;
                        m->start_usec = m->end_usec = t;
                        m->pid = pid;
                }
                m->inserted_by_modules_load = true;
        }
        return 1;
}

int report_parse_message(struct report *r, uint64_t t, const char *m, int facility)
{
        const char *q = m, *text;
        size_t len;
        int pid;

        if (facility > 0) {
                text = task_prefix(m, &len, &pid);
                return text ? report_parse_program_line(r, t, m, len, pid, text, false) : 0;
        }
        if (skip(&q, "probe of "))
                return parse_probe(r, t, q);
        if (skip(&q, "calling  "))
                return parse_calling(r, t, q);
        if (skip(&q, "initcall "))
                return parse_initcall(r, t, q);
        if (skip(&q, "Linux version ")) {
                /* Another boot in the same file: the report is about the last one. */
                if (r->n_probes || r->n_modules || r->n_tasks || r->n_devices)
                        report_forget(r);
                r->boots++;
                return 1;
        }
        if (skip(&q, "Run ") && strstr(q, " as init process")) {
                if (r->userspace_usec == 0)
                        r->userspace_usec = t ? t : 1;
                return 1;
        }
        text = facility < 0 ? task_prefix(m, &len, &pid) : NULL;
        if (text)
                return report_parse_program_line(r, t, m, len, pid, text, false);
        return parse_device_line(r, t, m);
}

/* dmesg -x's names of facilities and levels (util-linux). */
static const char * const facility_names[] = {
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
};
static const char * const level_names[] = {
        "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
};

/* A word of @names, padded with spaces, then ':': its index, or -1. */
static int skip_name(const char **p, const char * const *names, size_t n_names)
{
        const char *q = *p;
        size_t n = strspn(q, "abcdefghijklmnopqrstuvwxyz");

        for (size_t i = 0; i < n_names; i++)
                if (strlen(names[i]) == n && strncmp(q, names[i], n) == 0) {
                        for (q += n; *q == ' '; q++)
                                ;
                        if (*q != ':')
                                return -1;
                        *p = q + 1;
                        return (int) i;
                }
        return -1;
}

/*
 * The record's facility before the time, if there: dmesg -r's "<6>"
 * (facility * 8 + level), dmesg -x's "kern  :info  : ".
 */
static bool skip_level(const char **p, int *facility)
{
        const char *q = *p;
        uint64_t v;
        int f;

        if (*q == '<') {
                q++;
                if (!report_parse_u64(&q, 1024, &v) || *q++ != '>')
                        return false;
                *facility = (int) (v >> 3);
        } else if ((f = skip_name(&q, facility_names, sizeof(facility_names) / sizeof(facility_names[0]))) >= 0 &&
                   skip_name(&q, level_names, sizeof(level_names) / sizeof(level_names[0])) >= 0 && *q == ' ') {
                q++;
                *facility = f;
        } else
                q = *p;
        *p = q;
        return true;
}

/* The caller id after the time, "[T123]", if there, and a space. */
static bool skip_caller(const char **p)
{
        const char *q = *p;

        if (*q == '[') {
                const char *close = strchr(q, ']');

                if (close == NULL)
                        return false;
                q = close + 1;
        }
        if (*q == ' ')
                q++;
        *p = q;
        return true;
}

/* "[    1.234567]" with an optional "<6>" before and "[T123]" after. */
static bool parse_bracket_time(const char **p, uint64_t *t, int *facility)
{
        const char *q = *p;
        uint64_t s, us = 0, digits = 0;
        int f = -1;

        if (!skip_level(&q, &f) || *q++ != '[')
                return false;
        while (*q == ' ')
                q++;
        if (!report_parse_u64(&q, REPORT_USEC_MAX / 1000000, &s) || *q++ != '.')
                return false;
        /* Six digits are microseconds; more or fewer are scaled to them. */
        for (; is_digit(*q); q++, digits++)
                if (digits < 6)
                        us = us * 10 + (uint64_t) (*q - '0');
        if (digits == 0)
                return false;
        for (; digits < 6; digits++)
                us *= 10;
        if (*q++ != ']' || !skip_caller(&q))
                return false;
        *p = q;
        *t = s * 1000000 + us > REPORT_USEC_MAX ? REPORT_USEC_MAX : s * 1000000 + us;
        *facility = f;
        return true;
}

static const char * const months[] = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
};

/* "Nov" (English, as dmesg and journalctl print it in the C locale): 1 to 12, or 0. */
static int parse_month(const char **p)
{
        for (int m = 0; m < 12; m++)
                if (strncasecmp(*p, months[m], 3) == 0) {
                        *p += 3;
                        return m + 1;
                }
        return 0;
}

static bool parse_2digits(const char **p, unsigned max, unsigned *ret)
{
        const char *q = *p;

        if (!is_digit(q[0]) || !is_digit(q[1]))
                return false;
        *ret = (unsigned) (q[0] - '0') * 10 + (unsigned) (q[1] - '0');
        *p = q + 2;
        return *ret <= max;
}

/* Days from 1970-01-01 to @y-@m-@d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        int64_t era, yoe, doy;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* A wall-clock time as dmesg -T and journalctl print it. */
struct wall_time {
        unsigned year;          /* 0: not given (journalctl) */
        unsigned month, day;
        uint64_t usec;          /* into the day */
        bool fraction;          /* to the microsecond, not the second */
};

/* "Nov 27 01:06:10[.123456]", the day padded with a space or a zero. */
static bool parse_wall(const char **p, struct wall_time *w)
{
        const char *q = *p;
        unsigned h, min, sec;
        uint64_t us = 0, digits = 0;

        if ((w->month = (unsigned) parse_month(&q)) == 0 || *q++ != ' ')
                return false;
        if (*q == ' ')
                q++;
        if (is_digit(q[0]) && !is_digit(q[1]))
                w->day = (unsigned) (*q++ - '0');
        else if (!parse_2digits(&q, 31, &w->day))
                return false;
        if (w->day == 0 || *q++ != ' ' || !parse_2digits(&q, 23, &h) || *q++ != ':' ||
            !parse_2digits(&q, 59, &min) || *q++ != ':' || !parse_2digits(&q, 60, &sec))
                return false;
        w->fraction = *q == '.';
        if (w->fraction) {
                for (q++; is_digit(*q); q++, digits++)
                        if (digits < 6)
                                us = us * 10 + (uint64_t) (*q - '0');
                if (digits == 0)
                        return false;
                for (; digits < 6; digits++)
                        us *= 10;
        }
        w->usec = (uint64_t) (h * 3600 + min * 60 + sec) * 1000000 + us;
        *p = q;
        return true;
}

/* dmesg -T: "[Fri Nov 27 01:06:10 2026]", "<6>" before and "[T123]" after optional. */
static bool parse_bracket_wall(const char **p, struct wall_time *w, int *facility)
{
        const char *q = *p, *year_at;
        uint64_t y = 0;
        int f = -1;

        if (!skip_level(&q, &f) || *q++ != '[')
                return false;
        for (int i = 0; i < 3; i++, q++)
                if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
                        return false;
        if (*q++ != ' ')
                return false;
        /* The year comes last: read it first. */
        year_at = strchr(q, ']');
        if (year_at == NULL || year_at - q < 20)
                return false;
        year_at -= 4;
        if (year_at[-1] != ' ' || !report_parse_u64(&year_at, 9999, &y) || *year_at != ']' || y < 1970)
                return false;
        if (!parse_wall(&q, w) || w->fraction || *q != ' ' || q + 5 != year_at)
                return false;
        w->year = (unsigned) y;
        q = year_at + 1;
        if (!skip_caller(&q))
                return false;
        *p = q;
        *facility = f;
        return true;
}

/*
 * Days from @m1/@d1 to @m2/@d2, @dy years on (-1, 0, 1). With no year
 * given, the years have no Feb 29 unless one of the dates is one.
 */
static int64_t days_between(unsigned m1, unsigned d1, unsigned m2, unsigned d2, int dy)
{
        int64_t y1 = 2002;      /* 2001 to 2003: common years */

        if (m1 == 2 && d1 == 29)
                y1 = 2004;
        else if (m2 == 2 && d2 == 29)
                y1 = 2004 - dy;
        return days_from_civil(y1 + dy, m2, d2) - days_from_civil(y1, m1, d1);
}

/* The day of @w, as days counted on from the last line's: journalctl's have no year. */
static int64_t wall_day(struct report *r, const struct wall_time *w)
{
        int64_t d;

        if (w->year)
                return days_from_civil(w->year, w->month, w->day);
        if (!r->wall_set)
                return 0;
        d = days_between(r->wall_month, r->wall_mday, w->month, w->day, 0);
        /* Half a year back is New Year (one boot sees one); half a year on, a line from before it. */
        if (d < -183 && !r->wall_next_year) {
                d = days_between(r->wall_month, r->wall_mday, w->month, w->day, 1);
                r->wall_next_year = true;
        } else if (d > 183 && r->wall_next_year) {
                d = days_between(r->wall_month, r->wall_mday, w->month, w->day, -1);
                r->wall_next_year = false;
        }
        /* Hostile dates cannot walk the count off (a day gained at each Feb 29 seen). */
        d += r->wall_day;
        return d > 3660000 ? 3660000 : d < -3660000 ? -3660000 : d;
}

/*
 * A wall-clock time, as microseconds since the boot's first line (or its
 * "Linux version" line), at most REPORT_USEC_MAX: the resolution of the
 * time's form is the log's.
 */
static uint64_t since_boot(struct report *r, const struct wall_time *w, const char *msg)
{
        const char *sp = strchr(msg, ' ');
        int64_t day = wall_day(r, w), v;

        r->wall_day = day;
        r->wall_month = w->month;
        r->wall_mday = w->day;
        v = day * 86400 * 1000000 + (int64_t) w->usec;
        if (!r->wall_set || strncmp(msg, "Linux version ", 14) == 0 ||
            (sp && strncmp(sp + 1, "kernel: Linux version ", 22) == 0)) {
                r->wall_base_usec = v;
                r->wall_set = true;
        }
        if (!w->fraction)
                r->wall_seconds = true;
        if (v <= r->wall_base_usec)
                return 0;
        return (uint64_t) (v - r->wall_base_usec) > REPORT_USEC_MAX ? REPORT_USEC_MAX :
                (uint64_t) (v - r->wall_base_usec);
}

/* "Nov 27 01:06:10[.123456] " of journalctl's short forms, or dmesg -T's. */
static bool parse_wall_time(struct report *r, const char **p, uint64_t *t, int *facility)
{
        const char *q = *p;
        struct wall_time w = {};

        if (parse_bracket_wall(&q, &w, facility))
                ;
        else if (parse_wall(&q, &w) && *q == ' ') {
                q++;
                r->times_received = true;
        } else
                return false;
        *t = since_boot(r, &w, q);
        *p = q;
        return true;
}

/* "PRI,SEQ,USEC,FLAGS[,...];", PRI being facility * 8 + level. */
static bool parse_kmsg_prefix(const char **p, uint64_t *t, int *facility)
{
        const char *q = *p, *semi;
        uint64_t pri, v;

        if (!report_parse_u64(&q, 1024, &pri) || *q++ != ',' || !report_parse_u64(&q, UINT64_MAX, &v) ||
            *q++ != ',' || !report_parse_u64(&q, REPORT_USEC_MAX, t) || *q != ',')
                return false;
        semi = strchr(q, ';');
        if (semi == NULL)
                return false;
        *p = semi + 1;
        *facility = (int) (pri >> 3);
        return true;
}

/* "+BUS:NAME", a kernel record's device (/dev/kmsg's DEVICE=, the journal's _KERNEL_DEVICE): its bus. */
int report_parse_device_bus(struct report *r, const char *p)
{
        const char *colon;
        struct report_device *d;

        if (!skip(&p, "+"))
                return 0;
        colon = strchr(p, ':');
        if (colon == NULL || colon == p || colon[1] == '\0')
                return 0;
        d = report_device_get(r, colon + 1, strlen(colon + 1));
        if (d == NULL) {
                r->dropped++;
                return 1;
        }
        set_if_empty(d->bus, p, (size_t) (colon - p));
        return 1;
}

/* A /dev/kmsg record's " DEVICE=+BUS:NAME". */
static int parse_dict(struct report *r, const char *p)
{
        return skip(&p, "DEVICE=") ? report_parse_device_bus(r, p) : 0;
}

/*
 * After the timestamp: where the form gives no facility, a journalctl
 * line's "HOST kernel: MSG" is the kernel's (journalctl names it so for
 * facility 0), "HOST IDENT[PID]: TEXT" a program's; anything else is a
 * kernel message as dmesg prints it.
 */
static int parse_after_time(struct report *r, uint64_t t, const char *m, int facility)
{
        const char *sp = strchr(m, ' '), *q, *text;
        size_t len;
        int pid;

        if (facility < 0 && sp && sp > m) {
                q = sp + 1;
                if (skip(&q, "kernel: "))
                        return report_parse_message(r, t, q, 0);
                text = task_prefix(sp + 1, &len, &pid);
                if (text) {
                        /*
                         * A journal saved as text (journalctl -b) with programs' lines: a
                         * program names itself as it chooses, even "kernel: probe of X".
                         */
                        r->program_names_as_written = r->kernel_lines_as_written = true;
                        return report_parse_program_line(r, t, sp + 1, len, pid, text, false);
                }
        }
        return report_parse_message(r, t, m, facility);
}

/*
 * One line, any of the forms above; @len bytes, no NUL needed. What does
 * not fit (limits, memory) is counted in r->dropped, so this cannot fail.
 */
int report_parse_line(struct report *r, const char *line, size_t len)
{
        char buf[LINE_MAX_LEN];
        const char *p = buf;
        uint64_t t;
        int used, facility = -1;

        if (len > 0 && line[0] == '{') {
                r->lines++;
                if (report_parse_journal_entry(r, line, len) > 0)
                        r->lines_used++;
                return 0;
        }
        if (len >= sizeof(buf))
                len = sizeof(buf) - 1;
        memcpy(buf, line, len);
        buf[len] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        r->lines++;

        if (buf[0] == ' ')
                used = parse_dict(r, buf + 1);
        else if (parse_kmsg_prefix(&p, &t, &facility) || parse_bracket_time(&p, &t, &facility) ||
                 parse_wall_time(r, &p, &t, &facility)) {
                if (t > r->last_usec)
                        r->last_usec = t;
                used = parse_after_time(r, t, p, facility);
        } else {
                /* A program's line in /dev/kmsg read as text: no time, but a pid. */
                const char *text;
                size_t ident_len;
                int pid;

                text = task_prefix(buf, &ident_len, &pid);
                used = text ? report_parse_program_line(r, r->last_usec, buf, ident_len, pid, text, false) : 0;
        }
        if (used > 0)
                r->lines_used++;
        return 0;
}

/* A whole buffer of lines (the fuzzer's entry, and files read at once). */
int report_parse_buffer(struct report *r, const char *data, size_t size)
{
        while (size > 0) {
                const char *nl = memchr(data, '\n', size);
                size_t len = nl ? (size_t) (nl - data) : size;
                int k = report_parse_line(r, data, len);

                if (k < 0)
                        return k;
                len += nl != NULL;
                data += len;
                size -= len;
        }
        return 0;
}
