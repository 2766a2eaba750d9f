/* int8 -> int8 lookup-table op (Sigmoid, SiLU, Tanh, ...: the table is built at compile time). */
#include "hcc_kernels.h"

void hcc_lut_s8(const int8_t *input, int32_t size, const int8_t *table, int8_t *output) {
    int32_t i;
    for (i = 0; i < size; ++i) output[i] = table[input[i] + 128];
}
