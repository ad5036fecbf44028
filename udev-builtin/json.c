/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json.h"

/* A JSON string literal, or null for NULL. */
void json_string(FILE *f, const char *s)
{
        if (s == NULL) {
                fputs("null", f);
                return;
        }

        fputc('"', f);
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}
