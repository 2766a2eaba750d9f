/* Test driver: input, table (256 int8) -> hcc_lut_s8 output. */
#include "test_io.h"
#include "hcc_kernels.h"

int main(void) {
    size_t size;
    const int8_t *input, *table;
    int8_t *output;
    tio_begin();
    input = (const int8_t *)tio_next(&size);
    table = (const int8_t *)tio_next(NULL);
    output = (int8_t *)malloc(size ? size : 1u);
    hcc_lut_s8(input, (int32_t)size, table, output);
    tio_emit(output, size);
    return 0;
}
