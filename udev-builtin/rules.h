/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "core/uap-config.h"

#define RULES_NAME "80-async-probe.rules"
#define RULES_GENERATED_PATH "/run/udev/rules.d/" RULES_NAME

enum rules_kind {
        RULES_NONE,             /* no file of that name: the program never runs */
        RULES_MASKED,           /* a link to /dev/null, or an empty file */
        RULES_GENERATED,        /* written by "rules" for the configuration of now */
        RULES_STALE,            /* written by "rules" for another configuration */
        RULES_SHIPPED,          /* the package's: under systemd nothing, else the program for every modalias */
        RULES_OTHER,            /* an admin's own */
};

/* How the generated rules ask for async probing. */
enum rules_form {
        RULES_FORM_PROGRAM,     /* RUN{program}+="udev-async-probe load": every udevd */
        RULES_FORM_BUILTIN,     /* RUN{builtin}+="kmod load --async-probe": no exec */
};

struct rules_options {
        enum rules_form form;
        /*
         * The configuration left the kernel command line out (an
         * initramfs's rules, made before its boot): the rules read its
         * switches at each event, where the builtin form needs them.
         */
        bool no_cmdline;
};

struct rules_state {
        enum rules_kind kind;
        char path[256];
        /* Booted with systemd: the shipped rules run no program. */
        bool systemd;
        /* The form rules generated now would take, for the installed udevd. */
        enum rules_form form;
};

char *rules_generate(const struct uap_config *cfg, const struct rules_options *o);
int rules_form_for(const char *udevd, enum rules_form *ret);
const char *rules_form_to_string(enum rules_form form);
bool rules_run_program(const struct uap_config *cfg, const char *bus, bool has_property);
int rules_state(const struct uap_config *cfg, struct rules_state *ret);
const char *rules_kind_to_string(enum rules_kind kind);
const char *rules_state_explain(const struct rules_state *rs);
bool rules_state_shipped_runs(const struct rules_state *rs);
