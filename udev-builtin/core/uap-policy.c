/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "uap-param.h"
#include "uap-policy.h"

static const struct {
        const char *name;
        const char *explain;
} rules[_UAP_RULE_MAX] = {
        [UAP_RULE_DISABLED]                  = { "disabled",                  "udev_async_probe enable=0" },
        [UAP_RULE_CONFIG_INVALID]            = { "config-invalid",            "udev_async_probe options are invalid" },
        [UAP_RULE_MODULE_OPTIONS]            = { "module-options",            "the module's own options set async_probe" },
        [UAP_RULE_MODULE_OPTIONS_MISSPELLED] = { "module-options-misspelled", "the module's own options spell async_probe in a way the kernel ignores" },
        [UAP_RULE_DEVICE_PROPERTY]           = { "device-property",           "device property ASYNC_PROBE" },
        [UAP_RULE_DEVICE_PROPERTY_INVALID]   = { "device-property-invalid",   "device property ASYNC_PROBE is not a boolean" },
        [UAP_RULE_BUS_LISTED]                = { "bus-listed",                "bus is in buses=" },
        [UAP_RULE_BUS_UNLISTED]              = { "bus-unlisted",              "bus is not in buses=" },
        [UAP_RULE_MODULE_OPTIONS_UNSAFE]     = { "module-options-unsafe",     "the module's options end inside a quote or stop at --" },
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
 * it. Returns -1 when the kernel would not see one.
 */
int uap_options_async_probe(const char *options)
{
        struct uap_module_options o;

        uap_module_options_read(options, &o);
        return o.async_probe;
}

/* First match wins; see the POLICY section of udev-async-probe(8). */
struct uap_decision uap_decide(const struct uap_config *cfg, const struct uap_request *req)
{
        struct uap_module_options o;
        enum uap_rule rule;
        int b;

        if (cfg->invalid)
                return (struct uap_decision) { .rule = UAP_RULE_CONFIG_INVALID };
        if (!cfg->enable)
                return (struct uap_decision) { .rule = UAP_RULE_DISABLED };

        uap_module_options_read(req->module_options, &o);
        if (o.async_probe >= 0)
                return (struct uap_decision) { .async = o.async_probe, .rule = UAP_RULE_MODULE_OPTIONS };
        /*
         * "async-probe=0" is an administrator's opt-out that the kernel does
         * not read: adding async_probe=1 would turn it around.
         */
        if (o.misspelled)
                return (struct uap_decision) { .rule = UAP_RULE_MODULE_OPTIONS_MISSPELLED };

        if (req->device_async) {
                b = uap_parse_bool(req->device_async, strlen(req->device_async));
                if (b < 0)
                        return (struct uap_decision) { .rule = UAP_RULE_DEVICE_PROPERTY_INVALID };
                if (b == 0)
                        return (struct uap_decision) { .rule = UAP_RULE_DEVICE_PROPERTY };
                rule = UAP_RULE_DEVICE_PROPERTY;
        } else if (req->bus && uap_config_has_bus(cfg, req->bus))
                rule = UAP_RULE_BUS_LISTED;
        else
                return (struct uap_decision) { .rule = UAP_RULE_BUS_UNLISTED };

        /* The kernel would read the module's own options differently: load them as they are. */
        if (!o.append_safe)
                return (struct uap_decision) { .rule = UAP_RULE_MODULE_OPTIONS_UNSAFE };
        return (struct uap_decision) { .async = true, .append = true, .rule = rule };
}

/*
 * A modalias as the kernel can write it: "<bus>:<rest>", where the rest may
 * hold a device's name, spaces included ("platform:Fixed MDIO bus"). Only
 * what no uevent line can carry is refused: nothing at all, more than the
 * uevent buffer, control characters.
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
                if ((unsigned char) modalias[i] < ' ' || modalias[i] == 0x7f)
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
