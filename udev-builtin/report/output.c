/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report as text for a terminal and as JSON for tools. */
#include <inttypes.h>
#include <string.h>

#include "listing.h"
#include "output.h"
#include "utf8.h"

/* Names from the log are escaped before they reach a terminal. */
#define ESC(buf, s) (utf8_escape((s), (buf), sizeof(buf)), (buf))
#define ESC_OR(buf, s, dflt) ((s)[0] ? ESC(buf, s) : (dflt))

/* "87us", "450.2ms", "1.006s": the unit that keeps the digits few. */
void report_format_usec(uint64_t usec, char *buf, size_t size)
{
        if (usec < 1000)
                snprintf(buf, size, "%" PRIu64 "us", usec);
        else if (usec < 1000000)
                snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "ms", usec / 1000, usec % 1000 / 100);
        else
                snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 "s", usec / 1000000, usec % 1000000 / 1000);
}

/* A point in time since boot: always seconds, to the millisecond. */
static const char *at(uint64_t usec, char *buf, size_t size)
{
        snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 "s", usec / 1000000, usec % 1000000 / 1000);
        return buf;
}

static const char *span(uint64_t usec, char *buf, size_t size)
{
        report_format_usec(usec, buf, size);
        return buf;
}

static const struct report_driver *driver_of(const struct report *r, const struct report_probe *p)
{
        return r->n_drivers ? &r->drivers[p->driver_idx] : NULL;
}

static void print_header(const struct report *r, FILE *f, const char *source)
{
        char a[256], b[256];

        fprintf(f, "Kernel log: %s, %zu lines, %zu used%s\n", ESC(a, source), r->lines, r->lines_used,
                r->boots > 1 ? "; the last of several boots" : "");
        if (r->times_received)
                fprintf(f, "Times: when journald received each line (journalctl's short forms), not when the\n"
                        "kernel logged it: the lines it read from the kernel's buffer as it started all\n"
                        "carry its start time, and a step of the clock moves the lines after it. Durations\n"
                        "are the kernel's; start and end times, the order of probes and the critical path\n"
                        "are not to be trusted. For the kernel's times: dmesg, or journalctl -k -o json,\n"
                        "as they print them.\n");
        else if (r->wall_seconds)
                fprintf(f, "Times: the kernel's, on the wall clock to the second (dmesg -T), from the boot's\n"
                        "first line: start times are known to a second, durations exactly. For exact\n"
                        "times: dmesg, or journalctl -k -o json, as they print them.\n");
        if (r->kernel_lines_as_written)
                fprintf(f, "Kernel lines: unchecked in a journal saved as text, where a program's line can\n"
                        "pass for the kernel's (systemd-cat -t 'kernel: ...' in journalctl -b; in -k only\n"
                        "through /dev/kmsg); journalctl -o json tells them apart.\n");
        if (r->program_names_as_written)
                fprintf(f, "Programs: as each line names its writer. In the kernel log (/dev/kmsg, where\n"
                        "journald's ForwardToKMsg=yes puts any user's lines) and in a journal saved as\n"
                        "text a program names itself; journalctl -o json (or --journal) lets the report\n"
                        "check the lines a tool sent to the journal.\n");
        /* Of a log in no known form nothing is known: no advice for the boot. */
        if (r->lines_used > 0 || r->lines == 0)
                fprintf(f, "initcall_debug lines: %s; driver core debug lines: %s\n",
                        r->initcall_debug ? "yes" : "no (add initcall_debug to the kernel command line)",
                        r->dyndbg ? "yes" : "no (dyndbg=\"file drivers/base/dd.c +p\" tells sync from async)");
        if (r->config)
                fprintf(f, "Configuration: enable=%i buses=%s%s\n", r->config->enable,
                        ESC(b, r->config->buses), r->config->invalid ? " (invalid: nothing is async)" : "");
        if (r->dropped)
                fprintf(f, "%zu records past the limits of one boot were left out.\n", r->dropped);
        if (r->userspace_usec)
                fprintf(f, "User space started at %s", at(r->userspace_usec, a, sizeof(a)));
        if (r->udevd_usec)
                fprintf(f, "%ssystemd-udevd's first line at %s", r->userspace_usec ? ", " : "",
                        at(r->udevd_usec, a, sizeof(a)));
        if (r->userspace_usec || r->udevd_usec)
                fputc('\n', f);
}

