/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>
#include <string.h>

/* Count failures instead of stopping, so one run shows every broken case. */
static int test_failures;

#define check(cond, ...)                                                        \
        do {                                                                    \
                if (!(cond)) {                                                  \
                        fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                           \
                        fputc('\n', stderr);                                    \
                        test_failures++;                                        \
                }                                                               \
        } while (0)

static inline const char *str_or_null(const char *s)
{
        return s ? s : "(null)";
}

static inline int test_result(const char *name, int cases)
{
        printf("%s: %d cases, %d failed\n", name, cases, test_failures);
        return test_failures ? 1 : 0;
}
