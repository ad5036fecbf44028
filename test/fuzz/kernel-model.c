/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "kernel-model.h"

/* lib/ctype.c: _S is set for 0x09-0x0d, 0x20 and 0xa0. */
static int k_isspace(char c)
{
        switch ((unsigned char) c) {
        case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20: case 0xa0:
                return 1;
        default:
                return 0;
        }
}

static char *k_skip_spaces(char *s)
{
        while (k_isspace(*s))
                s++;
        return s;
}

/* lib/cmdline.c next_arg(), on the writable string at @args. */
static char *k_next_arg(char *args, char **param, char **val)
{
        unsigned int i, equals = 0;
        int in_quote = 0, quoted = 0;

        if (args[0] == '"') {
                args++;
                quoted = 1;
                in_quote = 1;
        }

        for (i = 0; args[i] != '\0'; i++) {
                if (!in_quote && k_isspace(args[i]))
                        break;
                /* "equals" stays 0 for an '=' at index 0, so a later one counts. */
                if (equals == 0 && args[i] == '=')
                        equals = i;
                if (args[i] == '"')
                        in_quote = !in_quote;
        }

        *param = args;
        *val = NULL;
        if (equals != 0) {
                args[equals] = '\0';
                *val = args + equals + 1;
                if (**val == '"') {
                        (*val)++;
                        if (args[i - 1] == '"')
                                args[i - 1] = '\0';
                }
        }
        if (quoted && i > 0 && args[i - 1] == '"')
                args[i - 1] = '\0';

        if (args[i] == '\0')
                args += i;
        else {
                args[i] = '\0';
                args += i + 1;
        }
        return k_skip_spaces(args);
}

/* kernel/params.c parse_args(): every param up to a bare "--". */
int km_parse(const char *args, struct km_args *ret)
{
        size_t len = strlen(args), cap;
        char *p, *param, *val;

        *ret = (struct km_args) { 0 };
        ret->buf = malloc(len + 1);
        /* No word is shorter than one byte plus its separator, except a lone quote. */
        cap = len + 1;
        ret->params = malloc(cap * sizeof(*ret->params));
        if (ret->buf == NULL || ret->params == NULL) {
                km_args_free(ret);
                return -1;
        }
        memcpy(ret->buf, args, len + 1);

        p = k_skip_spaces(ret->buf);
        while (*p != '\0') {
                p = k_next_arg(p, &param, &val);
                if (val == NULL && strcmp(param, "--") == 0) {
                        ret->stopped = true;
                        break;
                }
                if (ret->n == cap)
                        abort();
                ret->params[ret->n++] = (struct km_param) { param, val };
        }
        return 0;
}

void km_args_free(struct km_args *a)
{
        free(a->buf);
        free(a->params);
        *a = (struct km_args) { 0 };
}

/* lib/kstrtox.c kstrtobool(): 0 and *res set, or -1 for -EINVAL. */
static int k_kstrtobool(const char *s, bool *res)
{
        if (s == NULL)
                return -1;
        if (strchr("yYtT1", s[0]) != NULL && s[0] != '\0') {
                *res = true;
                return 0;
        }
        if (strchr("nNfF0", s[0]) != NULL && s[0] != '\0') {
                *res = false;
                return 0;
        }
        if (s[0] == 'o' || s[0] == 'O') {
                if (s[1] == 'n' || s[1] == 'N') {
                        *res = true;
                        return 0;
                }
                if (s[1] == 'f' || s[1] == 'F') {
                        *res = false;
                        return 0;
                }
        }
        return -1;
}

/*
 * kernel/module/main.c unknown_module_param_cb(), for a module that
 * declares no parameter of that name: exact strcmp(), and a value
 * kstrtobool() refuses (NULL included) means true.
 */
int km_async_probe(const struct km_args *a)
{
        int value = -1;
        size_t i;

        for (i = 0; i < a->n; i++) {
                bool b = false;

                if (strcmp(a->params[i].param, "async_probe") != 0)
                        continue;
                if (k_kstrtobool(a->params[i].val, &b) != 0)
                        b = true;
                value = b;
        }
        return value;
}

/*
 * Not the kernel's: the words the policy takes for an administrator's
 * misspelled async_probe, which unknown_module_param_cb() passes over.
 * ASCII letters in either case, '-' or '_' between the two words.
 */
bool km_async_probe_misspelled(const struct km_args *a)
{
        static const char name[] = "async_probe";
        size_t i, j;

        for (i = 0; i < a->n; i++) {
                const char *p = a->params[i].param;

                if (strlen(p) != sizeof(name) - 1 || strcmp(p, name) == 0)
                        continue;
                for (j = 0; name[j] != '\0'; j++) {
                        char c = p[j] >= 'A' && p[j] <= 'Z' ? p[j] - 'A' + 'a' : p[j];

                        if (c != name[j] && !(name[j] == '_' && c == '-'))
                                break;
                }
                if (name[j] == '\0')
                        return true;
        }
        return false;
}

/*
 * libkmod 30 module_options_concat(): the string the kernel gets for a
 * module with options @options (NULL: none) and extra options @extra
 * (NULL: none). A space follows existing options even with no extra,
 * and k_next_arg() keeps it inside a last word whose quote never closes:
 * 'async_probe=n"" "async_probe' is loaded as async_probe=n only.
 */
char *km_join(const char *options, const char *extra)
{
        size_t olen = options ? strlen(options) : 0, xlen = extra ? strlen(extra) : 0;
        char *r = malloc(olen + xlen + 2), *p = r;

        if (r == NULL)
                return NULL;
        if (options != NULL && (olen > 0 || xlen > 0)) {
                memcpy(p, options, olen);
                p += olen;
                *p++ = ' ';
        }
        if (extra != NULL) {
                memcpy(p, extra, xlen);
                p += xlen;
        }
        *p = '\0';
        return r;
}
