/* hcc_classify: run an hcc-generated image model on the host.
 *
 *     hcc_classify [--weights BLOB] IMAGE.pgm ...        binary PGM (P5, 8-bit)
 *     hcc_classify [--weights BLOB] --raw W H FILE ...   raw 8-bit gray, W x H bytes
 *
 * For each image: NAME_preprocess_u8 (centre crop, integer bilinear resize, the model's
 * pixel table), NAME_run, then one line
 *
 *     FILE: LABEL | class score class score ... | status 0 (ok)
 *
 * with the scores dequantized ((q - zero point) * scale). --weights is needed (and only
 * accepted) when the model is built with -DHCC_WEIGHTS_FROM_BLOB (the partition mode).
 * Exit status: 0 when every image was classified, 1 otherwise, 2 for bad usage.
 *
 * The model is chosen at build time (Makefile / CMakeLists.txt): MODEL is its C name,
 * MODEL_UPPER the same in capitals, MODEL_HEADER its header, e.g. -DMODEL=hcmtmm
 * -DMODEL_UPPER=HCMTMM -DMODEL_HEADER='"hcmtmm.h"'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define MODEL_FN(suffix) CAT(MODEL, suffix)          /* MODEL_FN(_run) -> hcmtmm_run */
#define MODEL_CONST(suffix) CAT(MODEL_UPPER, suffix) /* MODEL_CONST(_ARENA_SIZE) -> HCMTMM_ARENA_SIZE */

#define INPUT_SIZE MODEL_CONST(_INPUT_SIZE)
#define OUTPUT_SIZE MODEL_CONST(_OUTPUT_SIZE)
#define ARENA_SIZE MODEL_CONST(_ARENA_SIZE)
#define MAX_PIXELS (16u * 1024u * 1024u) /* refuse absurd headers before allocating */

static uint8_t arena[ARENA_SIZE] HCC_ALIGN(16);

static const char *status_name(hcc_status_t st)
{
    switch (st) {
    case HCC_OK: return "ok";
    case HCC_ERR_NULL_ARGUMENT: return "null argument or no weights";
    case HCC_ERR_ARENA_TOO_SMALL: return "arena too small";
    case HCC_ERR_ARENA_MISALIGNED: return "misaligned arena or blob";
    case HCC_ERR_BAD_SIZE: return "bad size";
    case HCC_ERR_SCRATCH: return "scratch short of what a kernel needs (compiler bug)";
    case HCC_ERR_BLOB_MAGIC: return "not a weights blob";
    case HCC_ERR_BLOB_VERSION: return "unsupported blob version";
    case HCC_ERR_BLOB_HASH: return "blob built for another graph";
    case HCC_ERR_BLOB_LENGTH: return "blob truncated or of the wrong length";
    case HCC_ERR_BLOB_CRC: return "blob payload corrupt (CRC32)";
    }
    return "unknown status";
}

/* Whole file into a malloc'd buffer (*size bytes); NULL if it cannot be read. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;
    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = (uint8_t *)malloc(n > 0 ? (size_t)n : 1u);
        if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *size = (size_t)n;
    }
    fclose(f);
    return data;
}

/* Next header number of a PGM after whitespace and # comments; -1 if there is none. */
static long pgm_number(const uint8_t *data, size_t size, size_t *pos)
{
    long value = 0;
    int digits = 0;
    while (*pos < size) {
        if (data[*pos] == '#') {
            while (*pos < size && data[*pos] != '\n') ++*pos;
        } else if (data[*pos] == ' ' || data[*pos] == '\t' || data[*pos] == '\r' || data[*pos] == '\n') {
            ++*pos;
        } else {
            break;
        }
    }
    while (*pos < size && data[*pos] >= '0' && data[*pos] <= '9' && value < 100000000L) {
        value = value * 10 + (data[*pos] - '0');
        ++*pos;
        ++digits;
    }
    return digits > 0 ? value : -1;
}

/* Binary PGM (P5, maxval <= 255): points *pixels into data; 0, or -1 with a message. */
static int parse_pgm(const char *path, const uint8_t *data, size_t size, const uint8_t **pixels, int *w, int *h)
{
    size_t pos = 2;
    long width, height, maxval;
    if (size < 2 || data[0] != 'P' || data[1] != '5') {
        fprintf(stderr, "%s: not a binary PGM (P5); convert it, or pass --raw W H\n", path);
        return -1;
    }
    width = pgm_number(data, size, &pos);
    height = pgm_number(data, size, &pos);
    maxval = pgm_number(data, size, &pos);
    if (width < 1 || height < 1 || maxval < 1 || maxval > 255 || pos >= size ||
        (unsigned long)width * (unsigned long)height > MAX_PIXELS) {
        fprintf(stderr, "%s: unsupported PGM header (need 8-bit P5, at most %u pixels)\n", path, MAX_PIXELS);
        return -1;
    }
    ++pos; /* the single whitespace after maxval */
    if (size - pos < (size_t)width * (size_t)height) {
        fprintf(stderr, "%s: PGM truncated: %ldx%ld pixels, %lu bytes of data\n", path, width, height,
                (unsigned long)(size - pos));
        return -1;
    }
    *pixels = data + pos;
    *w = (int)width;
    *h = (int)height;
    return 0;
}

