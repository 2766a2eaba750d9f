/* int8 elementwise add: two 16-bit multipliers with one shift (docs/numerics.md, add). */
#include "hcc_kernels.h"

void hcc_add_s8(const hcc_add_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output) {
    const int32_t z_a = p->z_a, z_b = p->z_b, z_out = p->z_out, m_a = p->m_a, m_b = p->m_b, s = p->shift;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    int32_t r, ch;
    if (s >= 1 && s <= 31 && lo <= hi) {
        /* hcc_round_shift and hcc_clamp_s8 inline, constants hoisted: |acc| < 2^25, so
         * (|acc| + 2^(s-1)) >> s cannot wrap, and saturating to int8 then clamping to
         * [act_min, act_max] is one clamp to [lo, hi]. */
        const uint32_t half = (uint32_t)1u << (s - 1);
        for (r = 0; r < rows; ++r) {
            const int8_t *b_row = b_kind == HCC_BROADCAST_NONE ? b + r * channels : b;
            const int32_t b_step = b_kind == HCC_BROADCAST_SCALAR ? 0 : 1;
            for (ch = 0; ch < channels; ++ch) {
                const int32_t acc = (a[ch] - z_a) * m_a + (b_row[ch * b_step] - z_b) * m_b;
                const uint32_t mag_in = acc < 0 ? 0u - (uint32_t)acc : (uint32_t)acc;
                const int32_t mag = (int32_t)((mag_in + half) >> s);
                const int32_t v = z_out + (acc < 0 ? -mag : mag);
                output[ch] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
            }
            a += channels;
            output += channels;
        }
        return;
    }
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