/* "(9)", or "(5 of 47: the 5 longest)": how much of the boot a list shows. */
static void print_count(FILE *f, size_t shown, size_t all, const struct report_listing *l)
{
        char what[160];

        report_listing_describe(l, what, sizeof(what));
        if (what[0] == '\0')
                fprintf(f, "(%zu)", all);
        else
                fprintf(f, "(%zu of %zu: %s)", shown, all, what);
}

static void print_probes(const struct report *r, const struct report_list *l, FILE *f)
{
        char s[32], e[32], t[32], dev[512], drv[512], bus[512];

        fprintf(f, "\nProbes ");
        print_count(f, l->n_probes, r->n_probes, l->listing);
        fprintf(f, ", %s; * on the critical path:\n",
                l->listing->sort == REPORT_SORT_DURATION ? "longest first" : "by start");
        fprintf(f, "  %-9s %-9s %9s %6s %-7s %-10s %-16s %-20s %s\n", "START", "END", "TIME", "RESULT",
                "MODE", "BUS", "DRIVER", "DEVICE", "LOADER");
        for (size_t k = 0; k < l->n_probes; k++) {
                const struct report_probe *p = &r->probes[l->probes[k]];
                const struct report_driver *d = driver_of(r, p);

                fprintf(f, "%c %-9s %-9s %9s %6i %-7s %-10s %-16s %-20s %s\n", p->critical ? '*' : ' ',
                        at(p->start_usec, s, sizeof(s)), at(p->end_usec, e, sizeof(e)),
                        span(p->end_usec - p->start_usec, t, sizeof(t)), p->result,
                        report_mode_to_string(p->mode), ESC_OR(bus, p->bus, "?"),
                        ESC_OR(drv, p->driver, "?"), ESC(dev, p->device),
                        d ? report_loader_to_string(d->loader) : "unknown");
        }
}

static void put_words(FILE *f, size_t *col, const char *words);

/*
 * Probes of unknown mode whose module udev-async-probe inserted with
 * async_probe=1 this boot, by its record: requested, which is all a log
 * without the driver core's lines and a kernel without the read-back tell.
 */
static void print_requested(const struct report *r, const struct report_list *l, FILE *f)
{
        char dev[512], mod[512], word[1040];
        size_t col = 0, n = 0, i = 0;

        for (int pass = 0; pass < 2; pass++)
                for (size_t k = 0; k < l->n_probes; k++) {
                        const struct report_probe *p = &r->probes[l->probes[k]];
                        const struct report_driver *d = driver_of(r, p);

                        if (p->mode != REPORT_MODE_UNKNOWN || d == NULL || d->requested != 1)
                                continue;
                        if (pass == 0) {
                                n++;
                                continue;
                        }
                        if (i++ == 0) {
                                fputc('\n', f);
                                put_words(f, &col, "Mode unknown, async probing requested: udev-async-probe "
                                          "inserted the module of each of these probes with async_probe=1 this "
                                          "boot (its record in /run/udev-async-probe/requested/):");
                        }
                        snprintf(word, sizeof(word), "%s (%s)%s", ESC(dev, p->device), ESC(mod, d->module),
                                 i < n ? "," : ".");
                        put_words(f, &col, word);
                }
        if (n > 0)
                fputc('\n', f);
}

static void print_drivers(const struct report *r, const struct report_list *l, FILE *f)
{
        char t[32], lo[32], drv[512], bus[512], mod[512], how[512];

        fprintf(f, "\nDrivers ");
        print_count(f, l->n_drivers, r->n_drivers, l->listing);
        fprintf(f, "%s:\n", l->listing->sort == REPORT_SORT_DURATION ? ", longest probe time first" : "");
        fprintf(f, "  %-16s %-10s %-16s %6s %9s %9s %-7s %s\n", "DRIVER", "BUS", "MODULE", "PROBES",
                "TIME", "LONGEST", "MODE", "LOADED BY (evidence)");
        for (size_t k = 0; k < l->n_drivers; k++) {
                const struct report_driver *d = &r->drivers[l->drivers[k]];

                fprintf(f, "  %-16s %-10s %-16s %6zu %9s %9s %-7s %s (%s)\n", ESC_OR(drv, d->name, "?"),
                        ESC_OR(bus, d->bus, "?"), d->builtin ? "(built in)" : ESC_OR(mod, d->module, "?"),
                        d->n_probes, span(d->probe_usec, t, sizeof(t)),
                        span(d->longest_usec, lo, sizeof(lo)), report_mode_to_string(d->mode),
                        report_loader_to_string(d->loader), ESC(how, d->loader_how));
        }
}

