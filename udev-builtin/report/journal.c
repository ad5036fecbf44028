/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The journal as "journalctl -o json" prints it, one entry per line, and
 * whom to believe. Any user can log under any name (logger -t NAME,
 * systemd-cat): SYSLOG_IDENTIFIER is what a program says it is. The
 * fields whose names start with '_' journald sets itself, from the
 * kernel's word: how the line came (_TRANSPORT), which process sent it
 * (_PID, _COMM) and in which unit (_SYSTEMD_UNIT). So a kernel line is
 * one of _TRANSPORT=kernel with SYSLOG_FACILITY=0 (the kernel's own: a
 * line a program writes to /dev/kmsg has another facility), and a tool's
 * line the report draws on counts as checked only from that tool's unit.
 *
 * journalctl prints every value as a string, a field that is not UTF-8
 * or holds control characters as an array of its bytes, a field given
 * more than once as an array of strings, and one too long as null.
 */
#include <stdio.h>
#include <string.h>

#include "parse.h"

enum {
        F_MESSAGE,
        F_TRANSPORT,
        F_IDENT,                /* SYSLOG_IDENTIFIER */
        F_SYSLOG_PID,
        F_PID,
        F_COMM,
        F_UNIT,                 /* _SYSTEMD_UNIT */
        F_SOURCE_MONOTONIC,     /* the kernel's own time of a kernel line */
        F_MONOTONIC,            /* when journald received the line */
        F_KERNEL_DEVICE,        /* "+BUS:NAME" of a kernel line about a device */
        F_FACILITY,             /* SYSLOG_FACILITY: 0 for the kernel's own lines */
        N_FIELDS,
};

static const char * const field_names[N_FIELDS] = {
        [F_MESSAGE] = "MESSAGE",
        [F_TRANSPORT] = "_TRANSPORT",
        [F_IDENT] = "SYSLOG_IDENTIFIER",
        [F_SYSLOG_PID] = "SYSLOG_PID",
        [F_PID] = "_PID",
        [F_COMM] = "_COMM",
        [F_UNIT] = "_SYSTEMD_UNIT",
        [F_SOURCE_MONOTONIC] = "_SOURCE_MONOTONIC_TIMESTAMP",
        [F_MONOTONIC] = "__MONOTONIC_TIMESTAMP",
        [F_KERNEL_DEVICE] = "_KERNEL_DEVICE",
        [F_FACILITY] = "SYSLOG_FACILITY",
};

struct value {
        char *buf;
        size_t size, len;       /* a longer value is cut to size - 1 bytes */
        bool set, bad;          /* bad: more than once, or not one value */
};

struct entry {
        struct value f[N_FIELDS];
        char message[REPORT_LINE_MAX];
        char small[N_FIELDS - 1][REPORT_NAME_MAX];
};

struct json {
        const char *p, *end;
};

static void ws(struct json *j)
{
        while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
                j->p++;
}

static bool take(struct json *j, char c)
{
        ws(j);
        if (j->p >= j->end || *j->p != c)
                return false;
        j->p++;
        return true;
}

static void put(struct value *v, unsigned c)
{
        if (v && v->len + 1 < v->size)
                v->buf[v->len++] = (char) c;
}

