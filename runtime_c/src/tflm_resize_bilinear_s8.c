/* Bilinear resize with TFLM's arithmetic; spec: tflite_numerics.resize_bilinear_int8
 * (reference_ops::ResizeBilinearInteger): 10-bit fixed-point positions, the four products
 * summed, then divided by 2^20 rounding half away from zero. */
#include "hcc_runtime.h"

void hcc_tflm_resize_bilinear_s8(const hcc_resize_params_t *p, const int32_t *y0, const int32_t *y1,
                                 const int32_t *fy, const int32_t *x0, const int32_t *x1, const int32_t *fx,
                                 const int8_t *input, int8_t *output) {
    const int32_t c = p->block;
    int32_t o, oy, ox, k;
    for (o = 0; o < p->outer; o++) {
        const int8_t *in = input + (size_t)o * p->in_h * p->in_w * c;
        for (oy = 0; oy < p->out_h; oy++) {
            const int8_t *top = in + (size_t)y0[oy] * p->in_w * c, *bottom = in + (size_t)y1[oy] * p->in_w * c;
            const int32_t wy1 = fy[oy], wy0 = 1024 - wy1;
            for (ox = 0; ox < p->out_w; ox++) {
                const int32_t wx1 = fx[ox], wx0 = 1024 - wx1;
                const int8_t *tl = top + (size_t)x0[ox] * c, *tr = top + (size_t)x1[ox] * c;
                const int8_t *bl = bottom + (size_t)x0[ox] * c, *br = bottom + (size_t)x1[ox] * c;
                int8_t *out = output + (((size_t)o * p->out_h + oy) * p->out_w + ox) * c;
                for (k = 0; k < c; k++) {
                    /* |total| <= 128 * 2^20: int32 holds it */
                    const int32_t total = tl[k] * wy0 * wx0 + bl[k] * wy1 * wx0 + tr[k] * wy0 * wx1 + br[k] * wy1 * wx1;
                    out[k] = (int8_t)(total >= 0 ? (total + (1 << 19)) >> 20 : -((-total + (1 << 19)) >> 20));
                }
            }
        }
    }
}
