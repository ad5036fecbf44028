/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * A model of how Linux 6.12 reads a module's arguments at load time,
 * written from kernel/params.c, lib/cmdline.c, lib/ctype.c,
 * lib/kstrtox.c and kernel/module/main.c. It works like the kernel: on a
 * writable copy of the string, cutting it up with NULs. Test code only;
 * the project's own reader never writes to the string.
 */
struct km_param {
        const char *param;
        const char *val;        /* NULL when the word has no '=' */
};

struct km_args {
        char *buf;              /* the writable copy the params point into */
        struct km_param *params;
        size_t n;
        bool stopped;           /* parsing ended at a bare "--" */
};

int km_parse(const char *args, struct km_args *ret);
void km_args_free(struct km_args *a);
/* The generic async_probe of unknown_module_param_cb(): -1 if never seen. */
int km_async_probe(const struct km_args *a);
/* Whether a param names async_probe in a spelling strcmp() refuses ("Async-probe"). */
bool km_async_probe_misspelled(const struct km_args *a);
/* What libkmod hands the kernel: a module's options, then extra options. */
char *km_join(const char *options, const char *extra);
