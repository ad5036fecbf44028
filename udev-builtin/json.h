/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* --json=short|pretty|off, as udevadm and systemctl take it. */
enum json_mode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
};

int json_mode_from_string(const char *s);

/*
 * The one JSON writer every command uses: values are written as they come,
 * commas and indentation follow from the nesting. Strings are always
 * valid UTF-8: bytes that are not become U+FFFD.
 */
struct json {
        FILE *f;
        enum json_mode mode;
        unsigned depth;
        bool need_comma;
        bool after_key;
};

void json_begin(struct json *j, FILE *f, enum json_mode mode);
void json_end(struct json *j);
void json_object_open(struct json *j);
void json_object_close(struct json *j);
void json_array_open(struct json *j);
void json_array_close(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_bool(struct json *j, bool b);
void json_int(struct json *j, long long i);
void json_null(struct json *j);

/* Key-value shorthands for object members. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_bool(struct json *j, const char *key, bool b);
void json_kv_int(struct json *j, const char *key, long long i);
