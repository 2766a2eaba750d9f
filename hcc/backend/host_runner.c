/* Host runner for `hcc verify`: reads N inputs of RUNNER_INPUT_SIZE int8 from stdin, runs the
 * generated model on each with a heap arena of exactly RUNNER_ARENA_SIZE bytes (so a sanitizer
 * sees any overrun), and writes the N int8 outputs to stdout. Compiled with -DRUNNER_HEADER and
 * -DRUNNER_PREFIX by hcc/backend/host.py; a float build adds -DRUNNER_ELEM=float (inputs and
 * outputs are then float32, and the run() sizes count elements). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include RUNNER_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define RUN CAT(RUNNER_PREFIX, _run)
#ifndef RUNNER_ELEM
#define RUNNER_ELEM int8_t
#endif

int main(void) {
    static RUNNER_ELEM input[RUNNER_INPUT_SIZE];
    static RUNNER_ELEM output[RUNNER_OUTPUT_SIZE];
    void *raw = malloc(RUNNER_ARENA_SIZE + RUNNER_ARENA_ALIGN);
    void *arena;
    size_t n;
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
    return n == 0 ? 0 : 6;
}
