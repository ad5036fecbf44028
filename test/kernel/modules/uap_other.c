// SPDX-License-Identifier: GPL-2.0
/* uap_other: uapother driver, default probe type, on the second bus. */
#define UAP_DRV_NAME "uap_other"
#define UAP_DRV_BUS uap_bus_other
#define UAP_DRV_BUS_NAME "uapother"
#define UAP_DRV_PROBE_TYPE PROBE_DEFAULT_STRATEGY
#include "uap_drv.h"
