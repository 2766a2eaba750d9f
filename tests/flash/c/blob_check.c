/* Test driver for hcc_blob_open: `blob_check HASH_HEX|- FILE...` prints, per file, one line
 * "STATUS PAYLOAD_OFFSET PAYLOAD_SIZE" (offset and size -1/0 on error);
 * `blob_check --crc FILE` prints hcc_crc32 of the whole file in hex.
 * Each file is copied into an exactly-sized heap buffer so ASan sees any overread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcc_blob.h"

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf = (uint8_t *)malloc(n > 0 ? (size_t)n : 1u);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    uint8_t hash[16];
    const uint8_t *expected = NULL;
    int i;

    if (argc == 3 && strcmp(argv[1], "--crc") == 0) {
        size_t size;
        uint8_t *data = read_file(argv[2], &size);
        printf("%08lx\n", (unsigned long)hcc_crc32(0u, data, size));
        free(data);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: blob_check HASH_HEX|- FILE... | --crc FILE\n");
        return 2;
    }
    if (strcmp(argv[1], "-") != 0) {
        if (strlen(argv[1]) != 32) {
            fprintf(stderr, "hash must be 32 hex digits\n");
            return 2;
        }
        for (i = 0; i < 16; ++i) {
            unsigned int byte;
            if (sscanf(argv[1] + 2 * i, "%2x", &byte) != 1) {
                return 2;
            }
            hash[i] = (uint8_t)byte;
        }
        expected = hash;
    }
    for (i = 2; i < argc; ++i) {
        size_t size, payload_size = 12345;
        const uint8_t *payload = (const uint8_t *)"x";
        uint8_t *blob = read_file(argv[i], &size);
        hcc_status_t st = hcc_blob_open(blob, size, expected, &payload, &payload_size);
        if (st == HCC_OK) {
            printf("%d %ld %lu\n", (int)st, (long)(payload - blob), (unsigned long)payload_size);
        } else {
            printf("%d %d %lu\n", (int)st, payload == NULL ? -1 : -2, (unsigned long)payload_size);
        }
        free(blob);
    }
    /* NULL arguments are refused, not dereferenced. */
    {
        const uint8_t *p;
        size_t n;
        if (hcc_blob_open(NULL, 64, NULL, &p, &n) != HCC_ERR_NULL_ARGUMENT || p != NULL || n != 0 ||
            hcc_blob_open((const uint8_t *)"HCCW", 4, NULL, NULL, &n) != HCC_ERR_NULL_ARGUMENT ||
            hcc_blob_open((const uint8_t *)"HCCW", 4, NULL, &p, NULL) != HCC_ERR_NULL_ARGUMENT) {
            printf("NULL-argument check failed\n");
            return 1;
        }
    }
    return 0;
}
