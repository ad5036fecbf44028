/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libkmod.h>

#include "uap-config.h"
#include "uap-param.h"

#define UAP_XSTRINGIFY(x) #x
#define UAP_STRINGIFY(x) UAP_XSTRINGIFY(x)

/* Longest word quoted back in an error message. */
#define QUOTE_MAX 64

static int quote_len(size_t len)
{
        return len > QUOTE_MAX ? QUOTE_MAX : (int) len;
}

static void config_reject(struct uap_config *cfg, const char *why, const struct uap_param *p)
{
        if (cfg->invalid)
                return;
        cfg->invalid = true;
        uap_config_describe(cfg->error, sizeof(cfg->error), why, p);
}

/* Bus names as the kernel gives them: lower case (a SUBSYSTEM match is case-sensitive). */
static bool bus_name_valid(const char *s, size_t len)
{
        size_t i;

        if (len == 1 && s[0] == '*')
                return true;
        if (len == 0)
                return false;
        for (i = 0; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                      s[i] == '_' || s[i] == '-'))
                        return false;
        return true;
}

static const char *bus_list_check(const char *s, size_t len)
{
        const char *end = s + len;
        bool upper = false;

        if (len == 0)
                return NULL;
        if (len > UAP_BUSES_MAX)
                return "bus list longer than " UAP_STRINGIFY(UAP_BUSES_MAX) " bytes";
        for (size_t i = 0; i < len; i++)
                upper = upper || (s[i] >= 'A' && s[i] <= 'Z');
        for (;;) {
                const char *comma = memchr(s, ',', end - s);
                size_t n = (comma ? comma : end) - s;

                if (!bus_name_valid(s, n))
                        return upper ? "invalid bus list (bus names are lower case)" : "invalid bus list";
                if (!comma)
                        return NULL;
                s = comma + 1;
        }
}

/*
 * Why @p is no valid udev_async_probe option ("unknown key", "invalid
 * boolean", ...), or NULL when it is one.
 */
const char *uap_config_check(const struct uap_param *p)
{
        /* The kernel would take it; here it is a typo to report. */
        if (p->open_quote)
                return "unterminated quote";
        if (uap_param_is(p, "enable"))
                /* A bare "enable" means true, as for a kernel bool parameter. */
                return p->value && uap_parse_bool(p->value, p->value_len) < 0 ? "invalid boolean" : NULL;
        if (uap_param_is(p, "buses"))
                return p->value ? bus_list_check(p->value, p->value_len) : "invalid bus list";
        return "unknown key";
}

/* "@why 'word'", the word cut short: one problem, for a message. */
void uap_config_describe(char *buf, size_t size, const char *why, const struct uap_param *p)
{
        snprintf(buf, size, "%s%s '%.*s'", why, p->open_quote ? " in" : "",
                 quote_len(p->word_len), p->word);
}

static int config_set_buses(struct uap_config *cfg, const struct uap_param *p)
{
        char *buses = strndup(p->value, p->value_len);

        if (buses == NULL)
                return -ENOMEM;
        free(cfg->buses);
        cfg->buses = buses;
        return 0;
}

/*
 * Parse an "options udev_async_probe ..." string. Words are split as the
 * kernel splits module parameters (the same white space, quotes and
 * '-'/'_' in names), so a line behaves like one for a module, a CRLF file
 * included. Keys repeat freely and the last one wins, so a file in /etc or
 * the kernel command line (which libkmod appends last) overrides the
 * shipped defaults. Returns 0 or -ENOMEM; a malformed string marks @cfg
 * invalid instead of failing.
 */
int uap_config_parse(struct uap_config *cfg, const char *options)
{
        const char *cursor = options ? options : "";
        struct uap_param p;
        int r;

        *cfg = (struct uap_config) { .enable = true };
        cfg->buses = strdup("");
        if (cfg->buses == NULL)
                return -ENOMEM;

        while (uap_param_next(&cursor, &p) > 0) {
                const char *why = uap_config_check(&p);

                if (why) {
                        config_reject(cfg, why, &p);
                        /* An open quote takes the rest of the string. */
                        if (p.open_quote)
                                break;
                } else if (uap_param_is(&p, "enable"))
                        cfg->enable = p.value ? uap_parse_bool(p.value, p.value_len) : 1;
                else {
                        r = config_set_buses(cfg, &p);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int uap_config_load(struct uap_config *cfg, struct kmod_ctx *ctx)
{
        struct kmod_module *mod = NULL;
        int r;

        r = kmod_module_new_from_name(ctx, UAP_CONFIG_MODULE, &mod);
        if (r < 0)
                return r;
        r = uap_config_parse(cfg, kmod_module_get_options(mod));
        kmod_module_unref(mod);
        return r;
}

void uap_config_done(struct uap_config *cfg)
{
        free(cfg->buses);
        cfg->buses = NULL;
}

bool uap_config_has_bus(const struct uap_config *cfg, const char *bus)
{
        size_t len = strlen(bus);
        const char *s = cfg->buses;

        while (s != NULL && *s != '\0') {
                const char *comma = strchr(s, ',');
                size_t n = comma ? (size_t) (comma - s) : strlen(s);

                if ((n == 1 && s[0] == '*') || (n == len && strncmp(s, bus, n) == 0))
                        return true;
                s = comma ? comma + 1 : NULL;
        }
        return false;
}
