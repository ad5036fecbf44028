/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The differential test for libFuzzer: test/fuzz/run-fuzz.sh builds and runs it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "uap-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct uap_config cfg;
        char *s;

        /* An option string cannot hold a NUL: it ends the input. */
        s = strndup((const char *) data, size);
        if (s == NULL)
                return 0;
        /* A mismatch is a crash, so libFuzzer keeps the input. */
        if (compare_options(s, stderr) > 0)
                abort();
        if (uap_config_parse(&cfg, s) == 0)
                uap_config_done(&cfg);
        free(s);
        return 0;
}
