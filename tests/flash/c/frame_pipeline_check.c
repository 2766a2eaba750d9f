/* Test driver for examples/esp32_cam/main/frame_pipeline.c:
 *   resize W H IN OUT        centre_crop_resize_u8 of a raw W x H image into OUT (98*98 bytes)
 *   quantize SCALE ZP IN OUT quantize_pixels_s8 of every byte of IN
 *   format SCALE ZP BUFSIZE S0 S1 ...   format_scores with labels c0, c1, ...; prints
 *                            "RETURN|TEXT" (TEXT as written into a BUFSIZE buffer)
 *   bad                      NULL / size arguments are refused (exit 0 when they are) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_pipeline.h"

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long size;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        exit(2);
    }
    buf = (unsigned char *)malloc(size > 0 ? (size_t)size : 1u); /* exact size: ASan sees overreads */
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        exit(2);
    }
    fclose(f);
    *n = (size_t)size;
    return buf;
}

static void spill(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "resize") == 0) {
        size_t n;
        uint8_t out[FRAME_PIPELINE_SIDE * FRAME_PIPELINE_SIDE];
        unsigned char *img = slurp(argv[4], &n);
        int w = atoi(argv[2]), h = atoi(argv[3]);
        if ((size_t)w * (size_t)h != n || centre_crop_resize_u8(img, w, h, out) != 0) {
            return 1;
        }
        spill(argv[5], out, sizeof out);
        free(img);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "quantize") == 0) {
        size_t n;
        unsigned char *px = slurp(argv[4], &n);
        int8_t *q = (int8_t *)malloc(n > 0 ? n : 1u);
        if (q == NULL || quantize_pixels_s8(px, n, (float)atof(argv[2]), (int32_t)atol(argv[3]), q) != 0) {
            return 1;
        }
        spill(argv[5], q, n);
        free(q);
        free(px);
        return 0;
    }
    if (argc >= 6 && strcmp(argv[1], "format") == 0) {
        static const char *const labels[] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"};
        int8_t scores[8];
        int n = argc - 5, i, r;
        size_t size = (size_t)atol(argv[4]);
        char *buf = (char *)malloc(size > 0 ? size : 1u);
        if (n > 8 || buf == NULL) {
            return 2;
        }
        for (i = 0; i < n; ++i) {
            scores[i] = (int8_t)atoi(argv[5 + i]);
        }
        r = format_scores(scores, n, (float)atof(argv[2]), (int32_t)atol(argv[3]), labels, size > 0 ? buf : NULL, size);
        printf("%d|%s\n", r, size > 0 ? buf : "");
        free(buf);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "bad") == 0) {
        uint8_t px[4] = {0, 1, 2, 3}, out[FRAME_PIPELINE_SIDE * FRAME_PIPELINE_SIDE];
        int8_t q[4];
        const char *const labels[] = {"a"};
        char buf[8];
        int refused = centre_crop_resize_u8(NULL, 2, 2, out) == -1 && centre_crop_resize_u8(px, 2, 2, NULL) == -1 &&
                      centre_crop_resize_u8(px, 0, 2, out) == -1 && centre_crop_resize_u8(px, 2, -1, out) == -1 &&
                      quantize_pixels_s8(NULL, 4, 1.0f, 0, q) == -1 && quantize_pixels_s8(px, 4, 0.0f, 0, q) == -1 &&
                      format_scores(q, 0, 1.0f, 0, labels, buf, sizeof buf) == -1 &&
                      format_scores(q, 1, 1.0f, 0, NULL, buf, sizeof buf) == -1;
        return refused ? 0 : 1;
    }
    fprintf(stderr, "bad usage\n");
    return 2;
}
