/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include <libkmod.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

#define DEFINE_CLEANUP(type, func)                              \
        static inline void func##p(type *p)                     \
        {                                                       \
                if (*p)                                         \
                        func(*p);                               \
        }

static inline void freep(void *p)
{
        free(*(void **) p);
}

DEFINE_CLEANUP(struct kmod_ctx *, kmod_unref)
DEFINE_CLEANUP(struct kmod_module *, kmod_module_unref)
DEFINE_CLEANUP(struct kmod_list *, kmod_module_unref_list)
DEFINE_CLEANUP(DIR *, closedir)
DEFINE_CLEANUP(FILE *, fclose)

#define _cleanup_free_ _cleanup_(freep)

/* Hand over what a _cleanup_ variable owns. */
#define TAKE_PTR(p)                                     \
        ({                                              \
                __typeof__(p) _p = (p);                 \
                (p) = NULL;                             \
                _p;                                     \
        })
