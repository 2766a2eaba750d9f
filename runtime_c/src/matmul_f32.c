/* float32 batched matrix product of two activations. */
#include "hcc_float.h"

void hcc_matmul_f32(const float *a, const float *bmat, int32_t batch, int32_t m, int32_t k,
                    int32_t n, float *y) {
    int32_t s, r, j, i;
    for (s = 0; s < batch; ++s) {
        const float *as = a + s * m * k, *bs = bmat + s * k * n;
        float *ys = y + s * m * n;
        for (r = 0; r < m; ++r) {
            for (j = 0; j < n; ++j) {
                float acc = 0.0f;
                for (i = 0; i < k; ++i) acc += as[r * k + i] * bs[i * n + j];
                ys[r * n + j] = acc;
            }
        }
    }
}
