/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "json.h"
#include "log.h"

/*
 * Read a one-line sysfs value. Kernels without the read-back files give
 * "unknown": the state is never guessed from anything else.
 */
static void read_value(const char *path, char *buf, size_t size)
{
        ssize_t n;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                snprintf(buf, size, "unknown");
                return;
        }
        n = read(fd, buf, size - 1);
        close(fd);
        if (n <= 0) {
                snprintf(buf, size, "unknown");
                return;
        }
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
}

/* The drivers a module registered show up as "<bus>:<driver>" links. */
static void print_drivers(const struct cli *cli, const char *module)
{
        _cleanup_(closedirp) DIR *dir = NULL;
        char path[4096], name[256], value[64];
        struct dirent *de;
        int n = 0;

        snprintf(path, sizeof(path), "/sys/module/%s/drivers", module);
        dir = opendir(path);
        while (dir && (de = readdir(dir))) {
                char *colon;

                snprintf(name, sizeof(name), "%s", de->d_name);
                colon = strchr(name, ':');
                if (name[0] == '.' || colon == NULL)
                        continue;
                *colon = '\0';
                snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s/probe_type", name, colon + 1);
                read_value(path, value, sizeof(value));
                if (cli->json) {
                        printf("%s{\"bus\": ", n++ ? ", " : "");
                        json_string(stdout, name);
                        printf(", \"driver\": ");
                        json_string(stdout, colon + 1);
                        printf(", \"probe_type\": ");
                        json_string(stdout, value);
                        printf("}");
                } else
                        printf(" %s/%s=%s", name, colon + 1, value);
        }
}

static void print_module(const struct cli *cli, const char *name, bool first)
{
        char path[4096], value[64];

        snprintf(path, sizeof(path), "/sys/module/%s/async_probe", name);
        read_value(path, value, sizeof(value));

        if (!cli->json) {
                printf("%-24s async_probe=%s", name, value);
                print_drivers(cli, name);
                printf("\n");
                return;
        }
        printf("%s{\"module\": ", first ? "" : ", ");
        json_string(stdout, name);
        printf(", \"async_probe\": ");
        json_string(stdout, value);
        printf(", \"drivers\": [");
        print_drivers(cli, name);
        printf("]}");
}

int cmd_status(const struct cli *cli, int argc, char **argv)
{
        _cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        struct kmod_list *l;
        bool first = true;
        int r;

        (void) argv;
        if (argc != 0) {
                log_error("status takes no arguments.");
                return EXIT_USAGE;
        }

        /* Only /proc/modules is read: no module indexes are needed. */
        ctx = kmod_new(NULL, NULL);
        if (ctx == NULL)
                return log_error_errno(ENOMEM, "Failed to create a libkmod context."), EXIT_FAILURE;
        kmod_set_log_fn(ctx, log_kmod, NULL);

        r = kmod_module_new_from_loaded(ctx, &list);
        if (r < 0)
                return log_error_errno(r, "Failed to list loaded modules: %m"), EXIT_FAILURE;

        if (cli->json)
                printf("[");
        kmod_list_foreach(l, list) {
                _cleanup_(kmod_module_unrefp) struct kmod_module *mod = kmod_module_get_module(l);

                print_module(cli, kmod_module_get_name(mod), first);
                first = false;
        }
        if (cli->json)
                printf("]\n");
        return EXIT_SUCCESS;
}
