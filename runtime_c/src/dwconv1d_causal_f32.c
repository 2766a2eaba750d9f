/* float32 causal depthwise 1-D convolution over tokens (Mamba's short conv). */
#include "hcc_float.h"

void hcc_dwconv1d_causal_f32(const float *x, float *y, int32_t length, int32_t channels,
                             int32_t kernel, const float *weights, const float *bias) {
    int32_t t, d, j;
    for (t = 0; t < length; ++t) {
        for (d = 0; d < channels; ++d) {
            float acc = bias != NULL ? bias[d] : 0.0f;
            for (j = 0; j < kernel; ++j) {
                const int32_t src = t - kernel + 1 + j;
                if (src >= 0) acc += weights[d * kernel + j] * x[src * channels + d];
            }
            y[t * channels + d] = acc;
        }
    }
}
