/* Test driver: op (0: hcc_transpose_s8 with input, dims, perm; 1: hcc_concat_s8 with outer,
 * inner sizes, then one blob per input) -> the output bytes. */
#include "test_io.h"
#include "hcc_kernels.h"

int main(void) {
    size_t size, n_bytes;
    int8_t *output;
    tio_begin();
    if (tio_i32() == 0) {
        const int8_t *input = (const int8_t *)tio_next(&size);
        const int32_t *dims = (const int32_t *)tio_next(&n_bytes);
        const int32_t *perm = (const int32_t *)tio_next(NULL);
        output = (int8_t *)malloc(size ? size : 1u);
        hcc_transpose_s8(input, (int32_t)(n_bytes / 4), dims, perm, output);
    } else {
        const int32_t outer = tio_i32();
        const int32_t *inner = (const int32_t *)tio_next(&n_bytes);
        const int32_t n_inputs = (int32_t)(n_bytes / 4);
        const int8_t **inputs = (const int8_t **)malloc((size_t)n_inputs * sizeof(*inputs));
        int32_t i;
        size = 0;
        for (i = 0; i < n_inputs; ++i) {
            inputs[i] = (const int8_t *)tio_next(NULL);
            size += (size_t)(outer * inner[i]);
        }
        output = (int8_t *)malloc(size ? size : 1u);
        hcc_concat_s8(inputs, inner, n_inputs, outer, output);
    }
    tio_emit(output, size);
    return 0;
}
