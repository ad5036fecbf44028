/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "core/uap-param.h"
#include "log.h"
#include "sources.h"

/* libkmod's own search path, in its order of precedence. */
static const char * const default_dirs[] = {
        "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d",
};

void sources_done(struct sources *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].path);
                free(s->v[i].options);
        }
        free(s->v);
}

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

static bool is_config_name(const char *name)
{
        size_t len = strlen(name);

        return name[0] != '.' &&
               ((len > 5 && strcmp(name + len - 5, ".conf") == 0) ||
                (len > 6 && strcmp(name + len - 6, ".alias") == 0));
}

static int add_file(struct sources *s, const char *path)
{
        struct source *v;

        /* A file name seen in a directory of higher precedence hides this one. */
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(base_name(s->v[i].path), base_name(path)) == 0)
                        return 0;
        v = reallocarray(s->v, s->n + 1, sizeof(*v));
        if (v == NULL)
                return -ENOMEM;
        s->v = v;
        s->v[s->n] = (struct source) { .path = strdup(path) };
        if (s->v[s->n].path == NULL)
                return -ENOMEM;
        s->n++;
        return 0;
}

static int add_path(struct sources *s, const char *path)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        struct stat st;
        char file[4096];
        int r;

        if (stat(path, &st) < 0)
                return 0;
        if (!S_ISDIR(st.st_mode))
                return add_file(s, path);
        d = opendir(path);
        while (d && (de = readdir(d))) {
                if (!is_config_name(de->d_name))
                        continue;
                snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
                if (stat(file, &st) < 0 || S_ISDIR(st.st_mode))
                        continue;
                r = add_file(s, file);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(base_name(((const struct source *) a)->path),
                      base_name(((const struct source *) b)->path));
}

/* The options of @module libkmod reads from @paths (NULL-terminated). */
static int options_of(const struct cli *cli, const char *module, const char * const *paths, char **ret)
{
        struct loader_paths p = cli->paths;
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_(kmod_module_unrefp) struct kmod_module *mod = NULL;
        const char *o;
        int r;

        p.config = paths;
        r = loader_context_new_unloaded(&p, &ctx);
        if (r < 0)
                return r;
        r = kmod_module_new_from_name(ctx, module, &mod);
        if (r < 0)
                return r;
        o = kmod_module_get_options(mod);
        *ret = o ? strdup(o) : NULL;
        return o && *ret == NULL ? -ENOMEM : 0;
}

/*
 * Every file libkmod reads, in its order, then the command line, each with
 * the options it contributes to @module. libkmod appends the command line
 * to every context, so each file's own part is what precedes it.
 */
int sources_load_module(const struct cli *cli, const char *module, struct sources *s)
{
        _cleanup_free_ char *cmdline = NULL;
        static const char * const none[] = { NULL };
        size_t n_dirs = cli->n_config ? cli->n_config : sizeof(default_dirs) / sizeof(default_dirs[0]);
        struct source *v;
        int r;

        for (size_t i = 0; i < n_dirs; i++) {
                r = add_path(s, cli->n_config ? cli->config[i] : default_dirs[i]);
                if (r < 0)
                        return r;
        }
        qsort(s->v, s->n, sizeof(*s->v), by_name);

        r = options_of(cli, module, none, &cmdline);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n; i++) {
                const char *paths[] = { s->v[i].path, NULL };
                char *o;
                size_t lo, lc = cmdline ? strlen(cmdline) : 0;

                r = options_of(cli, module, paths, &o);
                if (r < 0)
                        return r;
                lo = o ? strlen(o) : 0;
                if (lc > 0 && lo >= lc && strcmp(o + lo - lc, cmdline) == 0) {
                        lo -= lc;
                        while (lo > 0 && o[lo - 1] == ' ')
                                lo--;
                        o[lo] = '\0';
                }
                if (o && *o == '\0') {
                        free(o);
                        o = NULL;
                }
                s->v[i].options = o;
        }

        v = reallocarray(s->v, s->n + 1, sizeof(*v));
        if (v == NULL)
                return -ENOMEM;
        s->v = v;
        s->v[s->n++] = (struct source) { .options = TAKE_PTR(cmdline) };
        return 0;
}

int sources_load(const struct cli *cli, struct sources *s)
{
        return sources_load_module(cli, UAP_CONFIG_MODULE, s);
}

/*
 * Which source gave @key its last value, and with @ret (if not NULL) the
 * word that did; NULL if none did (the default).
 */
