/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libudev.h>

/*
 * libudev, loaded only by the commands that read the udev database. The
 * udev event path never needs it, and loading it would cost that path
 * more than the whole decision does.
 */
struct libudev_dl {
        void *handle;
        __typeof__(&udev_new) udev_new;
        __typeof__(&udev_unref) udev_unref;
        __typeof__(&udev_device_new_from_syspath) udev_device_new_from_syspath;
        __typeof__(&udev_device_unref) udev_device_unref;
        __typeof__(&udev_device_get_property_value) udev_device_get_property_value;
        __typeof__(&udev_device_get_subsystem) udev_device_get_subsystem;
        __typeof__(&udev_device_get_devpath) udev_device_get_devpath;
        __typeof__(&udev_device_get_syspath) udev_device_get_syspath;
};

int libudev_dl_open(struct libudev_dl *lu);
void libudev_dl_close(struct libudev_dl *lu);
