/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

void log_parse_environment(void);
void log_open(bool udev_event);
void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_kmod_level(int level);
int log_get_kmod_level(void);
int log_fields(int level, int error, const char * const *fields, const char *format, ...)
        __attribute__((format(printf, 4, 5)));
void log_kmod(void *data, int priority, const char *file, int line, const char *fn,
              const char *format, va_list args) __attribute__((format(printf, 6, 0)));

#define log_full_errno(level, error, ...) log_fields(level, error, NULL, __VA_ARGS__)
#define log_full(level, ...) log_full_errno(level, 0, __VA_ARGS__)
#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
