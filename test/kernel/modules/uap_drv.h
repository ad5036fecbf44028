/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Body of the test driver modules. A module defines UAP_DRV_NAME (its own
 * name, the device kind it binds), UAP_DRV_BUS (a bus of uap_bus.h),
 * UAP_DRV_BUS_NAME and UAP_DRV_PROBE_TYPE, then includes this file.
 *
 * probe() sleeps delay_ms, then records how it ran; each bound device
 * gets read-only attributes:
 *   probed          "async" or "sync" (current_is_async() in probe)
 *   probe_start_ms  probe start, ms since boot
 *   probe_end_ms    probe end, ms since boot
 * and the driver gets in_flight: how many probes are running right now.
 * A module may define UAP_DRV_PROBE_END(dev), called at the end of a
 * probe that went well (uap_parent adds devices there), and
 * UAP_DRV_PROBE_START(dev), whose non-zero return ends the probe with
 * that error before anything is recorded (uap_defer defers there).
 */
#include <linux/async.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/timekeeping.h>

#include "uap_bus.h"

static unsigned int delay_ms = 100;
module_param(delay_ms, uint, 0644);
MODULE_PARM_DESC(delay_ms, "time each probe takes, in ms (default 100)");

static atomic_t uap_in_flight = ATOMIC_INIT(0);

struct uap_probe_record {
	bool async;
	u64 start_ms;
	u64 end_ms;
};

static int uap_drv_probe(struct device *dev)
{
	struct uap_probe_record *rec;
#ifdef UAP_DRV_PROBE_START
	int ret = UAP_DRV_PROBE_START(dev);

	if (ret)
		return ret;
#endif

	rec = devm_kzalloc(dev, sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	rec->async = current_is_async();
	rec->start_ms = ktime_get_boottime_ns() / NSEC_PER_MSEC;
	atomic_inc(&uap_in_flight);
	msleep(delay_ms);
#ifdef UAP_DRV_PROBE_END
	UAP_DRV_PROBE_END(dev);
#endif
	atomic_dec(&uap_in_flight);
	rec->end_ms = ktime_get_boottime_ns() / NSEC_PER_MSEC;
	dev_set_drvdata(dev, rec);
	dev_info(dev, "probed %s in %llu ms\n", rec->async ? "async" : "sync",
		 rec->end_ms - rec->start_ms);
	return 0;
}

static ssize_t probed_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct uap_probe_record *rec = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", rec->async ? "async" : "sync");
}
static DEVICE_ATTR_RO(probed);

static ssize_t probe_start_ms_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct uap_probe_record *rec = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", rec->start_ms);
}
static DEVICE_ATTR_RO(probe_start_ms);

static ssize_t probe_end_ms_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct uap_probe_record *rec = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", rec->end_ms);
}
static DEVICE_ATTR_RO(probe_end_ms);

static struct attribute *uap_drv_attrs[] = {
	&dev_attr_probed.attr,
	&dev_attr_probe_start_ms.attr,
	&dev_attr_probe_end_ms.attr,
	NULL,
};
ATTRIBUTE_GROUPS(uap_drv);

static ssize_t in_flight_show(struct device_driver *drv, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&uap_in_flight));
}
static DRIVER_ATTR_RO(in_flight);

static struct attribute *uap_driver_attrs[] = {
	&driver_attr_in_flight.attr,
	NULL,
};
ATTRIBUTE_GROUPS(uap_driver);

static struct device_driver uap_driver = {
	.name = UAP_DRV_NAME,
	.bus = &UAP_DRV_BUS,
	.owner = THIS_MODULE,
	.probe = uap_drv_probe,
	.probe_type = UAP_DRV_PROBE_TYPE,
	.dev_groups = uap_drv_groups,
	.groups = uap_driver_groups,
};

static int __init uap_drv_init(void)
{
	return driver_register(&uap_driver);
}
module_init(uap_drv_init);

static void __exit uap_drv_exit(void)
{
	driver_unregister(&uap_driver);
}
module_exit(uap_drv_exit);

MODULE_ALIAS(UAP_DRV_BUS_NAME ":" UAP_DRV_NAME);
MODULE_DESCRIPTION("udev-async-probe test driver " UAP_DRV_NAME);
MODULE_LICENSE("GPL");
