/* Causal depthwise conv1d over tokens, int8; reference hcc/kernels/dwconv1d_causal.py. */
#include "hcc_runtime.h"
#include "ssm_fixed_point.h"

void hcc_dwconv1d_causal_s8(const int8_t *x, int8_t *y, int L, int D, int K,
                            const int8_t *w, const int32_t *bias,
                            const int32_t *mult, const int32_t *shift,
                            int32_t z_in, int32_t z_out, int32_t act_min, int32_t act_max)
{
    int t, d, k;
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
            y_row[d] = hcc_ssm_sat8(z_out + hcc_ssm_requantize(acc, mult[d], shift[d]), act_min, act_max);
        }
    }
}
