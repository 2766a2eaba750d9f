/* float32 add and mul with the int8 kernels' fast broadcasts (same shape, per channel,
 * scalar), and every binary op under any broadcast (hcc_binary_f32). */
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

/* ---- any broadcast (hcc_broadcast_shape_t), any of hcc_binary_t ----------------------- */

typedef struct {
    hcc_binary_t fn;
    const float *a, *b;
    float *y;
} binary_ctx_t;

static float apply(hcc_binary_t fn, float a, float b) {
    switch (fn) {
    case HCC_BINARY_ADD:
        return a + b;
    case HCC_BINARY_SUB:
        return a - b;
    case HCC_BINARY_MUL:
        return a * b;
    case HCC_BINARY_DIV:
        return a / b;
    case HCC_BINARY_MAX:
        return a > b ? a : b;
    case HCC_BINARY_MIN:
        return a < b ? a : b;
    }
    return a;
}

static void binary_row(const void *ctx, int32_t a_offset, int32_t a_step, int32_t b_offset, int32_t b_step,
                       int32_t y_offset, int32_t n) {
    const binary_ctx_t *c = (const binary_ctx_t *)ctx;
    int32_t i;
    for (i = 0; i < n; ++i) c->y[y_offset + i] = apply(c->fn, c->a[a_offset + i * a_step], c->b[b_offset + i * b_step]);
}

void hcc_binary_f32(hcc_binary_t fn, const hcc_broadcast_shape_t *shape, const float *a, const float *b, float *y) {
    binary_ctx_t c;
    c.fn = fn;
    c.a = a;
    c.b = b;
    c.y = y;
    hcc_broadcast_rows(shape, binary_row, &c);
}
