/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the running system adds to a log of its own boot: the bus and
 * driver of a device, a driver's module, the kernel series' read-back of
 * async probing, the modules listed for systemd-modules-load, and load's
 * record of the modules it inserted with async_probe=1. Names come
 * from the log: anything that is not a plain file name is refused before
 * it reaches a path.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "core/uap-policy.h"
#include "facts.h"
#include "record.h"
#include "sysfs.h"

/* systemd-modules-load's directories, in its order of precedence. */
static const char * const modules_load_dirs[] = {
        "/etc/modules-load.d", "/run/modules-load.d", "/usr/local/lib/modules-load.d",
        "/usr/lib/modules-load.d", "/lib/modules-load.d",
};

static bool safe_name(const char *s)
{
        return s[0] && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* The last component of the link at @path. */
static int link_name(const char *path, char *buf, size_t size)
{
        char target[PATH_MAX];
        const char *slash;
        ssize_t n;

        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        slash = strrchr(target, '/');
        snprintf(buf, size, "%s", slash ? slash + 1 : target);
        return 0;
}

static int device_bus(void *u, const char *device, char *buf, size_t size)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        char path[PATH_MAX];

        if (!safe_name(device))
                return -EINVAL;
        d = opendir("/sys/bus");
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s", de->d_name, device);
                if (access(path, F_OK) == 0) {
                        snprintf(buf, size, "%s", de->d_name);
                        return 0;
                }
        }
        return -ENOENT;
}

static int device_driver(void *u, const char *bus, const char *device, char *buf, size_t size)
{
        char path[PATH_MAX];

        if (!safe_name(bus) || !safe_name(device))
                return -EINVAL;
        snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver", bus, device);
        return link_name(path, buf, size);
}

static int driver_module(void *u, const char *bus, const char *driver, char *buf, size_t size)
{
        char path[PATH_MAX];
        int k;

        if (!safe_name(bus) || !safe_name(driver))
                return -EINVAL;
        snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s/module", bus, driver);
        k = link_name(path, buf, size);
        if (k == -ENOENT) {
                /* The driver is there without a module link: built in. */
                snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s", bus, driver);
                return access(path, F_OK) == 0 ? 1 : -ENOENT;
        }
        return k;
}

/*
 * The kernel series' read-back of a driver's probe strategy: 1 async, 0
 * sync, -ENOENT on kernels without it. Its first version named the file
 * probe_type ("async"/"sync"), the second async_probe ("1"/"0"): this is
 * the one place that knows.
 */
int report_sysfs_driver_async(const char *bus, const char *driver)
{
        static const struct {
                const char *file, *async, *sync;
        } files[] = {
                { "async_probe", "1", "0" },
                { "probe_type", "async", "sync" },
        };
        char path[PATH_MAX], value[32];

        if (!safe_name(bus) || !safe_name(driver))
                return -EINVAL;
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s/%s", bus, driver, files[i].file);
                if (read_one_line(path, value, sizeof(value)) < 0)
                        continue;
                if (strcmp(value, files[i].async) == 0)
                        return 1;
                if (strcmp(value, files[i].sync) == 0)
                        return 0;
        }
        return -ENOENT;
}

static int driver_async(void *u, const char *bus, const char *driver)
{
        return report_sysfs_driver_async(bus, driver);
}

/*
 * async_probe=1 read back for the module, while neither its own options
 * (modprobe.d, kernel command line) nor the kernel-wide module.async_probe
 * asked for it: the loader passed it, which is what udev-async-probe does.
 */
static int module_loaded_async(void *u, const char *module)
{
        _cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
        struct kmod_ctx *ctx = u;
        char value[32];

        if (!safe_name(module))
                return -EINVAL;
        if (read_module_async_probe(module, value, sizeof(value)) < 0)
                return -ENOENT;
        if (strcmp(value, "1") != 0)
                return 0;
        if (read_one_line("/sys/module/module/parameters/async_probe", value, sizeof(value)) == 0 &&
            (strcmp(value, "Y") == 0 || strcmp(value, "1") == 0))
                return 0;
        if (ctx && kmod_module_new_from_name(ctx, module, &mod) == 0 &&
            uap_options_async_probe(kmod_module_get_options(mod)) >= 0)
                return 0;
        return 1;
}

static bool same_module(const char *a, const char *b)
{
        for (; *a && *b; a++, b++)
                if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                        return false;
        return *a == *b;
}

static bool file_lists(const char *path, const char *module)
{
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        char line[512];

        while (f && fgets(line, sizeof(line), f)) {
                char *s = line + strspn(line, " \t");

                s[strcspn(s, " \t\r\n#;")] = '\0';
                if (*s && same_module(s, module))
                        return true;
        }
        return false;
}

/* A file of the same name in a directory of higher precedence hides it. */
static bool hidden(const char *name, size_t upto)
{
        char path[PATH_MAX];

        for (size_t i = 0; i < upto; i++) {
                snprintf(path, sizeof(path), "%s/%s", modules_load_dirs[i], name);
                if (access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

/* modules_load=a,b on the kernel command line ("modules-load=", "rd." too). */
static bool cmdline_lists(const char *module)
{
        char cmdline[4096], *word, *save = NULL;

        if (read_one_line("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
                return false;
        for (word = strtok_r(cmdline, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
                char *list, *m, *save2 = NULL;

                if (strncmp(word, "rd.", 3) == 0)
                        word += 3;
                if (strncmp(word, "modules_load=", 13) != 0 && strncmp(word, "modules-load=", 13) != 0)
                        continue;
                list = word + 13;
                for (m = strtok_r(list, ",", &save2); m; m = strtok_r(NULL, ",", &save2))
                        if (same_module(m, module))
                                return true;
        }
        return false;
}

static int module_listed(void *u, const char *module, char *buf, size_t size)
{
        char path[PATH_MAX];

        if (cmdline_lists(module)) {
                snprintf(buf, size, "modules_load= on the kernel command line");
                return 1;
        }

        for (size_t i = 0; i < sizeof(modules_load_dirs) / sizeof(modules_load_dirs[0]); i++) {
                _cleanup_(closedirp) DIR *d = opendir(modules_load_dirs[i]);
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        size_t len = strlen(de->d_name);

                        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0 ||
                            hidden(de->d_name, i))
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", modules_load_dirs[i], de->d_name);
                        if (file_lists(path, module)) {
                                snprintf(buf, size, "%s", path);
                                return 1;
                        }
                }
        }
        return 0;
}

/* udev-async-probe's record of this boot (record.c): a stock kernel does not tell. */
static int module_requested(void *u, const char *module, char *buf, size_t size)
{
        struct record rec;
        int dir, k;

        if (!safe_name(module))
                return -EINVAL;
        dir = record_dir();
        if (dir < 0)
                return dir == -ENOENT ? 0 : dir;
        k = record_read(dir, module, &rec);
        close(dir);
        if (k > 0)
                snprintf(buf, size, "%s (%s)", record_device(&rec), rec.rule);
        return k;
}

void report_sysfs_facts(struct report_facts *facts, struct kmod_ctx *ctx)
{
        *facts = (struct report_facts) {
                .userdata = ctx,
                .device_bus = device_bus,
                .device_driver = device_driver,
                .driver_module = driver_module,
                .driver_async = driver_async,
                .module_loaded_async = module_loaded_async,
                .module_listed = module_listed,
                .module_requested = module_requested,
        };
}
