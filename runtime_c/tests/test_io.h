/* Test-driver I/O: pytest writes a kernel call's arguments to stdin as a sequence of
 * length-prefixed blobs (u32 little-endian length, then bytes); the driver reads them in
 * order, calls one kernel, and writes its output buffer to stdout. Test code only. */
#ifndef HCC_TEST_IO_H
#define HCC_TEST_IO_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *tio_data;
static size_t tio_size, tio_pos;

static void tio_fail(const char *what) {
    fprintf(stderr, "test driver: %s\n", what);
    exit(2);
}

static void tio_begin(void) {
    size_t cap = 1 << 16;
    tio_data = (unsigned char *)malloc(cap);
    if (!tio_data) tio_fail("out of memory");
    for (;;) {
        size_t n = fread(tio_data + tio_size, 1, cap - tio_size, stdin);
        tio_size += n;
        if (tio_size < cap) break;
        cap *= 2;
        tio_data = (unsigned char *)realloc(tio_data, cap);
        if (!tio_data) tio_fail("out of memory");
    }
}

/* The next blob, copied into its own exactly-sized allocation (malloc aligns to 16 on the
 * hosts we test on) so that AddressSanitizer sees any overrun; its length in *len. */
static void *tio_next(size_t *len) {
    uint32_t n;
    void *copy;
    if (tio_pos + 4 > tio_size) tio_fail("missing argument");
    n = (uint32_t)tio_data[tio_pos] | ((uint32_t)tio_data[tio_pos + 1] << 8) |
        ((uint32_t)tio_data[tio_pos + 2] << 16) | ((uint32_t)tio_data[tio_pos + 3] << 24);
    tio_pos += 4;
    if (tio_pos + n > tio_size) tio_fail("truncated argument");
    copy = malloc(n ? (size_t)n : 1u);
    if (!copy) tio_fail("out of memory");
    memcpy(copy, tio_data + tio_pos, n);
    tio_pos += n;
    if (len) *len = n;
    return copy;
}

static inline int32_t tio_i32(void) { /* inline: drivers that read no scalar do not warn */
    size_t len;
    int32_t v;
    void *p = tio_next(&len);
    if (len != 4) tio_fail("expected a 4-byte integer");
    memcpy(&v, p, 4);
    free(p);
    return v;
}

static void tio_emit(const void *data, size_t len) {
    if (fwrite(data, 1, len, stdout) != len) tio_fail("write failed");
}

#endif
