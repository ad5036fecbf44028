/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The option reader against what Linux 6.12 makes of the same strings
 * (lib/cmdline.c next_arg(), kernel/params.c parse_args(), lib/ctype.c
 * isspace(), lib/kstrtox.c kstrtobool()), worked out by hand here and
 * checked at random against a model of that code in test/fuzz/.
 */
#include <errno.h>
#include <stdbool.h>

#include "tests.h"
#include "uap-param.h"

struct word {
        const char *key;
        const char *value;      /* NULL: no '=' */
        bool open_quote;
};

#define K(k)            { k, NULL, false }
#define KV(k, v)        { k, v, false }
#define OPEN_K(k)       { k, NULL, true }
#define OPEN_KV(k, v)   { k, v, true }
#define END             { NULL, NULL, false }

static const struct {
        const char *in;
        struct word words[8];   /* up to END */
} split_cases[] = {
        { "",                   { END } },
        { " \t\n\v\f\r\xa0",    { END } },
        { "a=1 b",              { KV("a", "1"), K("b"), END } },
        { "a=",                 { KV("a", ""), END } },
        { "a==b",               { KV("a", "=b"), END } },
        /* Every separator of the kernel's isspace(), and bytes that are not one. */
        { "a\vb\fc\rd\xa0" "e\tf\ng", { K("a"), K("b"), K("c"), K("d"), K("e"), K("f"), K("g"), END } },
        { "  a=1\r\n",          { KV("a", "1"), END } },
        { "a\x85" "b \x1c",     { K("a\x85" "b"), K("\x1c"), END } },
        /* An '=' as the first character does not separate; the next one does. */
        { "=",                  { K("="), END } },
        { "=x=1",               { KV("=x", "1"), END } },
        { "\"=a\"",             { K("=a"), END } },
        /* A leading quote and the quote ending that word go. */
        { "\"a=b c\"",          { KV("a", "b c"), END } },
        { "\"a b\"=c",          { KV("a b\"", "c"), END } },
        { "\"a\"b",             { K("a\"b"), END } },
        { "\"\"",               { K(""), END } },
        { "\"",                 { OPEN_K(""), END } },
        { "x \"a b",            { K("x"), OPEN_K("a b"), END } },
        /* The quotes inside a word only toggle: this one ends at the space. */
        { "async_probe=n\"\" \"async_probe", { KV("async_probe", "n\"\""), OPEN_K("async_probe"), END } },
        /* A value's opening quote goes, and a closing one only at the word's end. */
        { "a=\"b c\" d",        { KV("a", "b c"), K("d"), END } },
        { "a=\"b\"c",           { KV("a", "b\"c"), END } },
        { "a=b\"",              { OPEN_KV("a", "b\""), END } },
        { "a=\"\"",             { KV("a", ""), END } },
        { "a=\"",               { OPEN_KV("a", ""), END } },
        { "\"a=\"",             { KV("a", ""), END } },
        { "\"a=\"\"",           { OPEN_KV("a", ""), END } },
        /* Quotes anywhere toggle, keeping white space inside the word. */
        { "a\"b c\" d",         { K("a\"b c\""), K("d"), END } },
        { "a\"b c=d e",         { OPEN_KV("a\"b c", "d e"), END } },
        /* "--" is an ordinary word to the reader; uap_param_is_stop() tells. */
        { "-- a",               { K("--"), K("a"), END } },
        { "\"--\"",             { K("--"), END } },
        { "--=",                { KV("--", ""), END } },
};

