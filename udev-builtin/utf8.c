/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "utf8.h"

/*
 * Length of the well-formed UTF-8 character at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
size_t utf8_char_len(const unsigned char *p)
{
        size_t n, i;
        unsigned lo = 0x80, hi = 0xbf;

        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 2;
        else if (p[0] >= 0xe0 && p[0] <= 0xef) {
                n = 3;
                if (p[0] == 0xe0)
                        lo = 0xa0;
                else if (p[0] == 0xed)
                        hi = 0x9f;
        } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
                n = 4;
                if (p[0] == 0xf0)
                        lo = 0x90;
                else if (p[0] == 0xf4)
                        hi = 0x8f;
        } else
                return 0;

        for (i = 1; i < n; i++) {
                if (p[i] < lo || p[i] > hi)
                        return 0;
                lo = 0x80, hi = 0xbf;
        }
        return n;
}

/*
 * Copy @in to @out with control characters (C0, DEL and the C1 range
 * U+0080-U+009F, as their code point) and bytes that are not UTF-8 written
 * as \xNN, and a backslash as \x5c, so a MODALIAS, DEVPATH or configuration
 * value can never put raw terminal escapes or broken text into a log line,
 * nor pass for an escape. Truncates to @size; never splits an escape or a
 * character.
 */
void utf8_escape(const char *in, char *out, size_t size)
{
        const unsigned char *p = (const unsigned char *) in;
        size_t o = 0;

        if (size == 0)
                return;
        while (*p) {
                size_t n = utf8_char_len(p);
                int esc = -1;

                if (n == 0 || *p < 0x20 || *p == 0x7f || *p == '\\') {
                        esc = *p;
                        n = 1;
                } else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
                        esc = p[1];     /* a C1 control, as its code point */
                if (esc >= 0) {
                        if (o + 4 >= size)
                                break;
                        snprintf(out + o, size - o, "\\x%02x", esc);
                        o += 4;
                        p += n;
                        continue;
                }
                if (o + n >= size)
                        break;
                for (size_t i = 0; i < n; i++)
                        out[o++] = (char) p[i];
                p += n;
        }
        out[o] = '\0';
}
