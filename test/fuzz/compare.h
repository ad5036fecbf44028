/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

/*
 * Compare the project's reading of one module option string (NULL: the
 * module has none) with the kernel model's. Returns the number of
 * disagreements, described on @report; -1 when out of memory.
 */
int compare_options(const char *options, FILE *report);
