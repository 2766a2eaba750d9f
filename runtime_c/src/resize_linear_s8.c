/* int8 bilinear resize with Q11 weights and one rounding; spec: hcc/kernels/resize.py
 * (resize_linear_s8). |acc| <= 255 * 2^22 < 2^30, so int32 holds every sum. */
#include "hcc_movement.h"

#define ONE 2048  /* 1 << LINEAR_WEIGHT_BITS */

void hcc_resize_linear_s8(const hcc_resize_params_t *p, const int32_t *y0, const int32_t *y1,
                          const int16_t *wy, const int32_t *x0, const int32_t *x1,
                          const int16_t *wx, const int8_t *input, int8_t *output) {
    const int32_t z = p->z, block = p->block, row = p->in_w * block;
    int32_t o, y, x, c;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *plane = input + (size_t)o * (size_t)(p->in_h * row);
        for (y = 0; y < p->out_h; ++y) {
            const int8_t *ra = plane + y0[y] * row, *rb = plane + y1[y] * row;
            const int32_t b1 = wy[y], b0 = ONE - b1;
            for (x = 0; x < p->out_w; ++x) {
                const int32_t ca = x0[x] * block, cb = x1[x] * block;
                const int32_t a1 = wx[x], a0 = ONE - a1;
                for (c = 0; c < block; ++c) {
                    const int32_t top = (ra[ca + c] - z) * a0 + (ra[cb + c] - z) * a1;
                    const int32_t bottom = (rb[ca + c] - z) * a0 + (rb[cb + c] - z) * a1;
                    *output++ = (int8_t)(z + hcc_round_shift_inline(top * b0 + bottom * b1, 22));
                }
            }
        }
    }
}
