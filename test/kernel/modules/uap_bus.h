/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two test buses of uap_bus.ko. Devices on them are named
 * "<kind>.<n>", send MODALIAS=<bus>:<kind>, and match the driver whose
 * name is <kind>.
 */
#ifndef UAP_BUS_H
#define UAP_BUS_H

#include <linux/device.h>

extern const struct bus_type uap_bus_test;	/* "uaptest" */
extern const struct bus_type uap_bus_other;	/* "uapother" */

int uap_bus_add_device(const struct bus_type *bus, const char *kind);

#endif
