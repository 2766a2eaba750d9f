/* float32 elementwise functions (the int8 build's lookup tables, computed with libm). */
#include <math.h>

#include "hcc_float.h"

float hcc_softplus_f32(float x) {
    return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

static float clamp01(float v) {
    return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
}

static float apply(hcc_unary_t fn, float v, float a, float b) {
    switch (fn) {
    case HCC_UNARY_RELU:
        return v > 0.0f ? v : 0.0f;
    case HCC_UNARY_SIGMOID:
        return 1.0f / (1.0f + expf(-v));
    case HCC_UNARY_SILU:
        return v / (1.0f + expf(-v));
    case HCC_UNARY_SOFTPLUS:
        return hcc_softplus_f32(v);
    case HCC_UNARY_EXP:
        return expf(v);
    case HCC_UNARY_TANH:
        return tanhf(v);
    case HCC_UNARY_NEG:
        return -v;
    case HCC_UNARY_LEAKY_RELU:
        return v >= 0.0f ? v : a * v;
    case HCC_UNARY_HARD_SIGMOID:
        return clamp01(a * v + b);
    case HCC_UNARY_HARD_SWISH:
        return v * clamp01(v / 6.0f + 0.5f);
    case HCC_UNARY_CLIP: /* max first, then min, as ONNX (a > b gives b) */
        v = v < a ? a : v;
        return v > b ? b : v;
    case HCC_UNARY_ABS:
        return v < 0.0f ? -v : v;
    }
    return v;
}

void hcc_unary_f32(hcc_unary_t fn, const float *x, int32_t n, float *y) {
    hcc_unary_param_f32(fn, 0.0f, 0.0f, x, n, y);
}

void hcc_unary_param_f32(hcc_unary_t fn, float a, float b, const float *x, int32_t n, float *y) {
    int32_t i;
    for (i = 0; i < n; ++i) y[i] = apply(fn, x[i], a, b);
}