/* Preprocess, run and print one image; returns the status (or HCC_ERR_BAD_SIZE for bad input). */
static hcc_status_t classify(const char *path, const uint8_t *gray, int w, int h, const void *weights)
{
    int8_t input[INPUT_SIZE], output[OUTPUT_SIZE];
    hcc_status_t st = MODEL_FN(_preprocess_u8)(gray, w, h, input);
    int i, best = 0;
    if (st == HCC_OK) {
#if MODEL_CONST(_WEIGHTS_FROM_BLOB)
        st = MODEL_FN(_run_with)((const MODEL_FN(_weights_t) *)weights, input, sizeof input, output, sizeof output,
                                 arena, sizeof arena);
#else
        (void)weights;
        st = MODEL_FN(_run)(input, sizeof input, output, sizeof output, arena, sizeof arena);
#endif
    }
    if (st != HCC_OK) {
        printf("%s: - | status %d (%s)\n", path, (int)st, status_name(st));
        return st;
    }
    best = MODEL_FN(_argmax)(output);
    printf("%s: %s |", path, MODEL_FN(_labels)[best]);
    for (i = 0; i < OUTPUT_SIZE; ++i) {
        double score = ((double)output[i] - (double)MODEL_CONST(_OUTPUT_ZERO_POINT)) * (double)MODEL_CONST(_OUTPUT_SCALE);
        printf(" %s %.3f", MODEL_FN(_labels)[i], score);
    }
    printf(" | status %d (%s)\n", (int)st, status_name(st));
    return st;
}

static int usage(void)
{
    fprintf(stderr, "usage: hcc_classify [--weights BLOB] IMAGE.pgm ... | --raw WIDTH HEIGHT FILE ...\n");
    return 2;
}

int main(int argc, char **argv)
{
    int i = 1, failures = 0, images = 0;
    const void *weights = NULL;
#if MODEL_CONST(_WEIGHTS_FROM_BLOB)
    static MODEL_FN(_weights_t) opened;
    uint8_t *blob = NULL;
    size_t blob_size = 0;
    hcc_status_t st;
    if (argc > 2 && strcmp(argv[1], "--weights") == 0) {
        blob = read_file(argv[2], &blob_size);
        if (blob == NULL) {
            fprintf(stderr, "%s: cannot read\n", argv[2]);
            return 1;
        }
        i = 3;
    }
    st = MODEL_FN(_weights_open)(&opened, blob, blob_size);
    if (st != HCC_OK) {
        fprintf(stderr, "weights %s: status %d (%s)\n", blob ? argv[2] : "(none: pass --weights BLOB)", (int)st,
                status_name(st));
        free(blob);
        return 1;
    }
    weights = &opened;
#else
    if (argc > 1 && strcmp(argv[1], "--weights") == 0) {
        fprintf(stderr, "--weights: this build has its weights compiled in (build with -DHCC_WEIGHTS_FROM_BLOB)\n");
        return 2;
    }
#endif
    while (i < argc) {
        const char *path;
        const uint8_t *gray = NULL;
        uint8_t *data;
        size_t size = 0;
        int w = 0, h = 0, ok;
        if (strcmp(argv[i], "--raw") == 0) {
            if (i + 3 >= argc) return usage();
            w = atoi(argv[i + 1]);
            h = atoi(argv[i + 2]);
            path = argv[i + 3];
            i += 4;
        } else {
            path = argv[i];
            i += 1;
        }
        ++images;
        data = read_file(path, &size);
        if (data == NULL) {
            fprintf(stderr, "%s: cannot read\n", path);
            ++failures;
            continue;
        }
        if (w != 0 || h != 0) { /* raw */
            ok = w > 0 && h > 0 && (size_t)w * (size_t)h == size;
            if (!ok) fprintf(stderr, "%s: %lu bytes, not %d x %d\n", path, (unsigned long)size, w, h);
            gray = data;
        } else {
            ok = parse_pgm(path, data, size, &gray, &w, &h) == 0;
        }
        if (!ok || classify(path, gray, w, h, weights) != HCC_OK) ++failures;
        free(data);
    }
#if MODEL_CONST(_WEIGHTS_FROM_BLOB)
    free(blob);
#endif
    if (images == 0) return usage();
    return failures == 0 ? 0 : 1;
}
