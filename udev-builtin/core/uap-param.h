/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * One "key[=value]" word of a module option string, as libkmod hands it out
 * (modprobe.d options and kernel command line joined by spaces). Points into
 * the string; nothing is copied.
 */
struct uap_param {
        const char *key;
        size_t key_len;
        const char *value;      /* NULL for a bare "key" */
        size_t value_len;
};

int uap_param_next(const char **cursor, struct uap_param *param);
bool uap_param_is(const struct uap_param *param, const char *name);
int uap_parse_bool(const char *s, size_t len);
