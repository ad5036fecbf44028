/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The running system's facts for the analysis (facts.c); @ctx reads modprobe.d. */
#include "analyze.h"

struct kmod_ctx;
void report_sysfs_facts(struct report_facts *facts, struct kmod_ctx *ctx);
int report_sysfs_driver_async(const char *bus, const char *driver);
