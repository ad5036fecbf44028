/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

size_t utf8_char_len(const unsigned char *p);
void utf8_escape(const char *in, char *out, size_t size);
