/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/uap-policy.h"
#include "libudev-dl.h"

/* What the policy needs to know about the device that wants a driver. */
struct device_info {
        const char *modalias;
        const char *devpath;            /* for logging; may be NULL */
        const char *async;              /* ASYNC_PROBE property; NULL if unset */
        const char *bus;                /* SUBSYSTEM, else the modalias prefix */
        char bus_buf[64];
};

int device_from_env(struct device_info *dev);
int device_from_modalias(struct device_info *dev, const char *modalias);
int device_from_udev(struct device_info *dev, const struct libudev_dl *lu, struct udev_device *d);
