/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/uap-param.h"
#include "verbs.h"

/* One place the configuration comes from: a modprobe.d file or the command line. */
struct source {
        char *path;             /* NULL for the kernel command line */
        char *options;          /* its "options udev_async_probe" words, or NULL */
};

struct sources {
        struct source *v;
        size_t n;
};

int sources_load(const struct cli *cli, struct sources *s);
int sources_load_module(const struct cli *cli, const char *module, struct sources *s);
void sources_done(struct sources *s);
const struct source *source_of(const struct sources *s, const char *key, struct uap_param *ret);
char *sources_join_files(const struct sources *s);
bool source_is_vendor(const struct source *src);
const struct source *source_overridden(const struct sources *s, const char *key);
void sources_warn_overrides(const struct sources *s);
char *sources_where(const struct cli *cli, const char *module, const char *word, size_t len);
