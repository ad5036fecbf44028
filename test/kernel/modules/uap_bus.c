// SPDX-License-Identifier: GPL-2.0
/*
 * uap_bus: registers the buses "uaptest" and "uapother" and, on each,
 * ndevs devices of every kind listed in test_kinds / other_kinds. Each
 * device's uevent carries MODALIAS=<bus>:<kind>, so udev (or
 * `modprobe $MODALIAS`) loads the driver module aliased to it.
 *
 * Bus attributes, on both buses: writing a kind to add_device registers
 * one more device of that kind (up to UAP_EXTRA_DEVS in all, named on
 * from <kind>.<ndevs>); writing a device name to remove_device
 * unregisters that device. uap_bus_add_device() does what add_device
 * does, for other modules (a probe that adds devices).
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "uap_bus.h"

static unsigned int ndevs = 4;
module_param(ndevs, uint, 0444);
MODULE_PARM_DESC(ndevs, "devices per kind (default 4)");

static char *test_kinds = "uap_slow,uap_forcesync";
module_param(test_kinds, charp, 0444);
MODULE_PARM_DESC(test_kinds, "comma-separated device kinds on bus uaptest");

static char *other_kinds = "uap_other";
module_param(other_kinds, charp, 0444);
MODULE_PARM_DESC(other_kinds, "comma-separated device kinds on bus uapother");

struct uap_device {
	struct device dev;
	char kind[32];
};

#define to_uap_device(d) container_of(d, struct uap_device, dev)

static int uap_match(struct device *dev, const struct device_driver *drv)
{
	return strcmp(to_uap_device(dev)->kind, drv->name) == 0;
}

static int uap_uevent(const struct device *dev, struct kobj_uevent_env *env)
{
	const struct uap_device *udev = container_of(dev, struct uap_device, dev);

	return add_uevent_var(env, "MODALIAS=%s:%s", dev->bus->name, udev->kind);
}

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s:%s\n", dev->bus->name, to_uap_device(dev)->kind);
}
static DEVICE_ATTR_RO(modalias);

static struct attribute *uap_dev_attrs[] = {
	&dev_attr_modalias.attr,
	NULL,
};
ATTRIBUTE_GROUPS(uap_dev);

#define UAP_EXTRA_DEVS 16

/*
 * Every device registered, on either bus, for removal at exit; NULL once
 * removed through remove_device.
 */
static struct uap_device **devices;
static unsigned int ndevices, maxdevices;
static atomic_t nextra = ATOMIC_INIT(0);
static DEFINE_MUTEX(devices_lock);

/*
 * Devices not released yet. A release can come seconds after the device is
 * unregistered (CONFIG_DEBUG_KOBJECT_RELEASE), and it runs this module's
 * code: exit waits for the last one.
 */
static atomic_t unreleased = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(released);

static void uap_release(struct device *dev)
{
	kfree(to_uap_device(dev));
	if (atomic_dec_and_test(&unreleased))
		wake_up(&released);
}

static int uap_add_device(const struct bus_type *bus, const char *kind,
			  unsigned int n)
{
	struct uap_device *udev;
	int ret;

	udev = kzalloc(sizeof(*udev), GFP_KERNEL);
	if (!udev)
		return -ENOMEM;
	strscpy(udev->kind, kind, sizeof(udev->kind));
	device_initialize(&udev->dev);
	udev->dev.bus = bus;
	udev->dev.release = uap_release;
	atomic_inc(&unreleased);
	dev_set_name(&udev->dev, "%s.%u", kind, n);
	mutex_lock(&devices_lock);
	ret = ndevices < maxdevices ? device_add(&udev->dev) : -ENOSPC;
	if (!ret)
		devices[ndevices++] = udev;
	mutex_unlock(&devices_lock);
	if (ret)
		put_device(&udev->dev);
	return ret;
}

/* One more device of @kind, named on from <kind>.<ndevs>. */
int uap_bus_add_device(const struct bus_type *bus, const char *kind)
{
	return uap_add_device(bus, kind, ndevs + atomic_inc_return(&nextra) - 1);
}
EXPORT_SYMBOL_GPL(uap_bus_add_device);

