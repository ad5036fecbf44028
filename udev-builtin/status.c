/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "pending.h"
#include "record.h"
#include "state.h"
#include "sysfs.h"
#include "verbs.h"

/* Kernels without the read-back files give "unknown": never guessed from anything else. */
static const char *read_value(const char *path, char *buf, size_t size)
{
        return read_one_line(path, buf, size) < 0 ? NULL : buf;
}

/*
 * The drivers a module registered show up as "<bus>:<driver>" links; each
 * one's async_probe file is what the driver core decided for it.
 */
static void print_drivers(const struct cli *cli, struct json *j, const char *module)
{
        _cleanup_(closedirp) DIR *dir = NULL;
        char path[4096], name[256], value[64];
        struct dirent *de;

        snprintf(path, sizeof(path), "/sys/module/%s/drivers", module);
        dir = opendir(path);
        while (dir && (de = readdir(dir))) {
                const char *async_probe;
                char *colon;

                snprintf(name, sizeof(name), "%s", de->d_name);
                colon = strchr(name, ':');
                if (name[0] == '.' || colon == NULL)
                        continue;
                *colon = '\0';
                snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s/async_probe", name, colon + 1);
                async_probe = read_value(path, value, sizeof(value));
                if (cli->json == JSON_OFF) {
                        printf(" %s/%s=%s", name, colon + 1,
                               async_probe == NULL ? "unknown" : strcmp(async_probe, "1") == 0 ? "async" : "sync");
                        continue;
                }
                json_object_open(j);
                json_kv_string(j, "bus", name);
                json_kv_string(j, "driver", colon + 1);
                json_key(j, "async_probe");
                if (async_probe == NULL)
                        json_null(j);
                else
                        json_bool(j, strcmp(async_probe, "1") == 0);
                json_object_close(j);
        }
}

/*
 * Probes still running: the kernel workers seen in the module's probe (a
 * best effort; the kernel counts pending asynchronous work, but not by
 * module).
 */
static long running_of(const struct pending *running, const char *name)
{
        const struct pending_module *m = pending_find(running, name);

        return m ? (long) m->running : 0;
}

/*
 * The kernel's read-back where it has one (the project's series), else
 * load's record of its insert with async_probe=1; where both are, the
 * kernel's value, and when it says otherwise, that it does.
 */
static void print_async_probe(const char *kernel, const struct record *rec)
{
        if (rec == NULL)
                printf(" async_probe=%s", kernel ? kernel : "unknown");
        else if (kernel == NULL || strcmp(kernel, "1") == 0)
                printf(" async_probe=1 (requested by udev-async-probe for %s)", record_device(rec));
        else
                printf(" async_probe=%s (the kernel's read-back disagrees: udev-async-probe requested "
                       "async_probe=1 for %s)", kernel, record_device(rec));
}

static void print_module(const struct cli *cli, struct json *j, const char *name,
                         const struct pending *running, int records)
{
        char value[64];
        const char *async_probe;
        struct record record, *rec = NULL;
        long seen;
        int r;

        async_probe = read_module_async_probe(name, value, sizeof(value)) < 0 ? NULL : value;
        seen = running_of(running, name);
        r = record_read(records, name, &record);
        if (r > 0)
                rec = &record;
        else if (r < 0)
                log_warning_errno(r, "Failed to read " STATE_DIR "/" RECORD_DIR "/%s: %m", name);

        if (cli->json == JSON_OFF) {
                printf("%-24s", name);
                print_async_probe(async_probe, rec);
                if (seen > 0)
                        printf(" running=%ld", seen);
                print_drivers(cli, j, name);
                printf("\n");
                return;
        }
        json_object_open(j);
        json_kv_string(j, "module", name);
        json_key(j, "async_probe");
        if (async_probe)
                json_bool(j, strcmp(async_probe, "1") == 0);
        else if (rec)
                json_bool(j, true);
        else
                json_null(j);
        json_key(j, "kernel_async_probe");
        if (async_probe == NULL)
                json_null(j);
        else
                json_bool(j, strcmp(async_probe, "1") == 0);
        record_json(j, "requested", rec);
        json_kv_bool(j, "disagreement", rec && async_probe && strcmp(async_probe, "1") != 0);
        /* No kernel counts a module's pending probes (only series v3 did): kept, null. */
        json_key(j, "pending");
        json_null(j);
        json_kv_int(j, "running", seen);
        json_key(j, "drivers");
        json_array_open(j);
        print_drivers(cli, j, name);
        json_array_close(j);
        json_object_close(j);
}

static void help(void)
{
        printf("udev-async-probe status [OPTIONS...]\n"
               "\n"
               "The loaded modules, whether async probing was requested for each, and\n"
               "how each of their drivers probes, as the kernel reports it; on kernels\n"
               "without the read-back files, the modules load inserted with\n"
               "async_probe=1 this boot, and for which device (others say \"unknown\"),\n"
               "and the asynchronous probes still running: running=N (kernel workers\n"
               "seen in the module's probe).\n"
               "\n"
               "Options:\n"
               CLI_JSON_HELP
               CLI_COMMON_HELP);
}

int verb_status(struct cli *cli, int argc, char **argv)
{
        static const struct option options[] = {
                CLI_COMMON_OPTIONS,
                CLI_JSON_OPTIONS,
                {}
        };
        _cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        struct pending running = {};
        struct kmod_list *l;
        struct json j;
        int r, records;

        r = cli_getopt(cli, argc, argv, CLI_COMMON_SHORTOPTS, options, help, NULL, NULL);
        if (r >= 0)
                return r;
        if (optind != argc) {
                log_error("status takes no arguments.");
                return EXIT_USAGE;
        }
        log_open(false);

        /* Only /proc/modules is read: no module indexes are needed. */
        ctx = kmod_new(NULL, NULL);
        if (ctx == NULL)
                return log_oom(), EXIT_FAILURE;
        kmod_set_log_fn(ctx, log_kmod, NULL);
        kmod_set_log_priority(ctx, log_get_kmod_level());

        r = kmod_module_new_from_loaded(ctx, &list);
        if (r < 0)
                return log_error_errno(r, "Failed to list loaded modules: %m"), EXIT_FAILURE;

        r = pending_read_running(&running);
        if (r < 0)
                return log_oom(), EXIT_FAILURE;

        records = record_dir();
        if (records < 0 && records != -ENOENT)
                log_warning_errno(records, "Failed to open " STATE_DIR "/" RECORD_DIR ": %m");

        json_begin(&j, stdout, cli->json);
        if (cli->json != JSON_OFF)
                json_array_open(&j);
        kmod_list_foreach(l, list) {
                _cleanup_(kmod_module_unrefp) struct kmod_module *mod = kmod_module_get_module(l);

                print_module(cli, &j, kmod_module_get_name(mod), &running, records);
        }
        if (cli->json != JSON_OFF) {
                json_array_close(&j);
                json_end(&j);
        }
        pending_done(&running);
        if (records >= 0)
                close(records);
        return cli_finish_output(EXIT_SUCCESS);
}
