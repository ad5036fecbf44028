// SPDX-License-Identifier: GPL-2.0
/* uap_slow: uaptest driver, default probe type: async only when requested. */
#define UAP_DRV_NAME "uap_slow"
#define UAP_DRV_BUS uap_bus_test
#define UAP_DRV_BUS_NAME "uaptest"
#define UAP_DRV_PROBE_TYPE PROBE_DEFAULT_STRATEGY
#include "uap_drv.h"
