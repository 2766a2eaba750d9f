/* float32 max pooling, and the window arithmetic the streaming conv block shares. */
#include <math.h>

#include "hcc_float.h"

void hcc_pool_window(const hcc_pool_params_t *p, int32_t oy, int32_t ox, int32_t *y_begin,
                     int32_t *y_end, int32_t *x_begin, int32_t *x_end) {
    const int32_t iy0 = oy * p->stride_h - p->pad_top;
    const int32_t ix0 = ox * p->stride_w - p->pad_left;
    *y_begin = iy0 < 0 ? 0 : iy0;
    *y_end = iy0 + p->k_h > p->in_h ? p->in_h : iy0 + p->k_h;
    *x_begin = ix0 < 0 ? 0 : ix0;
    *x_end = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
}

void hcc_maxpool_f32(const hcc_pool_params_t *p, const float *input, float *output) {
    int32_t oy, ox, iy, ix, ch, y0, y1, x0, x1;
    for (oy = 0; oy < p->out_h; ++oy) {
        for (ox = 0; ox < p->out_w; ++ox) {
            float *out = output + (oy * p->out_w + ox) * p->c;
            hcc_pool_window(p, oy, ox, &y0, &y1, &x0, &x1);
            for (ch = 0; ch < p->c; ++ch) out[ch] = -INFINITY;
            for (iy = y0; iy < y1; ++iy) {
                for (ix = x0; ix < x1; ++ix) {
                    const float *in = input + (iy * p->in_w + ix) * p->c;
                    for (ch = 0; ch < p->c; ++ch) {
                        if (in[ch] > out[ch]) out[ch] = in[ch];
                    }
                }
            }
        }
    }
}
