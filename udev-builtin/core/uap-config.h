/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct kmod_ctx;

/* The pseudo-module whose modprobe.d "options" hold the configuration. */
#define UAP_CONFIG_MODULE "udev_async_probe"

struct uap_config {
        bool enable;
        /* A bad key or value was seen: the policy falls back to plain loads. */
        bool invalid;
        /* Comma-separated bus list as last configured; "" lists none. */
        char *buses;
        /* The first problem found, for the caller to log once. */
        char error[192];
};

int uap_config_parse(struct uap_config *cfg, const char *options);
int uap_config_load(struct uap_config *cfg, struct kmod_ctx *ctx);
void uap_config_done(struct uap_config *cfg);
bool uap_config_has_bus(const struct uap_config *cfg, const char *bus);