const struct source *source_of(const struct sources *s, const char *key, struct uap_param *ret)
{
        const struct source *found = NULL;

        for (size_t i = 0; i < s->n; i++) {
                const char *cursor = s->v[i].options ? s->v[i].options : "";
                struct uap_param p;

                while (uap_param_next(&cursor, &p) > 0)
                        if (uap_param_is(&p, key)) {
                                found = &s->v[i];
                                if (ret)
                                        *ret = p;
                        }
        }
        return found;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
        size_t n = strlen(suffix);

        return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/*
 * A file of a vendor directory (/usr/lib/modprobe.d, /lib/modprobe.d, or
 * the same under an initramfs' DESTDIR; not /usr/local/lib/modprobe.d),
 * or the shipped file wherever it was installed (a source build's prefix
 * is /usr/local): what it sets is a default, for an admin's file to override.
 */
bool source_is_vendor(const struct source *src)
{
        size_t dir;

        if (src->path == NULL)
                return false;
        if (strcmp(base_name(src->path), SHIPPED_CONF) == 0)
                return true;
        dir = base_name(src->path) - src->path;
        return ends_with(src->path, dir, "/lib/modprobe.d/") &&
               !ends_with(src->path, dir, "/local/lib/modprobe.d/");
}

/*
 * Up to version 0.1 the shipped file was udev-async-probe.conf, and an
 * admin's empty file or /dev/null link of that name masked it. Under the
 * new name that masks nothing.
 */
static bool is_legacy_mask(const struct source *src)
{
        struct stat st;

        return src->path && !source_is_vendor(src) && src->options == NULL &&
               strcmp(base_name(src->path), "udev-async-probe.conf") == 0 &&
               stat(src->path, &st) == 0 && (S_ISCHR(st.st_mode) || st.st_size == 0);
}

static bool sets_key(const struct source *src, const char *key)
{
        const char *cursor = src->options ? src->options : "";
        struct uap_param p;

        while (uap_param_next(&cursor, &p) > 0)
                if (uap_param_is(&p, key))
                        return true;
        return false;
}

/*
 * The admin's file whose value of @key a vendor file overrides, or NULL:
 * libkmod reads the files of all directories sorted by name and the last
 * value wins, so a vendor file whose name sorts after an admin's wins.
 */
const struct source *source_overridden(const struct sources *s, const char *key)
{
        const struct source *last = source_of(s, key, NULL);

        if (last == NULL || !source_is_vendor(last))
                return NULL;
        for (size_t i = last - s->v; i-- > 0;)
                if (s->v[i].path && !source_is_vendor(&s->v[i]) && sets_key(&s->v[i], key))
                        return &s->v[i];
        return NULL;
}

/*
 * Say where a vendor file wins over an admin's value, and where an admin's
 * file no longer masks the shipped one: the admin meant it to win.
 */
void sources_warn_overrides(const struct sources *s)
{
        static const char * const keys[] = { "enable", "buses" };

        for (size_t i = 0; i < s->n; i++)
                if (is_legacy_mask(&s->v[i]))
                        log_warning("%s no longer masks the shipped configuration, which is now "
                                    "named " SHIPPED_CONF ": to mask it, link %.*s" SHIPPED_CONF
                                    " to /dev/null; to turn udev-async-probe off, write "
                                    "'options udev_async_probe enable=0' into any file there.",
                                    s->v[i].path, (int) (base_name(s->v[i].path) - s->v[i].path),
                                    s->v[i].path);

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                const struct source *admin = source_overridden(s, keys[i]);
                const struct source *vendor = source_of(s, keys[i], NULL);

                if (admin == NULL)
                        continue;
                log_warning("%s overrides %s= of %s: libkmod reads the modprobe.d files of all "
                            "directories sorted by name, and the last value wins; give %s a name "
                            "that sorts after %s.", vendor->path, keys[i], admin->path,
                            admin->path, base_name(vendor->path));
        }
}

/*
 * The options of the files alone, joined as libkmod joins them: what the
 * configuration is without the running kernel's command line (for an
 * initramfs built now and booted later).
 */
char *sources_join_files(const struct sources *s)
{
        char *text = NULL;
        size_t size = 0;
        bool first = true;
        FILE *f = open_memstream(&text, &size);

        if (f == NULL)
                return NULL;
        for (size_t i = 0; i < s->n; i++) {
                if (s->v[i].path == NULL || s->v[i].options == NULL)
                        continue;
                fprintf(f, "%s%s", first ? "" : " ", s->v[i].options);
                first = false;
        }
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

/*
 * Where @module's options hold @word (as written), for a message: the first
 * modprobe.d file in libkmod's order, or the kernel command line. NULL if
 * no source has it, or on an error.
 */
char *sources_where(const struct cli *cli, const char *module, const char *word, size_t len)
{
        _cleanup_(sources_done) struct sources s = {};

        if (sources_load_module(cli, module, &s) < 0)
                return NULL;
        for (size_t i = 0; i < s.n; i++) {
                const char *cursor = s.v[i].options ? s.v[i].options : "";
                struct uap_param p;

                while (uap_param_next(&cursor, &p) > 0)
                        if (p.word_len == len && memcmp(p.word, word, len) == 0)
                                return strdup(s.v[i].path ? s.v[i].path : "the kernel command line");
        }
        return NULL;
}
