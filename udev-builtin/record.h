/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>

#include "core/uap-policy.h"
#include "device.h"
#include "json.h"

/* In the state directory: one file per module that load inserted with async_probe=1. */
#define RECORD_DIR "requested"

/* What a record holds, its values escaped as in the journal (utf8_escape()). */
struct record {
        char devpath[PATH_MAX];                 /* "" when load ran for a MODALIAS argument */
        char modalias[UAP_MODALIAS_MAX * 4 + 1];
        char rule[64];
};

int record_insert(const char *module, const struct device_info *dev, enum uap_rule rule);
int record_dir(void);
int record_read(int dir, const char *module, struct record *ret);
const char *record_device(const struct record *rec);
void record_json(struct json *j, const char *key, const struct record *rec);
