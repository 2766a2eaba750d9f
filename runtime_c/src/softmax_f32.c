/* float32 softmax along one axis, shifted by the maximum. */
#include <math.h>

#include "hcc_float.h"

/* One softmax of n elements `stride` apart. */
static void softmax_row(const float *x, int32_t n, int32_t stride, float *y) {
    int32_t i;
    float top = x[0], sum = 0.0f, inv;
    for (i = 1; i < n; ++i) {
        if (x[i * stride] > top) top = x[i * stride];
    }
    for (i = 0; i < n; ++i) {
        y[i * stride] = expf(x[i * stride] - top);
        sum += y[i * stride];
    }
    inv = 1.0f / sum;
    for (i = 0; i < n; ++i) y[i * stride] *= inv;
}

void hcc_softmax_f32(const float *x, int32_t rows, int32_t n, float *y) {
    int32_t r;
    for (r = 0; r < rows; ++r) softmax_row(x + r * n, n, 1, y + r * n);
}

void hcc_softmax_axis_f32(const float *x, int32_t outer, int32_t n, int32_t inner, float *y) {
    int32_t o, j;
    for (o = 0; o < outer; ++o) {
        for (j = 0; j < inner; ++j) softmax_row(x + o * n * inner + j, n, inner, y + o * n * inner + j);
    }
}