static void print_critical(const struct report *r, FILE *f)
{
        char s[32], t[32], g[32], dev[512], drv[512];
        uint64_t prev_end = 0;

        if (r->n_critical == 0)
                return;
        fprintf(f, "\nCritical path: %zu probes, %s of probing, ending at %s\n", r->n_critical,
                span(r->critical_usec, t, sizeof(t)),
                at(r->probes[r->critical[r->n_critical - 1]].end_usec, s, sizeof(s)));
        fprintf(f, "  (by time alone: each probe follows the one that ended last before it started)\n");
        for (size_t i = 0; i < r->n_critical; i++) {
                const struct report_probe *p = &r->probes[r->critical[i]];
                uint64_t gap = i > 0 && p->start_usec > prev_end ? p->start_usec - prev_end : 0;

                fprintf(f, "  %-9s %9s  %-20s %-16s %-7s", at(p->start_usec, s, sizeof(s)),
                        span(p->end_usec - p->start_usec, t, sizeof(t)), ESC(dev, p->device),
                        ESC_OR(drv, p->driver, "?"), report_mode_to_string(p->mode));
                if (i > 0)
                        fprintf(f, " %s after the previous", span(gap, g, sizeof(g)));
                fputc('\n', f);
                prev_end = p->end_usec;
        }
}

/* A sentence word by word, wrapped at 78 columns; @col is where the line is. */
static void put_words(FILE *f, size_t *col, const char *words)
{
        const char *w = words;

        while (*w) {
                size_t len = strcspn(w, " ");

                if (*col > 0 && *col + 1 + len > 78) {
                        fputc('\n', f);
                        *col = 0;
                }
                *col += (size_t) fprintf(f, "%s%.*s", *col ? " " : "", (int) len, w);
                w += len;
                w += strspn(w, " ");
        }
}

/*
 * The unlisted buses whose estimate is below REPORT_ADVICE_MIN_USEC, named
 * in one sentence rather than advised one by one: less than what one
 * probe's time varies between two boots is no saving to act on.
 */
static void print_small_savings(const struct report *r, FILE *f, size_t n_small)
{
        char t[32], bus[512], word[520], rest[256];
        size_t col = 0, k = 0;

        fputc('\n', f);
        put_words(f, &col, "No advice for");
        for (size_t i = 0; i < r->n_buses; i++) {
                const struct report_bus *x = &r->buses[i];

                if (x->listed || x->n_movable == 0 || x->saved_usec >= REPORT_ADVICE_MIN_USEC)
                        continue;
                /* An escaped name has no space: one word. */
                snprintf(word, sizeof(word), "%s%s", ESC(bus, x->name), ++k < n_small ? "," : ":");
                put_words(f, &col, word);
        }
        report_format_usec(REPORT_ADVICE_MIN_USEC, t, sizeof(t));
        snprintf(rest, sizeof(rest), "listing %s would save less than %s (SAVED), less than one probe's "
                 "time varies from boot to boot.", n_small > 1 ? "each" : "it", t);
        put_words(f, &col, rest);
        fputc('\n', f);
}

