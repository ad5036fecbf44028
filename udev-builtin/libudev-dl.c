/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "libudev-dl.h"
#include "log.h"

#define LOAD(lu, sym)                                                                   \
        do {                                                                            \
                (lu)->sym = (__typeof__((lu)->sym)) dlsym((lu)->handle, #sym);          \
                if ((lu)->sym == NULL)                                                  \
                        goto missing;                                                   \
        } while (0)

int libudev_dl_open(struct libudev_dl *lu)
{
        *lu = (struct libudev_dl) {};
        lu->handle = dlopen("libudev.so.1", RTLD_NOW | RTLD_LOCAL);
        if (lu->handle == NULL)
                return log_error_errno(ENOENT, "Cannot load libudev.so.1: %s", dlerror());

        LOAD(lu, udev_new);
        LOAD(lu, udev_unref);
        LOAD(lu, udev_device_new_from_syspath);
        LOAD(lu, udev_device_unref);
        LOAD(lu, udev_device_get_property_value);
        LOAD(lu, udev_device_get_subsystem);
        LOAD(lu, udev_device_get_devpath);
        LOAD(lu, udev_device_get_syspath);
        return 0;

missing:
        log_error("libudev.so.1 lacks a function: %s", dlerror());
        libudev_dl_close(lu);
        return -ENOSYS;
}

void libudev_dl_close(struct libudev_dl *lu)
{
        if (lu->handle)
                dlclose(lu->handle);
        *lu = (struct libudev_dl) {};
}