/* Adds ndevs devices of each kind in the comma-separated list @kinds. */
static int uap_add_devices(const struct bus_type *bus, const char *kinds)
{
	char *list, *cur, *kind;
	unsigned int n;
	int ret = 0;

	list = kstrdup(kinds, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while (!ret && (kind = strsep(&cur, ",")) != NULL) {
		if (!*kind)
			continue;
		for (n = 0; !ret && n < ndevs; n++)
			ret = uap_add_device(bus, kind, n);
	}
	kfree(list);
	return ret;
}

static unsigned int count_kinds(const char *kinds)
{
	unsigned int n = 1;

	for (; *kinds; kinds++)
		n += *kinds == ',';
	return n;
}

static void uap_remove_devices(void)
{
	while (ndevices) {
		if (devices[--ndevices])
			device_unregister(&devices[ndevices]->dev);
	}
	kfree(devices);
}

static ssize_t add_device_store(const struct bus_type *bus, const char *buf,
				size_t count)
{
	char kind[32];
	int ret;

	if (sscanf(buf, "%31s", kind) != 1)
		return -EINVAL;
	ret = uap_bus_add_device(bus, kind);
	return ret ? ret : count;
}
static BUS_ATTR_WO(add_device);

static ssize_t remove_device_store(const struct bus_type *bus, const char *buf,
				   size_t count)
{
	struct uap_device *udev = NULL;
	unsigned int i;

	mutex_lock(&devices_lock);
	for (i = 0; i < ndevices && !udev; i++) {
		if (devices[i] && devices[i]->dev.bus == bus &&
		    sysfs_streq(buf, dev_name(&devices[i]->dev))) {
			udev = devices[i];
			devices[i] = NULL;
		}
	}
	mutex_unlock(&devices_lock);
	if (!udev)
		return -ENODEV;
	device_unregister(&udev->dev);
	return count;
}
static BUS_ATTR_WO(remove_device);

static struct attribute *uap_bus_attrs[] = {
	&bus_attr_add_device.attr,
	&bus_attr_remove_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(uap_bus);

const struct bus_type uap_bus_test = {
	.name = "uaptest",
	.match = uap_match,
	.uevent = uap_uevent,
	.dev_groups = uap_dev_groups,
	.bus_groups = uap_bus_groups,
};
EXPORT_SYMBOL_GPL(uap_bus_test);

const struct bus_type uap_bus_other = {
	.name = "uapother",
	.match = uap_match,
	.uevent = uap_uevent,
	.dev_groups = uap_dev_groups,
	.bus_groups = uap_bus_groups,
};
EXPORT_SYMBOL_GPL(uap_bus_other);

static int __init uap_bus_init(void)
{
	int ret;

	maxdevices = (count_kinds(test_kinds) + count_kinds(other_kinds)) * ndevs +
		     UAP_EXTRA_DEVS;
	devices = kcalloc(maxdevices, sizeof(*devices), GFP_KERNEL);
	if (!devices)
		return -ENOMEM;
	ret = bus_register(&uap_bus_test);
	if (ret)
		goto free;
	ret = bus_register(&uap_bus_other);
	if (ret)
		goto unregister_test;
	ret = uap_add_devices(&uap_bus_test, test_kinds);
	if (!ret)
		ret = uap_add_devices(&uap_bus_other, other_kinds);
	if (!ret)
		return 0;

	uap_remove_devices();
	bus_unregister(&uap_bus_other);
	bus_unregister(&uap_bus_test);
	wait_event(released, !atomic_read(&unreleased));
	return ret;
unregister_test:
	bus_unregister(&uap_bus_test);
free:
	kfree(devices);
	return ret;
}
module_init(uap_bus_init);

static void __exit uap_bus_exit(void)
{
	uap_remove_devices();
	bus_unregister(&uap_bus_other);
	bus_unregister(&uap_bus_test);
	wait_event(released, !atomic_read(&unreleased));
}
module_exit(uap_bus_exit);

MODULE_DESCRIPTION("udev-async-probe test: two buses with MODALIAS devices");
MODULE_LICENSE("GPL");
