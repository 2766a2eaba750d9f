/* int8 elementwise add: two 16-bit multipliers with one shift (docs/numerics.md, add). */
#include "hcc_kernels.h"

void hcc_add_s8(const hcc_add_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output) {
    int32_t r, ch;
    for (r = 0; r < rows; ++r) {
        /* the start of b's row for this row of a: its own row, the one channel vector, or the scalar */
        const int8_t *b_row = b_kind == HCC_BROADCAST_NONE ? b + r * channels : b;
        const int32_t b_step = b_kind == HCC_BROADCAST_SCALAR ? 0 : 1;
        for (ch = 0; ch < channels; ++ch) {
            /* |(x - z) * m| < 2^24 for m <= 2^15: the sum fits in int32 */
            const int32_t acc = (a[ch] - p->z_a) * p->m_a + (b_row[ch * b_step] - p->z_b) * p->m_b;
            output[ch] = hcc_clamp_s8(p->z_out + hcc_round_shift(acc, p->shift), p->act_min,
                                      p->act_max);
        }
        a += channels;
        output += channels;
    }
}
