/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real kernel as the oracle for the module option reader, run inside
 * UML by options-test.sh (uml-options.sh). For every string of
 * test/fuzz/options.corpus it writes "options uap_empty STRING" into a
 * modprobe.d dir of its own and loads uap_empty (no parameters, so every
 * word goes to the kernel's generic handler) three ways, reading the
 * kernel's own /sys/module/uap_empty/async_probe_requested (core patch 0001) after each
 * and unloading it again:
 *
 *   program   "udev-async-probe load", run by hand: async_probe=1 appended
 *             where the policy appends, a plain insert otherwise
 *   modprobe  "modprobe uap_empty": the plain load of udev's kmod load
 *   raw       finit_module() with libkmod's options string as it is,
 *             without the space libkmod puts after it
 *
 * and checks the read-backs against what the program says ("explain
 * --json": async, append, rule) and against the kernel model of
 * test/fuzz, which is so checked itself. Prints TAP, one line per string.
 *
 *   options-oracle PROGRAM CORPUS MODULE.ko
 */
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corpus.h"
#include "kernel-model.h"

#define MODULE "uap_empty"
#define MODALIAS "uapopts:oracle"

struct claim {
        bool async;
        bool append;
        char rule[64];
};

/* Runs @argv with stdout into @out; returns its exit status, or -1. */
static int run(char *const argv[], char *out, size_t size)
{
        char drain[4096];
        size_t len = 0;
        int fd[2], status;
        ssize_t n;
        pid_t pid;

        if (pipe(fd) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                dup2(fd[1], STDOUT_FILENO);
                close(fd[0]);
                close(fd[1]);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(fd[1]);
        /* Past @size, drain the rest so that the child never blocks on a full pipe. */
        while ((n = read(fd[0], len + 1 < size ? out + len : drain,
                         len + 1 < size ? size - 1 - len : sizeof(drain))) > 0)
                if (len + 1 < size)
                        len += n;
        out[len] = '\0';
        close(fd[0]);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

/* The kernel's read-back: 0, 1, or -1 when the module is not there. */
static int read_back(const char *path)
{
        char buf[8] = "";
        FILE *f = fopen(path, "re");
        int r = -1;

        if (f && fgets(buf, sizeof(buf), f))
                r = buf[0] == '1' || buf[0] == 'Y' ? 1 : buf[0] == '0' || buf[0] == 'N' ? 0 : -1;
        if (f)
                fclose(f);
        return r;
}

/* The module's async_probe as the kernel recorded it, and the module gone again. */
static int loaded_then_removed(void)
{
        int v = read_back("/sys/module/" MODULE "/async_probe_requested");

        if (v >= 0 && syscall(SYS_delete_module, MODULE, O_NONBLOCK) < 0)
                fprintf(stderr, "# delete_module: %s\n", strerror(errno));
        return v;
}

static int write_config(const char *dir, const char *options)
{
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/oracle.conf", dir);
        f = fopen(path, "we");
        if (f == NULL)
                return -1;
        fprintf(f, "alias " MODALIAS " " MODULE "\n"
                   "options udev_async_probe enable=1 buses=uapopts\n");
        if (*options)
                fprintf(f, "options " MODULE " %s\n", options);
        return fclose(f);
}

/* What libkmod makes of the file: the program and the loads see this. */
static char *libkmod_options(const char *dir)
{
        const char *paths[] = { dir, NULL };
        struct kmod_ctx *ctx = kmod_new(NULL, paths);
        struct kmod_module *mod = NULL;
        const char *o;
        char *r = NULL;

        if (ctx && kmod_module_new_from_name(ctx, MODULE, &mod) == 0) {
                o = kmod_module_get_options(mod);
                r = o ? strdup(o) : NULL;
                kmod_module_unref(mod);
        }
        kmod_unref(ctx);
        return r;
}

static int program_claim(const char *program, const char *dir, struct claim *c)
{
        char *argv[] = { (char *) program, "-q", "-C", (char *) dir, "explain", "--json", MODALIAS, NULL };
        char out[16384];
        const char *m, *rule;

        if (run(argv, out, sizeof(out)) != 0 || (m = strstr(out, "\"module\":\"" MODULE "\"")) == NULL)
                return -1;
        c->async = strstr(m, "\"async\":true") != NULL;
        c->append = strstr(m, "\"append\":true") != NULL;
        rule = strstr(m, "\"rule\":\"");
        if (rule == NULL)
                return -1;
        rule += strlen("\"rule\":\"");
        snprintf(c->rule, sizeof(c->rule), "%.*s", (int) strcspn(rule, "\""), rule);
        return 0;
}

static int load_program(const char *program, const char *dir)
{
        char *argv[] = { (char *) program, "-q", "-C", (char *) dir, "load", MODALIAS, NULL };
        char out[256];

        return run(argv, out, sizeof(out)) == 0 ? loaded_then_removed() : -1;
}

static int load_modprobe(const char *dir)
{
        char *argv[] = { "modprobe", "-C", (char *) dir, MODULE, NULL };
        char out[256];

        return run(argv, out, sizeof(out)) == 0 ? loaded_then_removed() : -1;
}

static int load_raw(const char *ko, const char *options)
{
        int fd = open(ko, O_RDONLY | O_CLOEXEC), r;

        if (fd < 0)
                return -1;
        r = syscall(SYS_finit_module, fd, options, 0);
        close(fd);
        return r == 0 ? loaded_then_removed() : -1;
}

/* The model's async_probe for the string the kernel gets; @dflt if none. */
static int model(const char *args, int dflt)
{
        struct km_args k;
        int v;

        if (km_parse(args ? args : "", &k) < 0)
                return -1;
        v = km_async_probe(&k);
        km_args_free(&k);
        return v < 0 ? dflt : v;
}

static void show(const char *s)
{
        for (; s && *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c >= 0x20 && c < 0x7f && c != '\\')
                        putchar(c);
                else
                        printf("\\x%02x", c);
        }
}

/* One corpus string: prints its TAP line; returns the number of disagreements. */
static int check_one(const char *program, const char *ko, const char *dir, const char *s,
                     int dflt, unsigned n)
{
        char *o = NULL, *plain = NULL, *joined = NULL, *problems = NULL;
        int k_prog, k_modprobe, k_raw, m_plain, m_load, m_raw, bad = 0;
        struct claim c = { .rule = "?" };
        size_t size = 0;
        FILE *p;

        if (write_config(dir, s) < 0) {
                printf("not ok %u - cannot write the configuration\n", n);
                return 1;
        }
        o = libkmod_options(dir);
        plain = km_join(o, NULL);
        joined = km_join(o, "async_probe=1");
        p = open_memstream(&problems, &size);
        if (plain == NULL || joined == NULL || p == NULL)
                abort();

        if (program_claim(program, dir, &c) < 0) {
                fprintf(p, "#   explain --json failed or named no " MODULE "\n");
                bad++;
        }
        k_prog = load_program(program, dir);
        k_modprobe = load_modprobe(dir);
        k_raw = load_raw(ko, o ? o : "");
        m_plain = model(plain, dflt);
        m_load = model(c.append ? joined : plain, dflt);
        m_raw = model(o, dflt);

        /* The program: explain says how the module probes once the program loaded it... */
        if (k_prog != c.async) {
                fprintf(p, "#   program: explain says %s (%s), its load gave the kernel's async_probe=%d\n",
                        c.async ? "async" : "sync", c.rule, k_prog);
                bad++;
        }
        /* ...and its reading of the options alone is what a plain load gets. */
        if (k_modprobe != (strcmp(c.rule, "module-options") == 0 ? c.async : dflt)) {
                fprintf(p, "#   program: rule %s, async=%d; a plain modprobe gave async_probe=%d\n",
                        c.rule, c.async, k_modprobe);
                bad++;
        }
        /* The model, on each string the kernel got. */
        if (k_modprobe != m_plain || k_prog != m_load || k_raw != m_raw) {
                fprintf(p, "#   model: %d %d %d (program's load, modprobe, raw), kernel %d %d %d\n",
                        m_load, m_plain, m_raw, k_prog, k_modprobe, k_raw);
                bad++;
        }
        fclose(p);

        printf("%s %u - \"", bad ? "not ok" : "ok", n);
        show(s);
        printf("\": kernel %d %d %d (program's load, modprobe, raw); program: %s, %s%s\n",
               k_prog, k_modprobe, k_raw, c.async ? "async" : "sync", c.rule, c.append ? ", appends" : "");
        if (o && strcmp(o, s) != 0) {
                printf("#   libkmod's options: \"");
                show(o);
                printf("\"\n");
        }
        fputs(problems, stdout);
        free(problems);
        free(o);
        free(plain);
        free(joined);
        return bad;
}

int main(int argc, char *argv[])
{
        char dir[] = "/tmp/options-oracle.XXXXXX", path[4096];
        struct corpus c;
        unsigned n = 0, failed = 0;
        int dflt;

        if (argc != 4) {
                fprintf(stderr, "usage: %s PROGRAM CORPUS MODULE.ko\n", argv[0]);
                return 2;
        }
        if (corpus_read(argv[2], &c) < 0 || mkdtemp(dir) == NULL)
                return 2;
        /* With module.async_probe=1 a module that asks nothing probes async. */
        dflt = read_back("/sys/module/module/parameters/async_probe");
        if (dflt < 0 || read_back("/sys/module/" MODULE "/async_probe_requested") >= 0) {
                fprintf(stderr, "module.async_probe unreadable, or %s already loaded\n", MODULE);
                return 2;
        }

        for (size_t i = 0; i < c.n; i++) {
                /* A modprobe.d line cannot hold a newline. */
                if (strchr(c.v[i], '\n'))
                        continue;
                if (check_one(argv[1], argv[3], dir, c.v[i], dflt, ++n) > 0)
                        failed++;
        }
        printf("1..%u\n# %u of %u strings: the kernel disagrees with the program or the model\n",
               n, failed, n);
        snprintf(path, sizeof(path), "%s/oracle.conf", dir);
        unlink(path);
        rmdir(dir);
        corpus_free(&c);
        return failed || n == 0 ? 1 : 0;
}
