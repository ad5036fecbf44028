/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

static int hex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decode the quoted string at @p into @out (as long as the line); NULL if malformed. */
static char *unquote(const char *p, char *out)
{
        static const char simple[] = "\\\\\"\"t\tn\nv\vf\fr\r";
        char *o = out;

        if (*p++ != '"')
                return NULL;
        while (*p != '"') {
                const char *s;

                if (*p == '\0' || *p == '\n')
                        return NULL;
                if (*p != '\\') {
                        *o++ = *p++;
                        continue;
                }
                p++;
                if (*p == 'x') {
                        int hi = hex(p[1]), lo = hi < 0 ? -1 : hex(p[2]);

                        if (lo < 0 || (hi == 0 && lo == 0))
                                return NULL;
                        *o++ = (char) (hi << 4 | lo);
                        p += 3;
                        continue;
                }
                for (s = simple; *s && *s != *p; s += 2)
                        ;
                if (*s == '\0' || *p == '\0')
                        return NULL;
                *o++ = s[1];
                p++;
        }
        p++;
        if (strspn(p, " \t\r\n") != strlen(p))
                return NULL;
        *o = '\0';
        return out;
}

void corpus_free(struct corpus *c)
{
        for (size_t i = 0; i < c->n; i++)
                free(c->v[i]);
        free(c->v);
        *c = (struct corpus) { 0 };
}

int corpus_read(const char *path, struct corpus *ret)
{
        FILE *f = fopen(path, "re");
        char *line = NULL, **v;
        size_t size = 0;
        unsigned lineno = 0;
        int r = 0;

        *ret = (struct corpus) { 0 };
        if (f == NULL) {
                perror(path);
                return -1;
        }
        while (getline(&line, &size, f) > 0) {
                const char *p = line + strspn(line, " \t");
                char *s;

                lineno++;
                if (*p == '#' || *p == '\n' || *p == '\0')
                        continue;
                s = malloc(strlen(p) + 1);
                v = reallocarray(ret->v, ret->n + 1, sizeof(*v));
                if (s == NULL || v == NULL) {
                        free(s);
                        r = -1;
                        fprintf(stderr, "%s: out of memory\n", path);
                        break;
                }
                ret->v = v;
                if (unquote(p, s) == NULL) {
                        free(s);
                        r = -1;
                        fprintf(stderr, "%s:%u: not a quoted string\n", path, lineno);
                        break;
                }
                ret->v[ret->n++] = s;
        }
        free(line);
        fclose(f);
        if (r < 0)
                corpus_free(ret);
        return r;
}
