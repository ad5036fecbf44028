/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"

static int device_set(struct device_info *dev, const char *modalias, const char *subsystem,
                      const char *devpath, const char *async)
{
        int r;

        *dev = (struct device_info) { .modalias = modalias, .devpath = devpath, .async = async };

        if (modalias == NULL)
                return log_error_errno(EINVAL, "MODALIAS is not set; is this a udev event?");
        r = uap_modalias_check(modalias);
        if (r < 0)
                return log_error_errno(r, "Refusing malformed MODALIAS \"%.64s%s\": %m",
                                       modalias, strlen(modalias) > 64 ? "..." : "");

        if (subsystem && *subsystem) {
                dev->bus = subsystem;
                return 0;
        }
        /* No bus prefix: such a modalias cannot be on any bus in buses=. */
        if (uap_modalias_bus(modalias, dev->bus_buf, sizeof(dev->bus_buf)) == 0)
                dev->bus = dev->bus_buf;
        return 0;
}

/* udev hands a RUN program the event's properties as its environment. */
int device_from_env(struct device_info *dev)
{
        return device_set(dev, getenv("MODALIAS"), getenv("SUBSYSTEM"),
                          getenv("DEVPATH"), getenv("ASYNC_PROBE"));
}

int device_from_modalias(struct device_info *dev, const char *modalias)
{
        return device_set(dev, modalias, NULL, NULL, NULL);
}

/* ASYNC_PROBE set by a rule lives in the udev database, which libudev reads. */
int device_from_udev(struct device_info *dev, const struct libudev_dl *lu, struct udev_device *d)
{
        const char *modalias = lu->udev_device_get_property_value(d, "MODALIAS");

        if (modalias == NULL)
                return log_error_errno(ENOENT, "%s has no MODALIAS: no driver to load for it.",
                                       lu->udev_device_get_syspath(d));
        return device_set(dev, modalias, lu->udev_device_get_subsystem(d),
                          lu->udev_device_get_devpath(d),
                          lu->udev_device_get_property_value(d, "ASYNC_PROBE"));
}
