/* int8 elementwise product, requantized with one multiplier (docs/numerics.md, mul). */
#include "hcc_kernels.h"

void hcc_mul_s8(const hcc_mul_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output) {
    const int32_t z_a = p->z_a, z_b = p->z_b, z_out = p->z_out, m = p->mult, s = p->shift;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    int32_t r, ch;
    if ((uint32_t)(s - 17) <= 30u && lo <= hi) {
        /* |(a - z_a)(b - z_b)| <= 2^16 - 511 < 2^16 always: hcc_requantize_s8_inline's fast
         * path with the multiplier's halves, sign and rounding term hoisted; its clamps to
         * +-256, int8 and [act_min, act_max] compose to one clamp to [lo, hi] (|z_out| <= 128,
         * and |z_out + r| <= 2^30 cannot wrap). The sign of m is folded into the product. */
        const uint32_t mb = m < 0 ? 0u - (uint32_t)m : (uint32_t)m, bh = mb >> 16, bl = mb & 0xFFFFu;
        const uint32_t rnd = (uint32_t)1u << (s - 17);
        const int32_t sh = s - 16, zb = m < 0 ? -z_b : z_b;
        for (r = 0; r < rows; ++r) {
            const int8_t *b_row = b_kind == HCC_BROADCAST_NONE ? b + r * channels : b;
            const int32_t b_step = b_kind == HCC_BROADCAST_SCALAR ? 0 : 1;
            for (ch = 0; ch < channels; ++ch) {
                const int32_t bv = m < 0 ? -(int32_t)b_row[ch * b_step] : (int32_t)b_row[ch * b_step];
                const int32_t prod = (a[ch] - z_a) * (bv - zb);  /* (a - z_a)(b - z_b) sign(m) */
                const uint32_t mag_in = prod < 0 ? 0u - (uint32_t)prod : (uint32_t)prod;
                const int32_t mag = (int32_t)((mag_in * bh + ((mag_in * bl) >> 16) + rnd) >> sh);
                const int32_t v = z_out + (prod < 0 ? -mag : mag);
                output[ch] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
            }
            a += channels;
            output += channels;
        }
        return;
    }
    for (r = 0; r < rows; ++r) {
        const int8_t *b_row = b_kind == HCC_BROADCAST_NONE ? b + r * channels : b;
        const int32_t b_step = b_kind == HCC_BROADCAST_SCALAR ? 0 : 1;
        for (ch = 0; ch < channels; ++ch) {
            const int32_t prod = (a[ch] - z_a) * (b_row[ch * b_step] - z_b);
            output[ch] = hcc_requantize_s8(prod, m, s, z_out, p->act_min, p->act_max);
        }
        a += channels;
        output += channels;
    }
}
