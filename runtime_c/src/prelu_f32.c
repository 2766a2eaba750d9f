/* float32 PRelu: x where x >= 0, else slope * x, the slope broadcast (b of the shape). */
#include "hcc_float.h"

typedef struct {
    const float *x, *slope;
    float *y;
} prelu_ctx_t;

static void prelu_row(const void *ctx, int32_t x_offset, int32_t x_step, int32_t slope_offset, int32_t slope_step,
                      int32_t y_offset, int32_t n) {
    const prelu_ctx_t *c = (const prelu_ctx_t *)ctx;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const float v = c->x[x_offset + i * x_step];
        c->y[y_offset + i] = v >= 0.0f ? v : c->slope[slope_offset + i * slope_step] * v;
    }
}

void hcc_prelu_f32(const hcc_broadcast_shape_t *shape, const float *x, const float *slope, float *y) {
    prelu_ctx_t c;
    c.x = x;
    c.slope = slope;
    c.y = y;
    hcc_broadcast_rows(shape, prelu_row, &c);
}
