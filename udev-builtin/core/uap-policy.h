/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "uap-config.h"

/* What an async load appends to the module's own options. */
#define UAP_ASYNC_OPTION "async_probe=1"

/* Longest MODALIAS accepted: the kernel's whole uevent buffer. */
#define UAP_MODALIAS_MAX 2048

/* The rules of the policy, in the order they are tried. */
enum uap_rule {
        UAP_RULE_DISABLED,
        UAP_RULE_CONFIG_INVALID,
        UAP_RULE_MODULE_OPTIONS,
        /* Tried with rule 2: the options name async_probe in a spelling the kernel ignores. */
        UAP_RULE_MODULE_OPTIONS_MISSPELLED,
        UAP_RULE_DEVICE_PROPERTY,
        UAP_RULE_DEVICE_PROPERTY_INVALID,
        UAP_RULE_BUS_LISTED,
        UAP_RULE_BUS_UNLISTED,
        /* Where rules 3 and 4 would append but the options would not take it. */
        UAP_RULE_MODULE_OPTIONS_UNSAFE,
        _UAP_RULE_MAX,
};

struct uap_request {
        const char *module_options;     /* kmod_module_get_options(), or NULL */
        const char *device_async;       /* ASYNC_PROBE device property, or NULL */
        const char *bus;                /* SUBSYSTEM, or the modalias prefix */
};

struct uap_decision {
        bool async;             /* how the module will probe, as far as options decide */
        bool append;            /* whether UAP_ASYNC_OPTION is added to the load */
        enum uap_rule rule;
};

struct uap_decision uap_decide(const struct uap_config *cfg, const struct uap_request *req);
const char *uap_rule_to_string(enum uap_rule rule);
const char *uap_rule_explain(enum uap_rule rule);
int uap_modalias_check(const char *modalias);
int uap_modalias_bus(const char *modalias, char *bus, size_t size);
int uap_options_async_probe(const char *options);