static void print_buses(const struct report *r, FILE *f)
{
        char a[32], b[32], c[32], d[32], e[32], bus[512];
        size_t n_small = 0;
        bool any = false;

        fprintf(f, "\nTime in probes per bus (count/time):\n");
        fprintf(f, "  %-12s %-6s %15s %15s %15s %15s %12s\n", "BUS", "LISTED", "SYNC", "ASYNC", "UNKNOWN",
                "MOVABLE", "SAVED (est.)");
        for (size_t i = 0; i < r->n_buses; i++) {
                const struct report_bus *x = &r->buses[i];
                char sync[48], async[48], unknown[48], movable[48];

                snprintf(sync, sizeof(sync), "%zu/%s", x->n_sync, span(x->sync_usec, a, sizeof(a)));
                snprintf(async, sizeof(async), "%zu/%s", x->n_async, span(x->async_usec, b, sizeof(b)));
                snprintf(unknown, sizeof(unknown), "%zu/%s", x->n_unknown, span(x->unknown_usec, c, sizeof(c)));
                snprintf(movable, sizeof(movable), "%zu/%s", x->n_movable, span(x->movable_usec, d, sizeof(d)));
                fprintf(f, "  %-12s %-6s %15s %15s %15s %15s %12s\n", ESC_OR(bus, x->name, "?"),
                        !x->name[0] ? "-" : x->listed ? "yes" : "no", sync, async, unknown,
                        x->listed || !x->name[0] ? "-" : movable,
                        x->listed || !x->name[0] ? "-" : span(x->saved_usec, e, sizeof(e)));
        }
        for (size_t i = 0; i < r->n_buses; i++) {
                const struct report_bus *x = &r->buses[i];

                if (x->listed || x->n_movable == 0)
                        continue;
                if (x->saved_usec < REPORT_ADVICE_MIN_USEC) {
                        n_small++;
                        continue;
                }
                if (!any)
                        fputc('\n', f);
                any = true;
                fprintf(f, "Listing %s in buses= would have let %s of synchronous probes (%zu) run in\n"
                        "parallel, off udev's workers; estimated saving %s.\n",
                        ESC(bus, x->name), span(x->movable_usec, a, sizeof(a)), x->n_movable,
                        span(x->saved_usec, b, sizeof(b)));
        }
        if (n_small > 0)
                print_small_savings(r, f, n_small);
        for (size_t i = 0; i < r->n_buses; i++) {
                const struct report_bus *x = &r->buses[i];

                if (!x->listed || x->n_listed_sync == 0)
                        continue;
                fprintf(f, "\n%s is listed, yet %zu probes (%s) of modules that udev loaded ran\n"
                        "synchronously: udev's rules did not run udev-async-probe for them, or\n"
                        "their drivers force synchronous probing (see \"udev-async-probe explain\").\n",
                        ESC(bus, x->name), x->n_listed_sync, span(x->listed_sync_usec, a, sizeof(a)));
        }
        fprintf(f, "\nMOVABLE: sync probes on an unlisted bus of drivers that udev loaded (or whose\n"
                "loader is unknown). SAVED: per driver, the sum of those probes less the longest\n"
                "one, as one module load probes them all at once when async.\n");
}

void report_print_text(const struct report *r, const struct report_list *l, FILE *f, const char *source)
{
        print_header(r, f, source);
        if (r->n_probes == 0 && r->lines > 0 && r->lines_used == 0) {
                fprintf(f, "\nThe log's lines are in no form the report knows: dmesg (also -r, -x, -T),\n"
                        "journalctl -k or -b (-o json, short-monotonic, short, short-precise), /dev/kmsg\n"
                        "records.\n");
                return;
        }
        if (r->n_probes == 0) {
                fprintf(f, "\nNo probe lines: boot with initcall_debug to see each probe's time.\n");
                return;
        }
        print_probes(r, l, f);
        print_requested(r, l, f);
        print_drivers(r, l, f);
        print_critical(r, f);
        print_buses(r, f);
}

/* "" is JSON's null: nothing in the log told. */
static void kv_name(struct json *j, const char *key, const char *s)
{
        json_kv_string(j, key, s && s[0] ? s : NULL);
}

static void kv_usec_or_null(struct json *j, const char *key, uint64_t usec)
{
        json_key(j, key);
        if (usec)
                json_int(j, (long long) usec);
        else
                json_null(j);
}

/* 1 true, 0 false, else null: not known (a saved log is not read against this boot's record). */
static void kv_tristate(struct json *j, const char *key, int v)
{
        json_key(j, key);
        if (v < 0)
                json_null(j);
        else
                json_bool(j, v);
}

