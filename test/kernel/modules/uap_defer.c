// SPDX-License-Identifier: GPL-2.0
/*
 * uap_defer: uaptest driver, default probe type, whose probe defers
 * (-EPROBE_DEFER) until its "ready" parameter is set: a device waiting on
 * the deferred probe list, retried by the driver core when another probe
 * succeeds.
 */
#include <linux/device.h>
#include <linux/module.h>

static bool ready;
module_param(ready, bool, 0644);
MODULE_PARM_DESC(ready, "probe defers until this is set (default N)");

static int uap_defer_probe_start(struct device *dev)
{
	return READ_ONCE(ready) ? 0 : -EPROBE_DEFER;
}

#define UAP_DRV_NAME "uap_defer"
#define UAP_DRV_BUS uap_bus_test
#define UAP_DRV_BUS_NAME "uaptest"
#define UAP_DRV_PROBE_TYPE PROBE_DEFAULT_STRATEGY
#define UAP_DRV_PROBE_START uap_defer_probe_start
#include "uap_drv.h"
