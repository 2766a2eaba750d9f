/* float32 selective scan (Mamba S6): the recurrence of hcc/ops/selective_scan.py. */
#include <math.h>

#include "hcc_float.h"

size_t hcc_selective_scan_f32_scratch_size(int32_t channels, int32_t states) {
    return (size_t)channels * (size_t)states * sizeof(float);
}

void hcc_selective_scan_f32(const float *u, const float *dt, const float *b, const float *c,
                            const float *a, const float *d_skip, int32_t length, int32_t channels,
                            int32_t states, int32_t dt_softplus, float *state, float *y) {
    int32_t t, d, n;
    for (n = 0; n < channels * states; ++n) state[n] = 0.0f;
    for (t = 0; t < length; ++t) {
        const float *bt = b + t * states, *ct = c + t * states;
        for (d = 0; d < channels; ++d) {
            const float ud = u[t * channels + d];
            const float delta = dt_softplus ? hcc_softplus_f32(dt[t * channels + d]) : dt[t * channels + d];
            const float du = delta * ud;
            float *h = state + d * states;
            const float *ad = a + d * states;
            float acc = 0.0f;
            for (n = 0; n < states; ++n) {
                h[n] = expf(delta * ad[n]) * h[n] + du * bt[n];
                acc += h[n] * ct[n];
            }
            y[t * channels + d] = acc + d_skip[d] * ud;
        }
    }
}
