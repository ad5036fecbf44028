// SPDX-License-Identifier: GPL-2.0
/* uap_prefer: uaptest driver, PROBE_PREFER_ASYNCHRONOUS: always async, never module-requested. */
#define UAP_DRV_NAME "uap_prefer"
#define UAP_DRV_BUS uap_bus_test
#define UAP_DRV_BUS_NAME "uaptest"
#define UAP_DRV_PROBE_TYPE PROBE_PREFER_ASYNCHRONOUS
#include "uap_drv.h"
