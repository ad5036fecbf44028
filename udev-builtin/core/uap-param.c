/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "uap-param.h"

/* The generic module parameter, matched by the kernel with strcmp(). */
#define ASYNC_PROBE "async_probe"

/*
 * The kernel's isspace() (lib/ctype.c): besides the ASCII white space it
 * counts Latin-1's no-break space, so 0xA0 separates module parameters.
 */
static bool is_space(char c)
{
        unsigned char u = (unsigned char) c;

        return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

static const char *skip_spaces(const char *p)
{
        while (is_space(*p))
                p++;
        return p;
}

/*
 * Split the next word as the kernel's next_arg() does, without writing to
 * the string: the kernel cuts key and value short by storing NULs, so each
 * is a contiguous piece of the word and only its length differs.
 * Returns 1 with @param filled, 0 at the end of the string.
 */
int uap_param_next(const char **cursor, struct uap_param *param)
{
        const char *start = skip_spaces(*cursor), *w = start;
        bool quoted = false, in_quote = false;
        size_t i, eq = 0, v, end;

        if (*start == '\0') {
                *cursor = start;
                return 0;
        }

        if (*w == '"') {
                w++;
                quoted = in_quote = true;
        }
        for (i = 0; w[i] != '\0'; i++) {
                if (is_space(w[i]) && !in_quote)
                        break;
                /* An '=' as the very first character is part of the key. */
                if (eq == 0 && w[i] == '=')
                        eq = i;
                if (w[i] == '"')
                        in_quote = !in_quote;
        }

        *param = (struct uap_param) {
                .word = start,
                .word_len = w + i - start,
                .key = w,
                .open_quote = in_quote,
        };
        /* A word that started with a quote loses a quote that ends it. */
        end = quoted && i > 0 && w[i - 1] == '"' ? i - 1 : i;
        if (eq == 0)
                param->key_len = end;
        else {
                param->key_len = eq;
                v = eq + 1;
                if (v < i && w[v] == '"') {
                        /* A quoted value loses its closing quote too. */
                        v++;
                        end = w[i - 1] == '"' ? i - 1 : i;
                }
                /* A lone quote as the value: both quotes are the same one. */
                param->value = w + v;
                param->value_len = end > v ? end - v : 0;
        }

        *cursor = w[i] != '\0' ? w + i + 1 : w + i;
        return 1;
}

/* parse_args() ends at a bare "--": the rest is not for the module. */
bool uap_param_is_stop(const struct uap_param *param)
{
        return param->value == NULL && param->key_len == 2 && memcmp(param->key, "--", 2) == 0;
}

/*
 * How the kernel matches the parameters a module declares: '-' and '_'
 * are the same character. The generic async_probe is not matched this way.
 */
bool uap_param_is(const struct uap_param *param, const char *name)
{
        size_t i;

        if (strlen(name) != param->key_len)
                return false;

        for (i = 0; i < param->key_len; i++) {
                char a = param->key[i] == '-' ? '_' : param->key[i];
                char b = name[i] == '-' ? '_' : name[i];

                if (a != b)
                        return false;
        }
        return true;
}

/*
 * @name in a spelling the kernel's strcmp() refuses: another letter case,
 * or '-' for '_' (which only a module's declared parameters allow).
 */
bool uap_param_is_misspelled(const struct uap_param *param, const char *name)
{
        size_t i;

        if (strlen(name) != param->key_len || memcmp(param->key, name, param->key_len) == 0)
                return false;

        for (i = 0; i < param->key_len; i++) {
                char a = param->key[i] == '-' ? '_' : param->key[i];
                char b = name[i] == '-' ? '_' : name[i];

                /* ASCII only: the kernel's own matching knows no locale. */
                if (a >= 'A' && a <= 'Z')
                        a += 'a' - 'A';
                if (b >= 'A' && b <= 'Z')
                        b += 'a' - 'A';
                if (a != b)
                        return false;
        }
        return true;
}

/*
 * The spellings of kstrtobool(), but whole words only: for the project's
 * own settings, where "nope" or "01" should be an error, not a guess.
 */
int uap_parse_bool(const char *s, size_t len)
{
        static const char * const yes[] = { "1", "y", "yes", "true", "on" };
        static const char * const no[] = { "0", "n", "no", "false", "off" };
        size_t i;

        for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
                if (strlen(yes[i]) == len && strncasecmp(s, yes[i], len) == 0)
                        return 1;
        for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                if (strlen(no[i]) == len && strncasecmp(s, no[i], len) == 0)
                        return 0;
        return -EINVAL;
}

/*
 * The kernel's kstrtobool() on a value of @len bytes: the first character
 * decides, and only after an 'o' the second one does ("on", "of...").
 */
int uap_kstrtobool(const char *s, size_t len)
{
        if (len == 0)
                return -EINVAL;

        switch (s[0]) {
        case 'y': case 'Y': case 't': case 'T': case '1':
                return 1;
        case 'n': case 'N': case 'f': case 'F': case '0':
                return 0;
        case 'o': case 'O':
                if (len < 2)
                        return -EINVAL;
                if (s[1] == 'n' || s[1] == 'N')
                        return 1;
                if (s[1] == 'f' || s[1] == 'F')
                        return 0;
                return -EINVAL;
        default:
                return -EINVAL;
        }
}

/*
 * Read a module's options (kmod_module_get_options()) as the kernel will
 * when loading it. The kernel hands a parameter it does not know to the
 * generic handler, which takes exactly "async_probe" and reads its value
 * with kstrtobool(), a missing or unreadable value meaning true; the last
 * one wins.
 *
 * libkmod puts a space after the options, then any extra options. That
 * adds exactly one parameter unless the kernel stops before it (a "--")
 * or the last word is still inside a quote, which swallows what follows:
 * even the lone space of a plain load, so such a word without a value
 * ends in a space and is no "async_probe" (nor a "--") to the kernel.
 *
 * A word the kernel sees whose name is async_probe in another spelling is
 * noted too: the kernel ignores it, but the administrator who wrote it
 * meant async_probe.
 */
void uap_module_options_read(const char *options, struct uap_module_options *ret)
{
        const char *cursor = options ? options : "";
        struct uap_param p;
        int b;

        *ret = (struct uap_module_options) { .async_probe = -1, .append_safe = true };

        while (uap_param_next(&cursor, &p) > 0) {
                if (p.open_quote) {
                        ret->append_safe = false;
                        if (p.value == NULL)
                                return;
                } else if (uap_param_is_stop(&p)) {
                        ret->append_safe = false;
                        return;
                }
                if (uap_param_is_misspelled(&p, ASYNC_PROBE) && ret->misspelled == NULL) {
                        ret->misspelled = p.word;
                        ret->misspelled_len = p.word_len;
                }
                if (p.key_len != strlen(ASYNC_PROBE) || memcmp(p.key, ASYNC_PROBE, p.key_len) != 0)
                        continue;
                b = p.value ? uap_kstrtobool(p.value, p.value_len) : -EINVAL;
                ret->async_probe = b < 0 ? 1 : b;
        }
}
