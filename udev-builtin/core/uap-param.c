/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "uap-param.h"

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Split like the kernel's parse_args(): words end at whitespace unless
 * quoted, and a quoted value may hold spaces. Returns 1 with @param filled,
 * 0 at the end, -EINVAL on an unterminated quote.
 */
int uap_param_next(const char **cursor, struct uap_param *param)
{
        const char *p = *cursor;
        const char *eq;

        while (is_space(*p))
                p++;
        if (*p == '\0') {
                *cursor = p;
                return 0;
        }

        *param = (struct uap_param) { .key = p };
        while (*p != '\0' && *p != '=' && !is_space(*p))
                p++;
        param->key_len = p - param->key;

        if (*p != '=') {
                *cursor = p;
                return 1;
        }

        eq = ++p;
        if (*p == '"') {
                const char *end = strchr(p + 1, '"');

                if (end == NULL)
                        return -EINVAL;
                param->value = p + 1;
                param->value_len = end - param->value;
                p = end + 1;
                if (*p != '\0' && !is_space(*p))
                        return -EINVAL;
        } else {
                while (*p != '\0' && !is_space(*p))
                        p++;
                param->value = eq;
                param->value_len = p - eq;
        }

        *cursor = p;
        return 1;
}

/* The kernel treats '-' and '_' in parameter names as the same character. */
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

/* Same spellings as the kernel's kstrtobool(), but whole words only. */
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
