/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "uap-param.h"
#include "uap-policy.h"

static const struct {
        const char *name;
        const char *explain;
} rules[_UAP_RULE_MAX] = {
        [UAP_RULE_DISABLED]                = { "disabled",                "udev_async_probe enable=0" },
        [UAP_RULE_CONFIG_INVALID]          = { "config-invalid",          "udev_async_probe options are invalid" },
        [UAP_RULE_MODULE_OPTIONS]          = { "module-options",          "the module's own options set async_probe" },
        [UAP_RULE_DEVICE_PROPERTY]         = { "device-property",         "device property ASYNC_PROBE" },
        [UAP_RULE_DEVICE_PROPERTY_INVALID] = { "device-property-invalid", "device property ASYNC_PROBE is not a boolean" },
        [UAP_RULE_BUS_LISTED]              = { "bus-listed",              "bus is in buses=" },
        [UAP_RULE_BUS_UNLISTED]            = { "bus-unlisted",            "bus is not in buses=" },
};

const char *uap_rule_to_string(enum uap_rule rule)
{
        return rule < _UAP_RULE_MAX ? rules[rule].name : NULL;
}

const char *uap_rule_explain(enum uap_rule rule)
{
        return rule < _UAP_RULE_MAX ? rules[rule].explain : NULL;
}

/*
 * The async_probe value the module's own options give, as the kernel reads
 * it: last one wins, and a bare or unparsable value means true. Returns -1
 * when the options do not mention it.
 */
int uap_options_async_probe(const char *options)
{
        const char *cursor = options ? options : "";
        struct uap_param p;
        int r, value = -1;

        while ((r = uap_param_next(&cursor, &p)) > 0) {
                if (!uap_param_is(&p, "async_probe"))
                        continue;
                value = p.value ? uap_parse_bool(p.value, p.value_len) : 1;
                if (value < 0)
                        value = 1;
        }
        /*
         * An unterminated quote makes the kernel reject the whole string;
         * report it as the admin's business so nothing is appended to it.
         */
        if (r < 0 && value < 0)
                value = 0;
        return value;
}

/* First match wins; see DESIGN.md 2.3. */
struct uap_decision uap_decide(const struct uap_config *cfg, const struct uap_request *req)
{
        int b;

        if (cfg->invalid)
                return (struct uap_decision) { .rule = UAP_RULE_CONFIG_INVALID };
        if (!cfg->enable)
                return (struct uap_decision) { .rule = UAP_RULE_DISABLED };

        b = uap_options_async_probe(req->module_options);
        if (b >= 0)
                return (struct uap_decision) { .async = b, .rule = UAP_RULE_MODULE_OPTIONS };

        if (req->device_async) {
                b = uap_parse_bool(req->device_async, strlen(req->device_async));
                if (b < 0)
                        return (struct uap_decision) { .rule = UAP_RULE_DEVICE_PROPERTY_INVALID };
                return (struct uap_decision) { .async = b, .append = b, .rule = UAP_RULE_DEVICE_PROPERTY };
        }

        if (req->bus && uap_config_has_bus(cfg, req->bus))
                return (struct uap_decision) { .async = true, .append = true, .rule = UAP_RULE_BUS_LISTED };
        return (struct uap_decision) { .rule = UAP_RULE_BUS_UNLISTED };
}

/*
 * A modalias as the kernel writes it: printable ASCII without spaces (the
 * kernel filters DMI strings down to that too), "<bus>:<rest>".
 */
int uap_modalias_check(const char *modalias)
{
        size_t len = strnlen(modalias, UAP_MODALIAS_MAX + 1);
        size_t i;

        if (len == 0)
                return -EINVAL;
        if (len > UAP_MODALIAS_MAX)
                return -E2BIG;
        for (i = 0; i < len; i++)
                if (modalias[i] <= ' ' || modalias[i] > '~')
                        return -EINVAL;
        return 0;
}

int uap_modalias_bus(const char *modalias, char *bus, size_t size)
{
        const char *colon = strchr(modalias, ':');
        size_t len;

        if (colon == NULL || colon == modalias)
                return -EINVAL;
        len = colon - modalias;
        if (len >= size)
                return -ENAMETOOLONG;
        memcpy(bus, modalias, len);
        bus[len] = '\0';
        return 0;
}
