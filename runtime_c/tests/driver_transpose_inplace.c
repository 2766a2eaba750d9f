/* Test driver: rows, cols, data [rows, cols] -> hcc_transpose_inplace_s8's result [cols, rows],
 * run on a buffer of exactly the data's size with a scratch of exactly the declared size. */
#include "test_io.h"
#include "hcc_kernels.h"

int main(void) {
    size_t size;
    int32_t rows, cols;
    const int8_t *data;
    int8_t *buffer;
    uint8_t *visited;
    tio_begin();
    rows = tio_i32();
    cols = tio_i32();
    data = (const int8_t *)tio_next(&size);
    buffer = (int8_t *)malloc(size ? size : 1u);
    visited = (uint8_t *)malloc(hcc_transpose_inplace_s8_scratch_size(rows, cols) + (size ? 0u : 1u));
    memcpy(buffer, data, size);
    hcc_transpose_inplace_s8(buffer, rows, cols, visited);
    tio_emit(buffer, size);
    return 0;
}
