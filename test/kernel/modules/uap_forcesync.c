// SPDX-License-Identifier: GPL-2.0
/* uap_forcesync: uaptest driver, always synchronous, even when async probing is requested. */
#define UAP_DRV_NAME "uap_forcesync"
#define UAP_DRV_BUS uap_bus_test
#define UAP_DRV_BUS_NAME "uaptest"
#define UAP_DRV_PROBE_TYPE PROBE_FORCE_SYNCHRONOUS
#include "uap_drv.h"
