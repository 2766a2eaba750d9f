/* int8 mean and max over the middle axis of [outer, n, inner]. */
#include "hcc_pool.h"

void hcc_mean_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, int32_t z_in,
                 int32_t z_out, int32_t mult, int32_t shift, int8_t *output) {
    int32_t o, i, k;
    for (o = 0; o < outer; ++o, input += n * inner) {
        for (i = 0; i < inner; ++i) {
            const int8_t *in = input + i;
            int32_t sum = 0;
            for (k = 0; k < n; ++k, in += inner) sum += *in;
            *output++ = hcc_requantize_s8_inline(sum - n * z_in, mult, shift, z_out, -128, 127);
        }
    }
}

void hcc_reduce_max_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, int8_t *output) {
    int32_t o, i, k;
    for (o = 0; o < outer; ++o, input += n * inner) {
        for (i = 0; i < inner; ++i) {
            const int8_t *in = input + i;
            int8_t best = *in;
            for (k = 1; k < n; ++k) {
                in += inner;
                if (*in > best) best = *in;
            }
            *output++ = best;
        }
    }
}
