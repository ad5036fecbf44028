/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

void log_setup(bool udev_event);
int log_fields(int level, int error, const char * const *fields, const char *format, ...)
        __attribute__((format(printf, 4, 5)));
void log_kmod(void *data, int priority, const char *file, int line, const char *fn,
              const char *format, va_list args) __attribute__((format(printf, 6, 0)));
int log_get_max_level(void);

#define log_full_errno(level, error, ...) log_fields(level, error, NULL, __VA_ARGS__)
#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, error, __VA_ARGS__)
