/* Test driver: n, outer, unit, inner_units [n], column_units [n], has_tables [n], tables
 * [n, 256], data (the slots one after the other) -> hcc_concat_inplace_s8's result, run on a
 * buffer of exactly the data's size with a scratch of exactly the declared size. */
#include "test_io.h"
#include "hcc_movement.h"

int main(void) {
    size_t size;
    int32_t n, outer, unit, t;
    const int32_t *inner, *columns, *has_tables;
    const int8_t *table_bytes, *data;
    const int8_t *tables[16];
    int8_t *buffer;
    uint8_t *scratch;
    tio_begin();
    n = tio_i32();
    outer = tio_i32();
    unit = tio_i32();
    inner = (const int32_t *)tio_next(&size);
    columns = (const int32_t *)tio_next(&size);
    has_tables = (const int32_t *)tio_next(&size);
    table_bytes = (const int8_t *)tio_next(&size);
    data = (const int8_t *)tio_next(&size);
    for (t = 0; t < n && t < 16; ++t) tables[t] = has_tables[t] ? table_bytes + 256 * t : NULL;
    buffer = (int8_t *)malloc(size ? size : 1u);
    scratch = (uint8_t *)malloc(hcc_concat_inplace_s8_scratch_size(inner, n, outer, unit));
    memcpy(buffer, data, size);
    hcc_concat_inplace_s8(buffer, inner, columns, tables, n, outer, unit, scratch);
    tio_emit(buffer, size);
    free(buffer);
    free(scratch);
    return 0;
}
