/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * options.corpus: one quoted string per line, escaped as in a libFuzzer
 * dictionary (\\ \" \t \n \v \f \r and \xNN with two hex digits); '#'
 * starts a comment line. No entry may hold a NUL.
 */
struct corpus {
        char **v;
        size_t n;
};

/* Returns 0, or -1 with a message on stderr naming the bad line. */
int corpus_read(const char *path, struct corpus *ret);
void corpus_free(struct corpus *c);
