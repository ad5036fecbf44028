/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The differential test as a fixed run: every string of CORPUS
 * (options.corpus), then COUNT option strings (default 300000) from a
 * seeded generator that favours what the kernel's parser reacts to.
 * Deterministic, so a failure names the input that reproduces it:
 * fuzz-options COUNT SEED [CORPUS].
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "corpus.h"
#include "uap-config.h"

static uint64_t rng_state;

/* splitmix64: tiny, and the same sequence everywhere. */
static uint64_t rng(void)
{
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static unsigned rnd(unsigned n)
{
        return (unsigned) (rng() % n);
}

static const char * const tokens[] = {
        /* quoting, separators and the stop */
        "\"", "\"", "\"", "=", "=", " ", " ", "  ", "\t", "\n", "\v", "\f", "\r", "\r", "\xa0",
        "--", "--", "-", "\"--\"", "=\"", "\"=", "\"\"",
        /* the generic parameter and near misses */
        "async_probe", "async_probe", "async_probe=", "async_probe=", "async-probe", "Async_probe",
        "async_probe_", "xasync_probe",
        /* kstrtobool's first (and second) characters */
        "y", "Y", "t", "T", "1", "n", "N", "f", "F", "0", "o", "O", "on", "ON", "of", "oF", "off",
        "nope", "0x", "yes", "2", "",
        /* other parameters and values */
        "x", "x=1", "debug=1", "a b", "dyndbg=+p", "\xc3\xa9",
};

static size_t generate(char *buf, size_t size)
{
        unsigned n = rnd(4) == 0 ? rnd(40) : rnd(12);
        size_t len = 0;

        while (n-- > 0) {
                char byte[2] = { (char) (1 + rnd(255)), '\0' };
                const char *t = rnd(8) == 0 ? byte : tokens[rnd(sizeof(tokens) / sizeof(tokens[0]))];
                size_t tlen = strlen(t);

                if (len + tlen >= size)
                        break;
                memcpy(buf + len, t, tlen);
                len += tlen;
        }
        buf[len] = '\0';
        return len;
}

int main(int argc, char *argv[])
{
        unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 300000;
        uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
        unsigned long i, mismatches = 0;
        char buf[512];
        int r;

        rng_state = seed;
        r = compare_options(NULL, stderr);
        if (r != 0)
                mismatches++;

        if (argc > 3) {
                struct corpus c;

                if (corpus_read(argv[3], &c) < 0)
                        return 2;
                for (size_t j = 0; j < c.n; j++) {
                        r = compare_options(c.v[j], stderr);
                        if (r < 0) {
                                fprintf(stderr, "out of memory\n");
                                return 2;
                        }
                        if (r > 0) {
                                fprintf(stderr, "corpus entry %zu above\n", j + 1);
                                mismatches++;
                        }
                }
                printf("fuzz-options: %zu corpus strings, %lu mismatches\n", c.n, mismatches);
                corpus_free(&c);
        }

        for (i = 0; i < count; i++) {
                struct uap_config cfg;

                generate(buf, sizeof(buf));
                r = compare_options(buf, stderr);
                if (r < 0) {
                        fprintf(stderr, "out of memory\n");
                        return 2;
                }
                if (r > 0) {
                        fprintf(stderr, "input %lu of seed %" PRIu64 " above\n", i, seed);
                        if (++mismatches >= 10)
                                break;
                }
                /* The configuration reader takes the same strings without harm. */
                if (uap_config_parse(&cfg, buf) < 0)
                        return 2;
                uap_config_done(&cfg);
        }
        printf("fuzz-options: %lu inputs, seed %" PRIu64 ", %lu mismatches\n", i, seed, mismatches);
        return mismatches ? 1 : 0;
}
