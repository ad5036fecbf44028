/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "loader.h"

/* Exit status: EXIT_SUCCESS, EXIT_FAILURE (a load failed), or this. */
#define EXIT_USAGE 2

struct cli {
        struct loader_paths paths;
        bool json;
};

int cmd_load(const struct cli *cli, int argc, char **argv);
int cmd_explain(const struct cli *cli, int argc, char **argv);
int cmd_status(const struct cli *cli, int argc, char **argv);

int context_and_config(const struct cli *cli, struct kmod_ctx **ctx, struct uap_config *cfg);
