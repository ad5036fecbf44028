// SPDX-License-Identifier: GPL-2.0
/*
 * uap_parent: uaptest driver, default probe type, whose probe ends by
 * adding `children` devices of kind `child_kind` on the uapother bus, as a
 * controller's probe adds the devices behind it. Their uevents make udev
 * load that kind's driver, or, when it is loaded already, the driver core
 * probes them right away.
 */
#include <linux/moduleparam.h>

static unsigned int children = 2;
module_param(children, uint, 0644);
MODULE_PARM_DESC(children, "devices each probe adds on uapother (default 2)");

static char *child_kind = "uap_other";
module_param(child_kind, charp, 0444);
MODULE_PARM_DESC(child_kind, "kind of the devices a probe adds (default uap_other)");

#define UAP_DRV_NAME "uap_parent"
#define UAP_DRV_BUS uap_bus_test
#define UAP_DRV_BUS_NAME "uaptest"
#define UAP_DRV_PROBE_TYPE PROBE_DEFAULT_STRATEGY
#define UAP_DRV_PROBE_END(dev) uap_parent_add_children(dev)

struct device;
static void uap_parent_add_children(struct device *dev);

#include "uap_drv.h"

static void uap_parent_add_children(struct device *dev)
{
	unsigned int i;
	int ret;

	for (i = 0; i < children; i++) {
		ret = uap_bus_add_device(&uap_bus_other, child_kind);
		if (ret)
			dev_warn(dev, "cannot add a %s device: %d\n", child_kind, ret);
	}
}
