/* float32 softmax along the last axis, shifted by the row maximum. */
#include <math.h>

#include "hcc_float.h"

void hcc_softmax_f32(const float *x, int32_t rows, int32_t n, float *y) {
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float top = xr[0], sum = 0.0f, inv;
        for (i = 1; i < n; ++i) {
            if (xr[i] > top) top = xr[i];
        }
        for (i = 0; i < n; ++i) {
            yr[i] = expf(xr[i] - top);
            sum += yr[i];
        }
        inv = 1.0f / sum;
        for (i = 0; i < n; ++i) yr[i] *= inv;
    }
}
