/* float32 add and mul with the int8 kernels' broadcasts (same shape, per channel, scalar). */
#include "hcc_float.h"

static void binary(int multiply, const float *a, const float *b, int32_t rows, int32_t channels,
                   hcc_broadcast_t broadcast, float *y) {
    int32_t r, c;
    for (r = 0; r < rows; ++r) {
        const float *br = broadcast == HCC_BROADCAST_NONE ? b + r * channels : b;
        for (c = 0; c < channels; ++c) {
            const int32_t i = r * channels + c;
            const float bv = broadcast == HCC_BROADCAST_SCALAR ? b[0] : br[c];
            y[i] = multiply ? a[i] * bv : a[i] + bv;
        }
    }
}

void hcc_add_f32(const float *a, const float *b, int32_t rows, int32_t channels,
                 hcc_broadcast_t broadcast, float *y) {
    binary(0, a, b, rows, channels, broadcast, y);
}

void hcc_mul_f32(const float *a, const float *b, int32_t rows, int32_t channels,
                 hcc_broadcast_t broadcast, float *y) {
    binary(1, a, b, rows, channels, broadcast, y);
}
