/* Test driver: op (0: hcc_softmax_s8 -> int8 [rows, n] with the uint16 exp table as the last
 * argument; 1: hcc_argmax_s8 -> int32 [rows]; 2: hcc_softmax_axis_s8 -> int8 [rows, n, inner],
 * inner then the table after n; 3: hcc_softmax_axis_f32, float input, inner after n), input,
 * rows, n. */
#include "test_io.h"
#include "hcc_float.h"

int main(void) {
    int32_t op, rows, n;
    const void *input;
    tio_begin();
    op = tio_i32();
    input = tio_next(NULL);
    rows = tio_i32();
    n = tio_i32();
    if (op == 0) {
        const uint16_t *table = (const uint16_t *)tio_next(NULL);
        int8_t *output = (int8_t *)malloc((size_t)(rows * n));
        hcc_softmax_s8((const int8_t *)input, rows, n, table, output);
        tio_emit(output, (size_t)(rows * n));
    } else if (op == 1) {
        int32_t *output = (int32_t *)malloc((size_t)rows * sizeof(int32_t));
        hcc_argmax_s8((const int8_t *)input, rows, n, output);
        tio_emit(output, (size_t)rows * sizeof(int32_t));
    } else if (op == 2) {
        const int32_t inner = tio_i32();
        const uint16_t *table = (const uint16_t *)tio_next(NULL);
        int8_t *output = (int8_t *)malloc((size_t)(rows * n * inner));
        hcc_softmax_axis_s8((const int8_t *)input, rows, n, inner, table, output);
        tio_emit(output, (size_t)(rows * n * inner));
    } else {
        const int32_t inner = tio_i32();
        float *output = (float *)malloc((size_t)(rows * n * inner) * sizeof(float));
        hcc_softmax_axis_f32((const float *)input, rows, n, inner, output);
        tio_emit(output, (size_t)(rows * n * inner) * sizeof(float));
    }
    return 0;
}
