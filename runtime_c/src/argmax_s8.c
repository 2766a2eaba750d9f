/* Argmax over the last axis; the first maximum wins (as numpy and ONNX select_last_index=0). */
#include "hcc_kernels.h"

void hcc_argmax_s8(const int8_t *input, int32_t rows, int32_t n, int32_t *output) {
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        int32_t best = 0;
        for (i = 1; i < n; ++i) {
            if (input[i] > input[best]) best = i;
        }
        output[r] = best;
        input += n;
    }
}