static int test_split(void)
{
        size_t i, j;

        for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
                const char *cursor = split_cases[i].in;
                struct uap_param p;

                for (j = 0; uap_param_next(&cursor, &p) > 0; j++) {
                        const struct word *w = &split_cases[i].words[j];

                        if (j >= 8 || w->key == NULL) {
                                check(false, "[%zu] extra word '%.*s'", i, (int) p.key_len, p.key);
                                break;
                        }
                        check(p.key_len == strlen(w->key) && memcmp(p.key, w->key, p.key_len) == 0,
                              "[%zu.%zu] key '%.*s', expected '%s'", i, j, (int) p.key_len, p.key, w->key);
                        check((p.value == NULL) == (w->value == NULL), "[%zu.%zu] value presence", i, j);
                        if (p.value && w->value)
                                check(p.value_len == strlen(w->value) &&
                                      memcmp(p.value, w->value, p.value_len) == 0,
                                      "[%zu.%zu] value '%.*s', expected '%s'", i, j,
                                      (int) p.value_len, p.value, w->value);
                        check(p.open_quote == w->open_quote, "[%zu.%zu] open_quote=%d", i, j, p.open_quote);
                        /* The word as written: from its first byte to its separator. */
                        check(p.word + p.word_len <= cursor && p.word <= p.key, "[%zu.%zu] word", i, j);
                }
                check(j >= 8 || split_cases[i].words[j].key == NULL, "[%zu] only %zu words", i, j);
                check(*cursor == '\0', "[%zu] cursor not at the end", i);
        }
        return (int) i;
}

static int test_stop_and_names(void)
{
        static const struct {
                const char *in;
                bool stop;
                bool is_async_probe;    /* uap_param_is(), as for a declared parameter */
        } c[] = {
                { "--",               true,  false },
                { "\"--\"",           true,  false },
                { "--=",              false, false },
                { "---",              false, false },
                { "async_probe",      false, true },
                { "async-probe",      false, true },
                { "async_probe_",     false, false },
                { "Async_probe",      false, false },
        };
        size_t i;

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                const char *cursor = c[i].in;
                struct uap_param p;

                check(uap_param_next(&cursor, &p) == 1, "[%zu] no word", i);
                check(uap_param_is_stop(&p) == c[i].stop, "[%zu] stop", i);
                check(uap_param_is(&p, "async_probe") == c[i].is_async_probe, "[%zu] is", i);
        }
        return (int) i;
}

static int test_kstrtobool(void)
{
        static const struct {
                const char *s;
                int kernel;             /* uap_kstrtobool(): the kernel's reading */
                int strict;             /* uap_parse_bool(): whole words only */
        } c[] = {
                { "1", 1, 1 }, { "y", 1, 1 }, { "Y", 1, 1 }, { "yes", 1, 1 }, { "t", 1, -EINVAL },
                { "True", 1, 1 }, { "on", 1, 1 }, { "oN", 1, 1 }, { "ON", 1, 1 },
                { "0", 0, 0 }, { "n", 0, 0 }, { "No", 0, 0 }, { "f", 0, -EINVAL }, { "false", 0, 0 },
                { "off", 0, 0 }, { "of", 0, -EINVAL }, { "OF", 0, -EINVAL }, { "offline", 0, -EINVAL },
                { "nope", 0, -EINVAL }, { "0x", 0, -EINVAL }, { "1abc", 1, -EINVAL }, { "yikes", 1, -EINVAL },
                { "o", -EINVAL, -EINVAL }, { "ox", -EINVAL, -EINVAL }, { "", -EINVAL, -EINVAL },
                { "2", -EINVAL, -EINVAL }, { "-1", -EINVAL, -EINVAL }, { " 1", -EINVAL, -EINVAL },
                { "\"1\"", -EINVAL, -EINVAL },
        };
        size_t i;

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                check(uap_kstrtobool(c[i].s, strlen(c[i].s)) == c[i].kernel, "[%zu] kstrtobool(\"%s\")", i, c[i].s);
                check(uap_parse_bool(c[i].s, strlen(c[i].s)) == c[i].strict, "[%zu] parse_bool(\"%s\")", i, c[i].s);
        }
        /* Only the value's own bytes count, not what follows it in the string. */
        check(uap_kstrtobool("on", 1) == -EINVAL, "\"o\" of \"on\"");
        check(uap_kstrtobool("of", 1) == -EINVAL, "\"o\" of \"of\"");
        check(uap_kstrtobool("1", 0) == -EINVAL, "empty view");
        return (int) i + 3;
}

