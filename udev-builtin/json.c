/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

int json_mode_from_string(const char *s)
{
        if (strcmp(s, "short") == 0)
                return JSON_SHORT;
        if (strcmp(s, "pretty") == 0)
                return JSON_PRETTY;
        if (strcmp(s, "off") == 0)
                return JSON_OFF;
        return -EINVAL;
}

void json_begin(struct json *j, FILE *f, enum json_mode mode)
{
        *j = (struct json) { .f = f, .mode = mode };
}

void json_end(struct json *j)
{
        fputc('\n', j->f);
}

static void newline(struct json *j)
{
        if (j->mode != JSON_PRETTY)
                return;
        fputc('\n', j->f);
        for (unsigned i = 0; i < j->depth; i++)
                fputs("  ", j->f);
}

/* Every value and key starts here: the separator from what came before. */
static void value_start(struct json *j)
{
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (j->need_comma)
                fputc(',', j->f);
        if (j->depth > 0)
                newline(j);
}

static void container_open(struct json *j, char c)
{
        value_start(j);
        fputc(c, j->f);
        j->depth++;
        j->need_comma = false;
}

static void container_close(struct json *j, char c)
{
        j->depth--;
        if (j->need_comma)
                newline(j);
        fputc(c, j->f);
        j->need_comma = true;
}

void json_object_open(struct json *j)
{
        container_open(j, '{');
}

void json_object_close(struct json *j)
{
        container_close(j, '}');
}

void json_array_open(struct json *j)
{
        container_open(j, '[');
}

void json_array_close(struct json *j)
{
        container_close(j, ']');
}

static void write_string(struct json *j, const char *s)
{
        const unsigned char *p = (const unsigned char *) s;

        fputc('"', j->f);
        while (*p) {
                size_t n = utf8_char_len(p);

                if (n == 0) {
                        fputs("\\ufffd", j->f);
                        p++;
                        continue;
                }
                if (*p == '"' || *p == '\\')
                        fprintf(j->f, "\\%c", *p);
                else if (*p < 0x20 || *p == 0x7f)
                        fprintf(j->f, "\\u%04x", *p);
                else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
                        fprintf(j->f, "\\u%04x", p[1]);       /* C1 controls too */
                else
                        fwrite(p, 1, n, j->f);
                p += n;
        }
        fputc('"', j->f);
}

void json_key(struct json *j, const char *key)
{
        value_start(j);
        write_string(j, key);
        fputs(j->mode == JSON_PRETTY ? ": " : ":", j->f);
        j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
        if (s == NULL) {
                json_null(j);
                return;
        }
        value_start(j);
        write_string(j, s);
        j->need_comma = true;
}

void json_bool(struct json *j, bool b)
{
        value_start(j);
        fputs(b ? "true" : "false", j->f);
        j->need_comma = true;
}

void json_int(struct json *j, long long i)
{
        value_start(j);
        fprintf(j->f, "%lld", i);
        j->need_comma = true;
}

void json_null(struct json *j)
{
        value_start(j);
        fputs("null", j->f);
        j->need_comma = true;
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
        json_key(j, key);
        json_string(j, s);
}

void json_kv_bool(struct json *j, const char *key, bool b)
{
        json_key(j, key);
        json_bool(j, b);
}

void json_kv_int(struct json *j, const char *key, long long i)
{
        json_key(j, key);
        json_int(j, i);
}
