/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

int run_with_deadline(int (*fn)(void *userdata), void *userdata, unsigned timeout_ms);
long long now_ms(void);
int lock_until(int fd, long long until);
