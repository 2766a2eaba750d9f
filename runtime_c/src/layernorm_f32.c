/* float32 layer normalization over the last axis (two passes: mean, then variance). */
#include <math.h>

#include "hcc_float.h"

void hcc_layernorm_f32(const float *x, int32_t rows, int32_t channels, const float *gamma,
                       const float *beta, float eps, float *y) {
    const float inv_n = 1.0f / (float)channels;
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        const float *xr = x + r * channels;
        float *yr = y + r * channels;
        float mean = 0.0f, var = 0.0f, inv_std;
        for (i = 0; i < channels; ++i) mean += xr[i];
        mean *= inv_n;
        for (i = 0; i < channels; ++i) var += (xr[i] - mean) * (xr[i] - mean);
        inv_std = 1.0f / sqrtf(var * inv_n + eps);
        for (i = 0; i < channels; ++i) {
            float v = (xr[i] - mean) * inv_std;
            if (gamma != NULL) v *= gamma[i];
            if (beta != NULL) v += beta[i];
            yr[i] = v;
        }
    }
}
