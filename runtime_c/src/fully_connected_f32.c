/* float32 fully connected layer: y = clamp(x @ W^T + b, act_min, act_max). */
#include "hcc_float.h"

void hcc_fully_connected_f32(const float *x, int32_t rows, int32_t k, int32_t n,
                             const float *weights, const float *bias, float act_min, float act_max,
                             float *y) {
    int32_t r, j, i;
    for (r = 0; r < rows; ++r) {
        const float *xr = x + r * k;
        for (j = 0; j < n; ++j) {
            const float *w = weights + j * k;
            float acc = bias != NULL ? bias[j] : 0.0f;
            for (i = 0; i < k; ++i) acc += xr[i] * w[i];
            if (acc < act_min) acc = act_min;
            if (acc > act_max) acc = act_max;
            y[r * n + j] = acc;
        }
    }
}