static int test_module_options(void)
{
        static const struct {
                const char *options;
                int async_probe;
                bool append_safe;
        } c[] = {
                { NULL,                                 -1, true },
                { "",                                   -1, true },
                { "debug=1",                            -1, true },
                { "async_probe",                         1, true },
                { "async_probe=0 async_probe",           1, true },
                { "async_probe=1 async_probe=0",         0, true },
                { "\"async_probe=0\"",                   0, true },
                { "async_probe=0\r",                     0, true },
                { "x=1\xa0" "async_probe=n",             0, true },
                { "async_probe=\"",                      1, false },
                { "async_probe=0 x=\"a",                 0, false },
                { "x=\"a async_probe=0",                -1, false },
                { "async_probe=0 --",                    0, false },
                { "async_probe=0 -- async_probe=1",      0, false },
                { "-- x=\"",                            -1, false },
                /* libkmod's space after the options joins an open last word. */
                { "\"async_probe",                      -1, false },
                { "async_probe=0 \"async_probe",         0, false },
                { "\"async_probe=0",                     0, false },
                { "\"async_probe=o",                     1, false },
                /*
                 * The kernel reads "async_probe" bare, so true, in this string
                 * alone; libkmod hands it over as "... \"async_probe " and the
                 * space ends up in the name: only async_probe=n counts.
                 */
                { "async_probe=n\"\" \"async_probe",      0, false },
                { "async_probe=1\"\" \"async_probe=0",    0, false },
                { "x=1 \"--",                           -1, false },
                { "async-probe=0",                      -1, true },
                { "async_probe=on",                      1, true },
                { "async_probe=oN",                      1, true },
                { "async_probe=of",                      0, true },
                { "async_probe=o",                       1, true },
                { "async_probe=",                        1, true },
                { "async_probe=f",                       0, true },
                { "async_probe=nope",                    0, true },
                { "async_probe=0x",                      0, true },
        };
        size_t i;

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                struct uap_module_options o;

                uap_module_options_read(c[i].options, &o);
                check(o.async_probe == c[i].async_probe, "[%zu] \"%s\": async_probe=%d", i,
                      str_or_null(c[i].options), o.async_probe);
                check(o.append_safe == c[i].append_safe, "[%zu] \"%s\": append_safe=%d", i,
                      str_or_null(c[i].options), o.append_safe);
        }
        return (int) i;
}

/* The word the reader notes as async_probe spelled another way, as written. */
static int test_misspelled(void)
{
        static const struct {
                const char *options;
                const char *misspelled;         /* NULL: none */
        } c[] = {
                { "async-probe=0",                      "async-probe=0" },
                { "Async_probe=0",                      "Async_probe=0" },
                { "ASYNC-PROBE",                        "ASYNC-PROBE" },
                { "x=1 aSyNc-PrObE=yes y=2",            "aSyNc-PrObE=yes" },
                { "async-probe=0 Async_probe=1",        "async-probe=0" },
                { "async_probe=1 async-probe=0",        "async-probe=0" },
                { "\"Async_probe=0\"",                  "\"Async_probe=0\"" },
                { "x=1\xa0" "Async_probe=0",            "Async_probe=0" },
                { "\"Async_probe=0",                    "\"Async_probe=0" },
                /* The exact name, or not the name at all. */
                { "async_probe=0",                      NULL },
                { "async_probe",                        NULL },
                { "x=async-probe",                      NULL },
                { "x=\"a Async_probe=0\"",              NULL },
                { "async-probe-=0",                     NULL },
                { "asyncprobe=0",                       NULL },
                { "async--probe=0",                     NULL },
                { "async\xe2\x80\x90probe=0",           NULL },
                { "\xc1sync_probe=0",                   NULL },
                /* Words the kernel never sees with that name. */
                { "-- async-probe=0",                   NULL },
                { "\"Async_probe",                      NULL },
                { "x=\"a async-probe=0",                NULL },
        };
        size_t i;

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                struct uap_module_options o;
                const char *want = c[i].misspelled;

                uap_module_options_read(c[i].options, &o);
                check((o.misspelled == NULL) == (want == NULL) &&
                      (want == NULL || (o.misspelled_len == strlen(want) &&
                                        memcmp(o.misspelled, want, o.misspelled_len) == 0)),
                      "[%zu] \"%s\": misspelled '%.*s', expected '%s'", i, c[i].options,
                      o.misspelled ? (int) o.misspelled_len : 6, o.misspelled ? o.misspelled : "(null)",
                      str_or_null(want));
        }
        return (int) i;
}

int main(void)
{
        int n = test_split();

        n += test_stop_and_names();
        n += test_kstrtobool();
        n += test_module_options();
        n += test_misspelled();
        return test_result("test-param", n);
}
