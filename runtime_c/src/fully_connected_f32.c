/* float32 fully connected layer: y = act(x @ W^T + b). */
#include "hcc_float.h"

void hcc_fully_connected_f32(const float *x, int32_t rows, int32_t k, int32_t n,
                             const float *weights, const float *bias, int32_t relu, float *y) {
    int32_t r, j, i;
    for (r = 0; r < rows; ++r) {
        const float *xr = x + r * k;
        for (j = 0; j < n; ++j) {
            const float *w = weights + j * k;
            float acc = bias != NULL ? bias[j] : 0.0f;
            for (i = 0; i < k; ++i) acc += xr[i] * w[i];
            y[r * n + j] = relu && acc < 0.0f ? 0.0f : acc;
        }
    }
}
