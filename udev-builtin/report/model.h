/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * "report": one boot's device probes from the kernel log. This is what
 * its stages share: input.c reads a log and hands each line to parse.c
 * (journal.c for the journal's JSON), which only collect what the log
 * says into struct report; analyze.c decides what each probe was and sums
 * it up, from what ran while what else ran (overlap.c) and what the
 * running system says (facts.c); output.c and svg.c print it. model.c
 * keeps the tables.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/uap-config.h"

/* Longer device, driver, bus and module names are cut here. */
#define REPORT_NAME_MAX 128

/* A log line is parsed from its first REPORT_LINE_MAX - 1 bytes; one of
 * journalctl -o json from its first REPORT_JSON_LINE_MAX - 1. */
#define REPORT_LINE_MAX 4096
#define REPORT_JSON_LINE_MAX 65536

/* Times and durations beyond this (about 8.9 years) are not a boot's: taken as this. */
#define REPORT_USEC_MAX (UINT64_C(1) << 48)

/*
 * An unlisted bus whose estimated saving is below this gets no advice: one
 * probe's time varies more than that from boot to boot (the captured UML
 * boots: the same 150 ms probe took 153 to 169 ms; the qemu ones vary by
 * a tenth of a second), so a smaller estimate is no saving to act on.
 */
#define REPORT_ADVICE_MIN_USEC 50000

/*
 * Beyond these a log is not one boot's: the rest is counted, not kept.
 * Parsing a line and analysing a probe cost about the same at any size
 * (tables by hash, sorted sweeps): the limits bound memory and time.
 */
#ifndef REPORT_MAX_PROBES              /* the fuzzer's build has small ones */
#define REPORT_MAX_PROBES 16384
#define REPORT_MAX_DEVICES 65536
#define REPORT_MAX_MODULES 16384
#define REPORT_MAX_TASKS 16384
#endif

/* A sum of every probe's time fits in JSON's signed 64 bits. */
_Static_assert(REPORT_MAX_PROBES <= INT64_MAX / REPORT_USEC_MAX, "sums of probe times overflow");

/* An open-addressing table of indices + 1 into an array, by a hash of their key. */
struct report_index {
        size_t *slot;           /* 0: empty */
        size_t size;            /* a power of two, or 0 */
        size_t used;
};
typedef size_t (*report_hash_fn)(const void *items, size_t i);
typedef bool (*report_eq_fn)(const void *items, size_t i, const void *key);

enum report_mode {
        REPORT_MODE_UNKNOWN,
        REPORT_MODE_SYNC,
        REPORT_MODE_ASYNC,
        REPORT_MODE_MIXED,      /* drivers only: some of each */
};

/* Who made the kernel load a driver's module. */
enum report_loader {
        REPORT_LOADER_UNKNOWN,
        REPORT_LOADER_BUILTIN,          /* no module: the kernel probed it itself */
        REPORT_LOADER_UDEV,             /* udev, for a device's MODALIAS */
        REPORT_LOADER_PROGRAM,          /* udev through udev-async-probe, async_probe=1 */
        REPORT_LOADER_MODULES_LOAD,     /* systemd-modules-load, modules-load.d */
        REPORT_LOADER_OTHER,            /* any other program, named in the evidence */
};

/* A program whose lines the report draws on. */
struct report_tool {
        const char *ident;              /* as it names itself */
        const char *unit;               /* the unit it runs in; NULL: no program's name */
        enum report_loader loader;      /* a module its pid loaded counts as loaded by */
        bool marks_udevd;               /* its first line: systemd-udevd runs */
};

struct report_probe {
        char device[REPORT_NAME_MAX];
        char bus[REPORT_NAME_MAX];      /* "" where nothing tells */
        char driver[REPORT_NAME_MAX];
        uint64_t start_usec;            /* since boot, the log's clock */
        uint64_t end_usec;              /* start + the kernel's measure */
        int result;                     /* probe()'s return value */
        enum report_mode mode;
        const char *mode_how;           /* how the mode is known, or NULL */
        bool dyndbg_start;              /* really_probe()'s debug line came first */
        bool async_seen;                /* an async scheduling line came first */
        uint64_t attach_usec;           /* when a driver's attach scheduled it, or 0 */
        bool critical;                  /* on the critical path */
        size_t driver_idx;              /* into report.drivers (analysis) */
};

/* One module's init call, from initcall_debug's "calling"/"initcall" pair. */
struct report_module {
        char name[REPORT_NAME_MAX];
        uint64_t start_usec;
        uint64_t end_usec;
        bool finished;
        int pid;                        /* the task that loaded it */
        int result;
        bool inserted_by_modules_load;  /* systemd-modules-load said so */
        enum report_loader loader;      /* analysis */
        char loader_how[192];
        int requested;                  /* async_probe=1 by udev-async-probe, its record: 1, 0, -1 unknown */
        /* The loads of this name still running, index + 1 (kept on the
         * latest load of a name), and the one before this one. */
        size_t running, running_before;
};

/* A user-space program that wrote to the log: pid and its name. */
struct report_task {
        int pid;
        char ident[REPORT_NAME_MAX];
        uint64_t first_usec;
        bool renamed;                   /* lines under another name too: a pid used twice */
};

/*
 * What the log said about a device so far: its bus, and the probe in
 * progress (the lines before the "probe of ... returned" that ends it).
 */
struct report_device {
        char name[REPORT_NAME_MAX];
        char bus[REPORT_NAME_MAX];
        char driver[REPORT_NAME_MAX];           /* of the probe in progress */
        char async_driver[REPORT_NAME_MAX];     /* "" with async: any driver */
        uint64_t async_usec;                    /* when async_driver's attach scheduled it */
        bool async;
        bool started;
};

struct report_driver {
        char name[REPORT_NAME_MAX];
        char bus[REPORT_NAME_MAX];
        char module[REPORT_NAME_MAX];   /* "" when built in or unknown */
        const char *module_how;
        bool builtin;
        const char *builtin_how;
        size_t n_probes, n_async, n_sync, n_failed;
        uint64_t probe_usec;            /* the sum of its probes' times */
        uint64_t longest_usec;
        uint64_t first_usec, last_usec;
        enum report_mode mode;
        enum report_loader loader;
        char loader_how[192];
        int requested;                  /* its module's record (report_module.requested) */
        int async_readback;             /* sysfs: 1, 0, or -1 (not there) */
};

struct report_bus {
        char name[REPORT_NAME_MAX];     /* "" for probes whose bus is unknown */
        bool listed;                    /* in buses= of the configuration */
        size_t n_sync, n_async, n_unknown;
        uint64_t sync_usec, async_usec, unknown_usec;
        /* Unlisted buses: the sync probe time listing would have moved off udev's
         * workers, and the wall time it would have saved (see analyze.c). */
        size_t n_movable;
        uint64_t movable_usec;
        uint64_t saved_usec;
        /* Listed buses: sync probes of modules udev loaded, which the program
         * should have made async (not running, or the driver forces sync). */
        size_t n_listed_sync;
        uint64_t listed_sync_usec;
};

struct report {
        /* The log. */
        size_t lines, lines_used, boots;
        size_t dropped;                 /* records past the REPORT_MAX_* limits */
        bool initcall_debug;            /* a probe or initcall timing line was seen */
        bool dyndbg;                    /* the driver core's own debug lines were seen */
        uint64_t last_usec;
        uint64_t userspace_usec;        /* "Run /init as init process"; 0: not seen */
        /* Wall-clock times (dmesg -T, journalctl): the boot's first line (or its
         * "Linux version" line), and the last line's date, as days counted on
         * from it: journalctl gives no year. */
        bool wall_set;
        int64_t wall_base_usec;
        int64_t wall_day;
        unsigned wall_month, wall_mday;
        bool wall_next_year;            /* past New Year: at most one */
        bool wall_seconds;              /* some times were to the second only */
        bool times_received;            /* journalctl's short forms: when journald received a line */
        size_t journal_kernel_lines;    /* journalctl -o json: the kernel's entries */
        bool program_names_as_written;  /* a tool's lines, named as the writer chose */
        bool kernel_lines_as_written;   /* a journal saved as text: a program's line may pass for the kernel's */
        uint64_t udevd_usec;            /* systemd-udevd's first line; 0: not seen */

        struct report_probe *probes;
        size_t n_probes, a_probes;
        struct report_module *modules;
        size_t n_modules, a_modules;
        struct report_task *tasks;
        size_t n_tasks, a_tasks;
        struct report_device *devices;
        size_t n_devices, a_devices;
        struct report_index module_index;       /* name: the latest load */
        struct report_index task_index;         /* pid */
        struct report_index device_index;       /* name */

        /* The analysis. */
        struct report_driver *drivers;
        size_t n_drivers;
        struct report_bus *buses;
        size_t n_buses;
        size_t *critical;               /* probe indices, in time order */
        size_t n_critical;
        uint64_t critical_usec;         /* probe time on the critical path */
        uint64_t tick_usec;             /* the log clock's resolution, as seen */
        uint64_t touch_usec;            /* probes this close are back to back */
        const struct uap_config *config;
        bool facts;                     /* the running system was asked */
};

/* model.c: the tables. Adding returns NULL past the REPORT_MAX_* limits or without memory. */
void report_init(struct report *r);
void report_done(struct report *r);
void report_forget(struct report *r);
void report_copy_name(char *dst, const char *src, size_t len);
struct report_probe *report_probe_add(struct report *r);
struct report_module *report_module_add(struct report *r, const char *name, size_t len);
struct report_module *report_module_find(struct report *r, const char *name);
struct report_module *report_module_running(struct report *r, const char *name);
void report_module_finish(struct report *r, struct report_module *m);
struct report_task *report_task_add(struct report *r, int pid);
const struct report_task *report_task_find(const struct report *r, int pid);
struct report_device *report_device_get(struct report *r, const char *name, size_t len);
size_t report_hash(const char *s, size_t len, bool fold);
size_t *report_index_slot(struct report_index *t, const void *items, report_hash_fn hash_of,
                          report_eq_fn eq, size_t h, const void *key);
void report_index_done(struct report_index *t);
const char *report_mode_to_string(enum report_mode mode);
const char *report_loader_to_string(enum report_loader loader);
const struct report_tool *report_tool_find(const char *ident, size_t len);
