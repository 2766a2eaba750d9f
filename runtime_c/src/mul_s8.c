/* int8 elementwise product, requantized with one multiplier (docs/numerics.md, mul). */
#include "hcc_kernels.h"

void hcc_mul_s8(const hcc_mul_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output) {
    int32_t r, ch;
    for (r = 0; r < rows; ++r) {
        const int8_t *b_row = b_kind == HCC_BROADCAST_NONE ? b + r * channels : b;
        const int32_t b_step = b_kind == HCC_BROADCAST_SCALAR ? 0 : 1;
        for (ch = 0; ch < channels; ++ch) {
            const int32_t prod = (a[ch] - p->z_a) * (b_row[ch * b_step] - p->z_b);
            output[ch] = hcc_requantize_s8(prod, p->mult, p->shift, p->z_out, p->act_min,
                                           p->act_max);
        }
        a += channels;
        output += channels;
    }
}
