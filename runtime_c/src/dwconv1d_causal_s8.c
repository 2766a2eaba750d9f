/* Causal depthwise conv1d over tokens, int8; reference hcc/kernels/dwconv1d_causal.py. */
#include "hcc_runtime.h"
#include "ssm_fixed_point.h"

/* hcc_ssm_sat8(z_out + hcc_ssm_requantize(acc, m, s), act_min, act_max), the integers of the
 * reference. With an int8 activation range (the compiler's is [-128, 127]) that is
 * hcc_requantize_s8_inline, whose 32-bit fast paths cover this kernel's accumulators (K
 * products of 8-bit values plus the bias) without the 64-bit emulation: both requantize
 * exactly, and any result beyond +-256 saturates the same way after the zero point. */
static inline int8_t requantize_out(int32_t acc, int32_t m, int32_t s, int32_t z_out, int32_t act_min,
                                    int32_t act_max)
{
    if (act_min >= -128 && act_max <= 127 && s >= 1 && s <= 62)
        return hcc_requantize_s8_inline(acc, m, s, z_out, act_min, act_max);
    return hcc_ssm_sat8(z_out + hcc_ssm_requantize(acc, m, s), act_min, act_max);
}

void hcc_dwconv1d_causal_s8(const int8_t *x, int8_t *y, int L, int D, int K,
                            const int8_t *w, const int32_t *bias,
                            const int32_t *mult, const int32_t *shift,
                            int32_t z_in, int32_t z_out, int32_t act_min, int32_t act_max)
{
    int t, d, k;
    if (K == 4) {
        /* Channel by channel, the last four inputs (minus z_in) in a sliding window: one
         * load per output instead of K, the weights in registers. Positions before t = 0
         * enter the window as 0, the reference's missing taps. */
        for (d = 0; d < D; ++d) {
            const int32_t w0 = w[4 * d], w1 = w[4 * d + 1], w2 = w[4 * d + 2], w3 = w[4 * d + 3];
            const int32_t b = bias[d], m = mult[d], sh = shift[d];
            const int8_t *xp = x + d;
            int8_t *yp = y + d;
            int32_t x0 = 0, x1 = 0, x2 = 0, x3;
            for (t = 0; t < L; ++t, xp += D, yp += D) {
                x3 = (int32_t)*xp - z_in;
                *yp = requantize_out(b + w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3, m, sh, z_out, act_min, act_max);
                x0 = x1;
                x1 = x2;
                x2 = x3;
            }
        }
        return;
    }
    for (t = 0; t < L; ++t) {
        /* Taps k < k0 would read positions before t = 0: they contribute 0. */
        const int k0 = t >= K - 1 ? 0 : K - 1 - t;
        /* x[t - K + 1 + k, d] for k = k0, at channel 0. */
        const int8_t *const x_first = x + (size_t)(t - K + 1 + k0) * (size_t)D;
        int8_t *const y_row = y + (size_t)t * (size_t)D;
        for (d = 0; d < D; ++d) {
            const int8_t *xp = x_first + d;
            const int8_t *wp = w + (size_t)d * (size_t)K;
            int32_t acc = bias[d];
            for (k = k0; k < K; ++k, xp += D) acc += ((int32_t)*xp - z_in) * (int32_t)wp[k];
            y_row[d] = requantize_out(acc, mult[d], shift[d], z_out, act_min, act_max);
        }
    }
}
