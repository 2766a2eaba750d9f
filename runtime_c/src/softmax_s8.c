/* int8 softmax over the last axis (docs/numerics.md, softmax): integer only, no libm. */
#include "hcc_kernels.h"

void hcc_softmax_s8(const int8_t *input, int32_t rows, int32_t n, const uint16_t *exp_table,
                    int8_t *output) {
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        int32_t x_max = -128;
        uint32_t sum = 0u;
        for (i = 0; i < n; ++i) x_max = input[i] > x_max ? input[i] : x_max;
        for (i = 0; i < n; ++i) sum += exp_table[x_max - input[i]];
        /* sum >= exp_table[0] > 0. q + 128 = round(256 e / sum) = floor((512 e + sum) / (2 sum)),
         * a quotient <= 256: 9 shift-subtract steps. */
        for (i = 0; i < n; ++i) {
            const uint32_t e = exp_table[x_max - input[i]];
            const int32_t q = (int32_t)hcc_udiv_u32(512u * e + sum, 2u * sum, 9);
            output[i] = hcc_saturate_s8(q - 128);
        }
        input += n;
        output += n;
    }
}
