/* int8 softmax over one axis (docs/numerics.md, softmax): integer only, no libm. */
#include "hcc_kernels.h"

/* One softmax of n elements `stride` apart. */
static void softmax_row(const int8_t *input, int32_t n, int32_t stride, const uint16_t *exp_table,
                        int8_t *output) {
    int32_t i, x_max = -128;
    uint32_t sum = 0u;
    for (i = 0; i < n; ++i) x_max = input[i * stride] > x_max ? input[i * stride] : x_max;
    for (i = 0; i < n; ++i) sum += exp_table[x_max - input[i * stride]];
    /* sum >= exp_table[0] > 0. q + 128 = round(256 e / sum) = floor((512 e + sum) / (2 sum)),
     * a quotient <= 256: 9 shift-subtract steps. */
    for (i = 0; i < n; ++i) {
        const uint32_t e = exp_table[x_max - input[i * stride]];
        const int32_t q = (int32_t)hcc_udiv_u32(512u * e + sum, 2u * sum, 9);
        output[i * stride] = hcc_saturate_s8(q - 128);
    }
}

void hcc_softmax_s8(const int8_t *input, int32_t rows, int32_t n, const uint16_t *exp_table,
                    int8_t *output) {
    int32_t r;
    for (r = 0; r < rows; ++r) {
        softmax_row(input, n, 1, exp_table, output);
        input += n;
        output += n;
    }
}

void hcc_softmax_axis_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, const uint16_t *exp_table,
                         int8_t *output) {
    int32_t o, j;
    for (o = 0; o < outer; ++o) {
        for (j = 0; j < inner; ++j) softmax_row(input + j, n, inner, exp_table, output + j);
        input += n * inner;
        output += n * inner;
    }
}