static void json_probes(const struct report *r, const struct report_list *l, struct json *j)
{
        json_key(j, "probes");
        json_array_open(j);
        for (size_t k = 0; k < l->n_probes; k++) {
                const struct report_probe *p = &r->probes[l->probes[k]];
                const struct report_driver *d = driver_of(r, p);

                json_object_open(j);
                json_kv_string(j, "device", p->device);
                kv_name(j, "bus", p->bus);
                kv_name(j, "driver", p->driver);
                kv_name(j, "module", d ? d->module : NULL);
                json_kv_int(j, "start_usec", (long long) p->start_usec);
                json_kv_int(j, "end_usec", (long long) p->end_usec);
                json_kv_int(j, "duration_usec", (long long) (p->end_usec - p->start_usec));
                json_kv_int(j, "result", p->result);
                json_kv_string(j, "mode", report_mode_to_string(p->mode));
                json_kv_string(j, "mode_how", p->mode_how);
                json_kv_string(j, "loader", report_loader_to_string(d ? d->loader : REPORT_LOADER_UNKNOWN));
                kv_tristate(j, "requested_async", d ? d->requested : -1);
                json_kv_bool(j, "critical", p->critical);
                json_object_close(j);
        }
        json_array_close(j);
}

static void json_drivers(const struct report *r, const struct report_list *l, struct json *j)
{
        json_key(j, "drivers");
        json_array_open(j);
        for (size_t k = 0; k < l->n_drivers; k++) {
                const struct report_driver *d = &r->drivers[l->drivers[k]];

                json_object_open(j);
                kv_name(j, "driver", d->name);
                kv_name(j, "bus", d->bus);
                kv_name(j, "module", d->module);
                json_kv_string(j, "module_how", d->builtin ? d->builtin_how : d->module_how);
                json_kv_bool(j, "builtin", d->builtin);
                json_kv_int(j, "probes", (long long) d->n_probes);
                json_kv_int(j, "failed", (long long) d->n_failed);
                json_kv_int(j, "async", (long long) d->n_async);
                json_kv_int(j, "sync", (long long) d->n_sync);
                json_kv_int(j, "probe_usec", (long long) d->probe_usec);
                json_kv_int(j, "longest_usec", (long long) d->longest_usec);
                json_kv_int(j, "first_usec", (long long) d->first_usec);
                json_kv_int(j, "last_usec", (long long) d->last_usec);
                json_kv_string(j, "mode", report_mode_to_string(d->mode));
                json_key(j, "async_readback");
                if (d->async_readback < 0)
                        json_null(j);
                else
                        json_bool(j, d->async_readback);
                json_kv_string(j, "loader", report_loader_to_string(d->loader));
                json_kv_string(j, "loader_how", d->loader_how);
                kv_tristate(j, "requested_async", d->requested);
                json_object_close(j);
        }
        json_array_close(j);
}

static void json_modules(const struct report *r, struct json *j)
{
        json_key(j, "modules");
        json_array_open(j);
        for (size_t i = 0; i < r->n_modules; i++) {
                const struct report_module *m = &r->modules[i];

                json_object_open(j);
                json_kv_string(j, "module", m->name);
                json_kv_int(j, "start_usec", (long long) m->start_usec);
                json_key(j, "end_usec");
                if (m->finished)
                        json_int(j, (long long) m->end_usec);
                else
                        json_null(j);
                json_key(j, "pid");
                if (m->pid >= 0)
                        json_int(j, m->pid);
                else
                        json_null(j);
                json_kv_int(j, "result", m->result);
                json_kv_string(j, "loader", report_loader_to_string(m->loader));
                json_kv_string(j, "loader_how", m->loader_how);
                json_object_close(j);
        }
        json_array_close(j);
}

static void json_critical(const struct report *r, struct json *j)
{
        json_key(j, "critical_path");
        json_object_open(j);
        json_kv_int(j, "probe_usec", (long long) r->critical_usec);
        json_key(j, "probes");
        json_array_open(j);
        for (size_t i = 0; i < r->n_critical; i++) {
                const struct report_probe *p = &r->probes[r->critical[i]];

                json_object_open(j);
                json_kv_string(j, "device", p->device);
                kv_name(j, "driver", p->driver);
                json_kv_int(j, "start_usec", (long long) p->start_usec);
                json_kv_int(j, "end_usec", (long long) p->end_usec);
                json_object_close(j);
        }
        json_array_close(j);
        json_object_close(j);
}

