// SPDX-License-Identifier: GPL-2.0
/*
 * uap_empty: a module that does nothing. Used to time a plain synchronous
 * module load while other modules' async probes are in flight.
 */
#include <linux/module.h>

static int __init uap_empty_init(void)
{
	return 0;
}
module_init(uap_empty_init);

static void __exit uap_empty_exit(void)
{
}
module_exit(uap_empty_exit);

MODULE_DESCRIPTION("udev-async-probe test: empty module");
MODULE_LICENSE("GPL");
