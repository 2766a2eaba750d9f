/* float32 bilinear resize with the int8 kernel's index tables and float weights. */
#include "hcc_movement.h"

void hcc_resize_linear_f32(const hcc_resize_params_t *p, const int32_t *y0, const int32_t *y1,
                           const float *wy, const int32_t *x0, const int32_t *x1, const float *wx,
                           const float *input, float *output) {
    const int32_t block = p->block, row = p->in_w * block;
    int32_t o, y, x, c;
    for (o = 0; o < p->outer; ++o) {
        const float *plane = input + (size_t)o * (size_t)(p->in_h * row);
        for (y = 0; y < p->out_h; ++y) {
            const float *ra = plane + y0[y] * row, *rb = plane + y1[y] * row;
            const float b1 = wy[y], b0 = 1.0f - b1;
            for (x = 0; x < p->out_w; ++x) {
                const int32_t ca = x0[x] * block, cb = x1[x] * block;
                const float a1 = wx[x], a0 = 1.0f - a1;
                for (c = 0; c < block; ++c) {
                    const float top = ra[ca + c] * a0 + ra[cb + c] * a1;
                    const float bottom = rb[ca + c] * a0 + rb[cb + c] * a1;
                    *output++ = top * b0 + bottom * b1;
                }
            }
        }
    }
}
