/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record of the modules load inserted with async_probe=1 this boot, for
 * status, explain and report on kernels that do not tell (no async_probe read-back).
 * One file per module, /run/udev-async-probe/requested/MODULE, of
 * "KEY=value" lines: DEVPATH (absent when load ran for a MODALIAS argument),
 * MODALIAS and UAP_RULE, as in the journal message of the insert, and
 * MODULE_SYSFS_INO, the inode number of /sys/module/MODULE after the insert,
 * which a later load of the module (after a removal) does not share. It is
 * written only for an insert that really happened, by the process that did
 * it: one at a time per module (the insert locks), replaced whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "record.h"
#include "state.h"
#include "utf8.h"

/* Longer than any record: three escaped values and a number. */
#define RECORD_MAX (PATH_MAX + UAP_MODALIAS_MAX * 4 + 256)

/* A module name as libkmod gives it: one file name, never a hidden one. */
static bool module_name_valid(const char *module)
{
        return module[0] != '\0' && module[0] != '.' && strchr(module, '/') == NULL &&
               strlen(module) < NAME_MAX - 32;
}

/* The inode number of /sys/module/@module: 0, or -errno. */
static int module_inode(const char *module, unsigned long long *ret)
{
        char path[PATH_MAX];
        struct stat st;

        snprintf(path, sizeof(path), "/sys/module/%s", module);
        if (stat(path, &st) < 0)
                return -errno;
        *ret = (unsigned long long) st.st_ino;
        return 0;
}

static char *record_text(const char *module, const struct device_info *dev, enum uap_rule rule)
{
        _cleanup_free_ char *esc = malloc(RECORD_MAX);
        unsigned long long ino;
        char *text = NULL;
        size_t size = 0;
        FILE *f;

        if (esc == NULL)
                return NULL;
        f = open_memstream(&text, &size);
        if (f == NULL)
                return NULL;
        if (dev->devpath) {
                utf8_escape(dev->devpath, esc, PATH_MAX);
                fprintf(f, "DEVPATH=%s\n", esc);
        }
        utf8_escape(dev->modalias, esc, UAP_MODALIAS_MAX * 4 + 1);
        fprintf(f, "MODALIAS=%s\nUAP_RULE=%s\n", esc, uap_rule_to_string(rule));
        if (module_inode(module, &ino) == 0)
                fprintf(f, "MODULE_SYSFS_INO=%llu\n", ino);
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

/*
 * Record that this process inserted @module with async_probe=1 for @dev, as
 * @rule decided: 0, or -errno (no record: a read-only or full /run).
 */
int record_insert(const char *module, const struct device_info *dev, enum uap_rule rule)
{
        _cleanup_free_ char *text = NULL;
        char tmp[NAME_MAX + 1];
        int dir, sub, r;

        if (!module_name_valid(module))
                return -EINVAL;
        text = record_text(module, dev, rule);
        if (text == NULL)
                return -ENOMEM;
        dir = state_dir(true);
        if (dir < 0)
                return dir;
        sub = state_subdir(dir, RECORD_DIR, true);
        if (sub < 0) {
                close(dir);
                return sub;
        }
        /* Beside the directory, so that it only ever holds whole records. */
        snprintf(tmp, sizeof(tmp), RECORD_DIR ".%s.%i.tmp", module, (int) getpid());
        r = state_replace_file(dir, tmp, sub, module, text);
        close(sub);
        close(dir);
        return r;
}

/* The record directory, to read records from, or -errno (-ENOENT: no record yet). */
int record_dir(void)
{
        int dir, sub;

        dir = state_dir(false);
        if (dir < 0)
                return dir;
        sub = state_subdir(dir, RECORD_DIR, false);
        close(dir);
        return sub;
}

/*
 * A value as written: already escaped, kept as it is. One put there by
 * other means, with raw control characters or bytes that are not UTF-8,
 * is escaped, so that none reaches a terminal.
 */
static void copy_value(char *dst, size_t size, const char *value)
{
        const unsigned char *p = (const unsigned char *) value;

        while (*p) {
                size_t n = utf8_char_len(p);

                if (n == 0 || *p < 0x20 || *p == 0x7f || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
                        utf8_escape(value, dst, size);
                        return;
                }
                p += n;
        }
        snprintf(dst, size, "%s", value);
}

/*
 * The record of @module in @dir (from record_dir()): 1 when there is one
 * for the module loaded now, 0 when there is none (or it is of an earlier
 * load of the module), -errno when it cannot be read.
 */
int record_read(int dir, const char *module, struct record *ret)
{
        _cleanup_free_ char *text = NULL;
        unsigned long long ino = 0, now;
        char *line, *save = NULL;
        bool has_ino = false;
        struct stat st;
        ssize_t n;
        int fd;

        if (dir < 0 || !module_name_valid(module))
                return 0;
        text = malloc(RECORD_MAX);
        if (text == NULL)
                return -ENOMEM;
        /* O_NONBLOCK: a FIFO put there would block the reader. */
        fd = openat(dir, module, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EINVAL;
        }
        n = read(fd, text, RECORD_MAX - 1);
        close(fd);
        if (n < 0)
                return -errno;
        text[n] = '\0';

        *ret = (struct record) {};
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');

                if (eq == NULL)
                        continue;
                *eq++ = '\0';
                if (strcmp(line, "DEVPATH") == 0)
                        copy_value(ret->devpath, sizeof(ret->devpath), eq);
                else if (strcmp(line, "MODALIAS") == 0)
                        copy_value(ret->modalias, sizeof(ret->modalias), eq);
                else if (strcmp(line, "UAP_RULE") == 0)
                        copy_value(ret->rule, sizeof(ret->rule), eq);
                else if (strcmp(line, "MODULE_SYSFS_INO") == 0) {
                        ino = strtoull(eq, NULL, 10);
                        has_ino = true;
                }
        }
        if (ret->modalias[0] == '\0')
                return -EINVAL;
        if (has_ino && (module_inode(module, &now) < 0 || now != ino))
                return 0;
        return 1;
}

/* The device a record names: the last part of its DEVPATH, else its MODALIAS. */
const char *record_device(const struct record *rec)
{
        const char *slash = strrchr(rec->devpath, '/');

        if (rec->devpath[0] == '\0')
                return rec->modalias;
        return slash && slash[1] ? slash + 1 : rec->devpath;
}

/* @key: the record as an object, or null. */
void record_json(struct json *j, const char *key, const struct record *rec)
{
        json_key(j, key);
        if (rec == NULL) {
                json_null(j);
                return;
        }
        json_object_open(j);
        json_kv_string(j, "device", record_device(rec));
        json_kv_string(j, "devpath", rec->devpath[0] ? rec->devpath : NULL);
        json_kv_string(j, "modalias", rec->modalias);
        json_kv_string(j, "rule", rec->rule);
        json_object_close(j);
}
