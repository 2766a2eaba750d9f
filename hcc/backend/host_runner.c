/* Host runner for `hcc verify`: reads N inputs of RUNNER_INPUT_SIZE int8 from stdin, runs the
 * generated model on each with a heap arena of exactly RUNNER_ARENA_SIZE bytes (so a sanitizer
 * sees any overrun), and writes the N int8 outputs to stdout. Compiled with -DRUNNER_HEADER and
 * -DRUNNER_PREFIX by hcc/backend/host.py; a float build adds -DRUNNER_ELEM=float (inputs and
 * outputs are then float32, and the run() sizes count elements).
 *
 * Built with -DHCC_WEIGHTS_FROM_BLOB, it takes the weights blob's path as its argument, loads it
 * into a buffer of exactly its size and registers it (NAME_use_weights) before reading any
 * input; a refused blob exits with 20 + the status code and runs nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include RUNNER_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define RUN CAT(RUNNER_PREFIX, _run)
#define USE_WEIGHTS CAT(RUNNER_PREFIX, _use_weights)
#ifndef RUNNER_ELEM
#define RUNNER_ELEM int8_t
#endif

#ifdef HCC_WEIGHTS_FROM_BLOB
static uint8_t *load_blob(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return NULL;
    data = (uint8_t *)malloc(n > 0 ? (size_t)n : 1u); /* malloc is 16-byte aligned on the hosts used */
    if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}
#endif

int main(int argc, char **argv) {
    static RUNNER_ELEM input[RUNNER_INPUT_SIZE];
    static RUNNER_ELEM output[RUNNER_OUTPUT_SIZE];
    void *raw;
    void *arena;
    size_t n;
#ifdef HCC_WEIGHTS_FROM_BLOB
    size_t blob_size = 0;
    uint8_t *blob = argc == 2 ? load_blob(argv[1], &blob_size) : NULL;
    hcc_status_t loaded;
    if (blob == NULL) return 7;
    loaded = USE_WEIGHTS(blob, blob_size);
    if (loaded != HCC_OK) {
        fprintf(stderr, "weights blob refused with status %d\n", (int)loaded);
        free(blob);
        return 20 + (int)loaded;
    }
#else
    (void)argc;
    (void)argv;
#endif
    raw = malloc(RUNNER_ARENA_SIZE + RUNNER_ARENA_ALIGN);
    if (raw == NULL) return 3;
    /* Aligned inside an exactly sized region: the arena's end is the allocation's end. */
    arena = (char *)raw + (RUNNER_ARENA_ALIGN - ((size_t)raw + RUNNER_ARENA_SIZE) % RUNNER_ARENA_ALIGN) % RUNNER_ARENA_ALIGN;
    while ((n = fread(input, 1, sizeof input, stdin)) == sizeof input) {
        hcc_status_t status = RUN(input, RUNNER_INPUT_SIZE, output, RUNNER_OUTPUT_SIZE, arena, RUNNER_ARENA_SIZE);
        if (status != HCC_OK) {
            fprintf(stderr, "run failed with status %d\n", (int)status);
            return 4;
        }
        if (fwrite(output, 1, sizeof output, stdout) != sizeof output) return 5;
    }
    free(raw);
#ifdef HCC_WEIGHTS_FROM_BLOB
    free(blob);
#endif
    return n == 0 ? 0 : 6;
}
