/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LD_PRELOAD for the report's tests: memory that runs out at one moment.
 *
 *   TRAP_MALLOC_FAIL=SIZE  malloc() of exactly SIZE bytes fails with ENOMEM
 *
 * Not with a sanitizer's or valgrind's malloc: the tests skip it there.
 */
#include <errno.h>
#include <stdlib.h>

void *__libc_malloc(size_t size);

void *malloc(size_t size)
{
        static long fail = -2;

        /* getenv() and strtol() allocate nothing. */
        if (fail == -2) {
                const char *s = getenv("TRAP_MALLOC_FAIL");

                fail = s ? strtol(s, NULL, 10) : -1;
        }
        if (fail >= 0 && size == (size_t) fail) {
                errno = ENOMEM;
                return NULL;
        }
        return __libc_malloc(size);
}
