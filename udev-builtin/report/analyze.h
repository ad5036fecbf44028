/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* From the parsed log to answers (analyze.c). */
#include <stdbool.h>
#include <stddef.h>

#include "core/uap-config.h"
#include "model.h"

/*
 * What the running system can add to a log of its own boot (facts.c
 * reads them from sysfs and modprobe.d). Each returns 0 or 1 as said, or
 * a negative errno when it cannot tell; any may be NULL.
 */
struct report_facts {
        void *userdata;
        int (*device_bus)(void *u, const char *device, char *buf, size_t size);
        int (*device_driver)(void *u, const char *bus, const char *device, char *buf, size_t size);
        /* 0 and the module in @buf, or 1: built in */
        int (*driver_module)(void *u, const char *bus, const char *driver, char *buf, size_t size);
        /* 1 async, 0 sync: the driver's probe strategy as the kernel reads it back */
        int (*driver_async)(void *u, const char *bus, const char *driver);
        /* 1: async_probe=1 was passed when it was loaded, not by its modprobe.d
         * options nor the kernel's default; 0: not */
        int (*module_loaded_async)(void *u, const char *module);
        /* 1 and the file in @buf: listed for systemd-modules-load */
        int (*module_listed)(void *u, const char *module, char *buf, size_t size);
        /* 1 and "DEVICE (RULE)" in @buf: udev-async-probe's record says it inserted
         * the module loaded now with async_probe=1 this boot; 0: no record */
        int (*module_requested)(void *u, const char *module, char *buf, size_t size);
};

int report_analyze(struct report *r, const struct uap_config *cfg, const struct report_facts *facts);
bool report_bus_listed(const struct uap_config *cfg, const char *bus);
