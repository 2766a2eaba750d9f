/* Test driver: op (0: hcc_softmax_s8 -> int8 [rows, n] with the uint16 exp table as the last
 * argument; 1: hcc_argmax_s8 -> int32 [rows]), input, rows, n. */
#include "test_io.h"
#include "hcc_kernels.h"

int main(void) {
    int32_t op, rows, n;
    const int8_t *input;
    tio_begin();
    op = tio_i32();
    input = (const int8_t *)tio_next(NULL);
    rows = tio_i32();
    n = tio_i32();
    if (op == 0) {
        const uint16_t *table = (const uint16_t *)tio_next(NULL);
        int8_t *output = (int8_t *)malloc((size_t)(rows * n));
        hcc_softmax_s8(input, rows, n, table, output);
        tio_emit(output, (size_t)(rows * n));
    } else {
        int32_t *output = (int32_t *)malloc((size_t)rows * sizeof(int32_t));
        hcc_argmax_s8(input, rows, n, output);
        tio_emit(output, (size_t)rows * sizeof(int32_t));
    }
    return 0;
}
