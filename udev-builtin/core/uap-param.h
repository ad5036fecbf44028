/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * One parameter of an option string, as the kernel's parse_args() splits
 * the arguments of a module: words end at white space outside double
 * quotes, a leading quote and a quote closing the word or the value are
 * dropped, and the first '=' after the first character separates the
 * value. Points into the string; nothing is copied or changed.
 */
struct uap_param {
        /* The word as written, quotes included, for messages. */
        const char *word;
        size_t word_len;
        const char *key;
        size_t key_len;
        const char *value;      /* NULL for a bare "key" */
        size_t value_len;
        /* The word ran to the end of the string inside a quote. */
        bool open_quote;
};

int uap_param_next(const char **cursor, struct uap_param *param);
bool uap_param_is(const struct uap_param *param, const char *name);
bool uap_param_is_stop(const struct uap_param *param);
bool uap_param_is_misspelled(const struct uap_param *param, const char *name);
int uap_parse_bool(const char *s, size_t len);
int uap_kstrtobool(const char *s, size_t len);

/* What the kernel makes of a module's own options. */
struct uap_module_options {
        /* The generic async_probe parameter: -1 not given, else 0 or 1. */
        int async_probe;
        /*
         * Appending " async_probe=1" adds exactly that parameter and leaves
         * every other one as it was.
         */
        bool append_safe;
        /*
         * The first word the kernel sees whose name is async_probe spelled
         * another way ("async-probe=0", "Async_probe"), as written; NULL if
         * none. The kernel ignores such a word.
         */
        const char *misspelled;
        size_t misspelled_len;
};

void uap_module_options_read(const char *options, struct uap_module_options *ret);