static void put_utf8(struct value *v, unsigned c)
{
        if (c < 0x80)
                put(v, c);
        else if (c < 0x800) {
                put(v, 0xc0 | c >> 6);
                put(v, 0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
                put(v, 0xe0 | c >> 12);
                put(v, 0x80 | (c >> 6 & 0x3f));
                put(v, 0x80 | (c & 0x3f));
        } else {
                put(v, 0xf0 | c >> 18);
                put(v, 0x80 | (c >> 12 & 0x3f));
                put(v, 0x80 | (c >> 6 & 0x3f));
                put(v, 0x80 | (c & 0x3f));
        }
}

static bool hex4(struct json *j, unsigned *ret)
{
        unsigned v = 0;

        if (j->end - j->p < 4)
                return false;
        for (int i = 0; i < 4; i++) {
                char c = *j->p++;

                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (unsigned) (c - 'A' + 10);
                else
                        return false;
        }
        *ret = v;
        return true;
}

/* A string, its bytes into @v (NULL: skipped). A lone surrogate becomes U+FFFD. */
static bool string(struct json *j, struct value *v)
{
        if (!take(j, '"'))
                return false;
        while (j->p < j->end) {
                unsigned char c = (unsigned char) *j->p++;
                unsigned u, lo;

                if (c == '"')
                        return true;
                if (c < 0x20)
                        return false;
                if (c != '\\') {
                        put(v, c);
                        continue;
                }
                if (j->p >= j->end)
                        return false;
                switch (*j->p++) {
                case '"': put(v, '"'); break;
                case '\\': put(v, '\\'); break;
                case '/': put(v, '/'); break;
                case 'b': put(v, '\b'); break;
                case 'f': put(v, '\f'); break;
                case 'n': put(v, '\n'); break;
                case 'r': put(v, '\r'); break;
                case 't': put(v, '\t'); break;
                case 'u':
                        if (!hex4(j, &u))
                                return false;
                        /* A high surrogate takes a low one after it; any other escape is read on its own. */
                        if (u >= 0xd800 && u < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
                            j->p[1] == 'u') {
                                struct json after = { j->p + 2, j->end };

                                if (hex4(&after, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                                        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                                        j->p = after.p;
                                }
                        }
                        put_utf8(v, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
                        break;
                default:
                        return false;
                }
        }
        return false;
}

/* A whole number, for the bytes of a binary field. */
static bool number(struct json *j, unsigned *ret)
{
        unsigned v = 0;
        bool any = false;

        ws(j);
        for (; j->p < j->end && *j->p >= '0' && *j->p <= '9'; j->p++, any = true)
                v = v > 1000 ? 1000 : v * 10 + (unsigned) (*j->p - '0');
        *ret = v;
        return any;
}

static bool word(struct json *j, const char *w)
{
        size_t n = strlen(w);

        ws(j);
        if ((size_t) (j->end - j->p) < n || memcmp(j->p, w, n) != 0)
                return false;
        j->p += n;
        return true;
}

/*
 * A field's value: a string, null (left unset), an array of bytes (the
 * value), or an array of strings (the field given more than once: bad).
 */
static bool value(struct json *j, struct value *v)
{
        ws(j);
        if (j->p < j->end && *j->p == '"') {
                if (v && v->set)
                        v->bad = true;
                if (v)
                        v->set = true, v->len = 0;
                return string(j, v);
        }
        if (word(j, "null"))
                return true;
        if (!take(j, '['))
                return false;
        if (v && v->set)
                v->bad = true;
        if (v)
                v->set = true, v->len = 0;
        if (take(j, ']'))
                return true;
        do {
                unsigned b;

                ws(j);
                if (j->p < j->end && *j->p == '"') {
                        if (v)
                                v->bad = true;
                        if (!string(j, NULL))
                                return false;
                } else if (number(j, &b) && b < 256)
                        put(v, b);
                else
                        return false;
        } while (take(j, ','));
        return take(j, ']');
}

static bool parse_entry(const char *line, size_t len, struct entry *e)
{
        struct json j = { line, line + len };

        for (int i = 0; i < N_FIELDS; i++)
                e->f[i] = i == F_MESSAGE ?
                        (struct value) { .buf = e->message, .size = sizeof(e->message) } :
                        (struct value) { .buf = e->small[i - 1], .size = sizeof(e->small[i - 1]) };
        if (!take(&j, '{'))
                return false;
        if (take(&j, '}'))
                return true;
        do {
                char key[64];
                struct value k = { .buf = key, .size = sizeof(key) };
                struct value *v = NULL;

                if (!string(&j, &k) || !take(&j, ':'))
                        return false;
                key[k.len] = '\0';
                /* journalctl's field names hold no NUL: not one of its lines. */
                if (strlen(key) != k.len)
                        return false;
                for (int i = 0; i < N_FIELDS; i++)
                        if (strcmp(key, field_names[i]) == 0)
                                v = &e->f[i];
                if (!value(&j, v))
                        return false;
        } while (take(&j, ','));
        if (!take(&j, '}'))
                return false;
        ws(&j);
        if (j.p != j.end)
                return false;
        for (int i = 0; i < N_FIELDS; i++)
                e->f[i].buf[e->f[i].len] = '\0';
        return true;
}

/* A field set once, or NULL. Text fields must hold no NUL. */
static const char *get(const struct entry *e, int i)
{
        const struct value *v = &e->f[i];

        if (!v->set || v->bad || strlen(v->buf) != v->len)
                return NULL;
        return v->buf;
}

/* A field of decimal digits only, saturating at @max. */
static bool get_number(const struct entry *e, int i, uint64_t max, uint64_t *ret)
{
        const char *s = get(e, i);

        return s && report_parse_u64(&s, max, ret) && *s == '\0';
}

/*
 * A record of the kernel log: the kernel's own (facility 0, which journald
 * names "kernel"), read for the kernel's messages only; or a program's line
 * written to /dev/kmsg (by root, or by journald for any user with
 * ForwardToKMsg=yes), whose name and pid are what the line said.
 */
static int kernel_entry(struct report *r, const struct entry *e, uint64_t t, const char *msg)
{
        const char *ident = get(e, F_IDENT), *device = get(e, F_KERNEL_DEVICE);
        const struct report_tool *tool;
        uint64_t facility, pid;
        int used = 0;

        r->journal_kernel_lines++;
        if (!get_number(e, F_FACILITY, 1024, &facility))
                facility = ident == NULL || strcmp(ident, "kernel") == 0 ? 0 : 1;
        if (facility == 0)
                used = report_parse_message(r, t, msg, 0);
        else if (ident && *ident && get_number(e, F_SYSLOG_PID, INT32_MAX, &pid) && pid > 0) {
                tool = report_tool_find(ident, strlen(ident));
                if (tool == NULL || tool->unit)
                        used = report_parse_program_line(r, t, ident, strlen(ident), (int) pid, msg, false);
        }
        if (device && report_parse_device_bus(r, device) > 0)
                used = 1;
        return used;
}

/* A program's line: only a tool's own unit speaks for the tool. */
static int program_entry(struct report *r, const struct entry *e, uint64_t t, const char *msg)
{
        const char *ident = get(e, F_IDENT), *unit = get(e, F_UNIT);
        const struct report_tool *tool;
        uint64_t pid;

        if (ident == NULL || *ident == '\0')
                ident = get(e, F_COMM);
        if (ident == NULL || *ident == '\0' || !get_number(e, F_PID, INT32_MAX, &pid) || pid == 0)
                return 0;
        tool = report_tool_find(ident, strlen(ident));
        if (tool && (tool->unit == NULL || unit == NULL || strcmp(unit, tool->unit) != 0))
                return 0;
        return report_parse_program_line(r, t, ident, strlen(ident), (int) pid, msg, true);
}

/* One line of journalctl -o json: 1 when the report used it. */
int report_parse_journal_entry(struct report *r, const char *line, size_t len)
{
        struct entry entry, *e = &entry;
        const char *transport, *msg;
        uint64_t t;

        if (!parse_entry(line, len, e) || (msg = get(e, F_MESSAGE)) == NULL)
                return 0;
        transport = get(e, F_TRANSPORT);
        if (transport && strcmp(transport, "kernel") == 0) {
                if (!get_number(e, F_SOURCE_MONOTONIC, REPORT_USEC_MAX, &t) &&
                    !get_number(e, F_MONOTONIC, REPORT_USEC_MAX, &t))
                        return 0;
        } else if (!get_number(e, F_MONOTONIC, REPORT_USEC_MAX, &t))
                return 0;
        if (t > r->last_usec)
                r->last_usec = t;
        if (transport && strcmp(transport, "kernel") == 0)
                return kernel_entry(r, e, t, msg);
        if (transport == NULL || strcmp(transport, "driver") == 0 || strcmp(transport, "audit") == 0)
                return 0;
        return program_entry(r, e, t, msg);
}