static void json_buses(const struct report *r, struct json *j)
{
        json_key(j, "buses");
        json_array_open(j);
        for (size_t i = 0; i < r->n_buses; i++) {
                const struct report_bus *b = &r->buses[i];

                json_object_open(j);
                kv_name(j, "bus", b->name);
                json_kv_bool(j, "listed", b->listed);
                json_kv_int(j, "sync_probes", (long long) b->n_sync);
                json_kv_int(j, "sync_usec", (long long) b->sync_usec);
                json_kv_int(j, "async_probes", (long long) b->n_async);
                json_kv_int(j, "async_usec", (long long) b->async_usec);
                json_kv_int(j, "unknown_probes", (long long) b->n_unknown);
                json_kv_int(j, "unknown_usec", (long long) b->unknown_usec);
                json_kv_int(j, "movable_probes", (long long) b->n_movable);
                json_kv_int(j, "movable_usec", (long long) b->movable_usec);
                json_kv_int(j, "saved_usec", (long long) b->saved_usec);
                json_kv_int(j, "listed_sync_probes", (long long) b->n_listed_sync);
                json_kv_int(j, "listed_sync_usec", (long long) b->listed_sync_usec);
                json_object_close(j);
        }
        json_array_close(j);
}

/* How the lists were made: a tool sees that they are not the whole boot. */
static void json_listing(const struct report_listing *l, size_t all, size_t shown, const char *what,
                         struct json *j)
{
        json_key(j, "listing");
        json_object_open(j);
        json_kv_string(j, "sort", report_sort_to_string(l->sort));
        json_key(j, "top");
        if (l->top)
                json_int(j, (long long) l->top);
        else
                json_null(j);
        json_kv_int(j, "min_duration_usec", (long long) l->min_usec);
        json_kv_bool(j, "no_built_in", l->no_built_in);
        json_kv_int(j, what, (long long) all);
        json_kv_int(j, "shown", (long long) shown);
        json_object_close(j);
}

void report_print_json(const struct report *r, const struct report_list *l, FILE *f, enum json_mode mode,
                       const char *source)
{
        struct json j;

        json_begin(&j, f, mode);
        json_object_open(&j);
        json_kv_string(&j, "source", source);
        json_kv_int(&j, "lines", (long long) r->lines);
        json_kv_int(&j, "lines_used", (long long) r->lines_used);
        json_kv_int(&j, "dropped", (long long) r->dropped);
        json_kv_int(&j, "boots", (long long) r->boots);
        json_kv_bool(&j, "initcall_debug", r->initcall_debug);
        json_kv_bool(&j, "dyndbg", r->dyndbg);
        json_kv_bool(&j, "sysfs", r->facts);
        json_kv_bool(&j, "program_names_as_written", r->program_names_as_written);
        json_kv_bool(&j, "kernel_lines_as_written", r->kernel_lines_as_written);
        json_kv_string(&j, "times", r->times_received ? "journal_received" :
                       r->wall_seconds ? "kernel_seconds" : "kernel");
        json_kv_int(&j, "tick_usec", (long long) r->tick_usec);
        kv_usec_or_null(&j, "userspace_usec", r->userspace_usec);
        kv_usec_or_null(&j, "udevd_usec", r->udevd_usec);
        json_key(&j, "config");
        if (r->config) {
                json_object_open(&j);
                json_kv_bool(&j, "enable", r->config->enable);
                json_kv_string(&j, "buses", r->config->buses);
                json_kv_bool(&j, "invalid", r->config->invalid);
                json_object_close(&j);
        } else
                json_null(&j);
        json_listing(l->listing, r->n_probes, l->n_probes, "probes", &j);
        json_probes(r, l, &j);
        json_drivers(r, l, &j);
        json_modules(r, &j);
        json_critical(r, &j);
        json_buses(r, &j);
        json_object_close(&j);
        json_end(&j);
}
