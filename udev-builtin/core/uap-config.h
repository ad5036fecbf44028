/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct kmod_ctx;
struct uap_param;

/* The pseudo-module whose modprobe.d "options" hold the configuration. */
#define UAP_CONFIG_MODULE "udev_async_probe"
/* Room for one problem's message, the word quoted in it cut short. */
#define UAP_ERROR_MAX 192
/*
 * The longest bus list, in bytes. The generated udev rules carry it on one
 * line (and on a comment line); udev 252 drops a whole rules file for one
 * line of UDEV_LINE_SIZE (16384) bytes or more. Some 60 buses exist.
 */
#define UAP_BUSES_MAX 4096

struct uap_config {
        bool enable;
        /* A bad key or value was seen: the policy falls back to plain loads. */
        bool invalid;
        /* Comma-separated bus list as last configured; "" lists none. */
        char *buses;
        /* The first problem found, for the caller to log once. */
        char error[UAP_ERROR_MAX];
};

const char *uap_config_check(const struct uap_param *p);
void uap_config_describe(char *buf, size_t size, const char *why, const struct uap_param *p);
int uap_config_parse(struct uap_config *cfg, const char *options);
int uap_config_load(struct uap_config *cfg, struct kmod_ctx *ctx);
void uap_config_done(struct uap_config *cfg);
bool uap_config_has_bus(const struct uap_config *cfg, const char *bus);
