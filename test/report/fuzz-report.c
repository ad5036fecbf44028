/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: any bytes as a kernel log, through the parser, the
 * analysis (with and without facts from a made-up running system), the
 * listing options and every output, and compared with its own second
 * half as another boot; the SVGs through expat. Built and run by fuzz.sh, not by
 * meson's build.
 */
#include <errno.h>
#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "compare.h"
#include "listing.h"
#include "output.h"
#include "parse.h"
#include "utf8.h"

/* Made-up facts, each answer derived from the names it is asked about. */
static int fake_device_bus(void *u, const char *device, char *buf, size_t size)
{
        if (strlen(device) % 2 == 0)
                return -ENOENT;
        snprintf(buf, size, "fz%c", device[0]);
        return 0;
}

static int fake_device_driver(void *u, const char *bus, const char *device, char *buf, size_t size)
{
        snprintf(buf, size, "drv_%s", device);
        return strlen(device) % 3 ? 0 : -ENOENT;
}

static int fake_driver_module(void *u, const char *bus, const char *driver, char *buf, size_t size)
{
        if (driver[0] == 'b')
                return 1;
        snprintf(buf, size, "%s", driver);
        return strlen(driver) % 2 ? 0 : -ENOENT;
}

static int fake_driver_async(void *u, const char *bus, const char *driver)
{
        return (int) (strlen(driver) % 3) - 1;
}

static int fake_module_loaded_async(void *u, const char *module)
{
        return (int) (strlen(module) % 2);
}

static int fake_module_listed(void *u, const char *module, char *buf, size_t size)
{
        snprintf(buf, size, "/etc/modules-load.d/%s.conf", module);
        return module[0] == 'l';
}

static int fake_module_requested(void *u, const char *module, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s (bus-listed)", module, module);
        return module[0] == 'r' || strlen(module) % 5 == 0 ? 1 : strlen(module) % 7 ? 0 : -EIO;
}

static const struct report_facts facts = {
        .device_bus = fake_device_bus,
        .device_driver = fake_device_driver,
        .driver_module = fake_driver_module,
        .driver_async = fake_driver_async,
        .module_loaded_async = fake_module_loaded_async,
        .module_listed = fake_module_listed,
        .module_requested = fake_module_requested,
};

/* The SVG is well-formed XML, by a real XML parser's word. */
static void check_xml(const char *s, size_t n)
{
        XML_Parser p = XML_ParserCreate(NULL);

        if (p == NULL)
                abort();
        if (XML_Parse(p, s, (int) n, 1) != XML_STATUS_OK) {
                fprintf(stderr, "SVG not well-formed: %s at line %lu\n", XML_ErrorString(XML_GetErrorCode(p)),
                        (unsigned long) XML_GetCurrentLineNumber(p));
                abort();
        }
        XML_ParserFree(p);
}

/* What reaches a terminal or an XML parser: UTF-8, no control bytes but newlines. */
static void check_clean(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *) s, *end = p + n;

        while (p < end) {
                size_t k = utf8_char_len(p);

                if (k == 0 || (*p < 0x20 && *p != '\n') || *p == 0x7f)
                        abort();
                p += k;
        }
}

/* The listing options, from the input's first byte and its size. */
static struct report_listing listing_of(const uint8_t *data, size_t size)
{
        uint8_t b = size ? data[0] : 0;

        return (struct report_listing) {
                .sort = b & 1 ? REPORT_SORT_DURATION : REPORT_SORT_START,
                .top = (b >> 1) & 7,
                .min_usec = (uint64_t) (b >> 4) * 1000,
                .no_built_in = size % 5 == 0,
                .axis_end_usec = (uint64_t) (size % 7) * 100000,
        };
}

static char *svg_of(const struct report_picture *pic, size_t *n)
{
        char *out = NULL;
        FILE *f = open_memstream(&out, n);

        if (f == NULL)
                abort();
        report_write_svg(pic, f);
        fclose(f);
        check_clean(out, *n);
        check_xml(out, *n);
        return out;
}

/* The log as boot B, its second half as boot A: compared, in every output. */
static void compare(const uint8_t *data, size_t size, struct report *b, const struct uap_config *cfg,
                    const struct report_listing *l)
{
        struct report_comparison c;
        struct report a;
        struct report_lane lanes[2];
        char *out = NULL;
        size_t n = 0;
        FILE *f;

        report_init(&a);
        report_parse_buffer(&a, (const char *) data + size / 2, size - size / 2);
        if (report_analyze(&a, cfg, size % 3 ? &facts : NULL) < 0 ||
            report_compare(&c, &a, "fuzz a", b, "fuzz b", l) < 0)
                abort();
        lanes[0] = (struct report_lane) { .r = &a, .id = "a", .name = "A: fuzz", .rows = c.lane[REPORT_A],
                                          .n_rows = c.n_lane[REPORT_A] };
        lanes[1] = (struct report_lane) { .r = b, .id = "b", .name = "B: fuzz", .rows = c.lane[REPORT_B],
                                          .n_rows = c.n_lane[REPORT_B] };
        free(svg_of(&(struct report_picture) { .title = "fuzz", .lanes = lanes, .n_lanes = 2,
                                               .axis_end_usec = l->axis_end_usec }, &n));

        f = open_memstream(&out, &n);
        if (f == NULL)
                abort();
        report_print_compare_json(&c, f, size % 3 ? JSON_SHORT : JSON_PRETTY);
        fclose(f);
        check_clean(out, n);
        free(out);

        f = open_memstream(&out, &n);
        if (f == NULL)
                abort();
        report_print_compare_text(&c, f);
        fclose(f);
        check_clean(out, n);
        free(out);
        report_comparison_done(&c);
        report_done(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct uap_config cfg = { .enable = true, .buses = (char *) "pci,uaptest" };
        struct report_listing listing = listing_of(data, size);
        struct report_list list;
        struct report_lane lane;
        struct report r;
        char *out = NULL;
        size_t n = 0;
        FILE *f;

        report_init(&r);
        report_parse_buffer(&r, (const char *) data, size);
        if (report_analyze(&r, &cfg, size % 2 ? &facts : NULL) < 0 || report_list_make(&list, &r, &listing) < 0)
                abort();

        lane = (struct report_lane) { .r = &r, .rows = list.timeline, .n_rows = list.n_timeline };
        free(svg_of(&(struct report_picture) { .title = "fuzz", .lanes = &lane, .n_lanes = 1,
                                               .axis_end_usec = listing.axis_end_usec }, &n));

        f = open_memstream(&out, &n);
        if (f == NULL)
                abort();
        report_print_json(&r, &list, f, size % 3 ? JSON_SHORT : JSON_PRETTY, "fuzz");
        fclose(f);
        check_clean(out, n);
        free(out);

        f = open_memstream(&out, &n);
        if (f == NULL)
                abort();
        report_print_text(&r, &list, f, "fuzz");
        fclose(f);
        /* Text keeps tabs out too; the column padding is spaces. */
        check_clean(out, n);
        free(out);
        compare(data, size, &r, &cfg, &listing);
        report_list_done(&list);
        report_done(&r);
        return 0;
}
