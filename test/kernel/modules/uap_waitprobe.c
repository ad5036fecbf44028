// SPDX-License-Identifier: GPL-2.0
/*
 * uap_waitprobe: its init calls wait_for_device_probe(), so a load returns
 * only when every probe in flight, asynchronous ones included, is done.
 */
#include <linux/device.h>
#include <linux/module.h>

static int __init uap_waitprobe_init(void)
{
	wait_for_device_probe();
	return 0;
}
module_init(uap_waitprobe_init);

static void __exit uap_waitprobe_exit(void)
{
}
module_exit(uap_waitprobe_exit);

MODULE_DESCRIPTION("udev-async-probe test: wait_for_device_probe() in init");
MODULE_LICENSE("GPL");
