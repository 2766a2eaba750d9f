/* float32 conv [+ residual] [+ clamp] [+ max pool] on NHWC tensors, as one block.
 *
 * A direct convolution: for each pooled output pixel, every conv output pixel its window
 * covers is computed (all channels) and folded into the running max, so the conv output
 * is never stored and no scratch is needed. Overlapping pool windows recompute the
 * shared conv pixels; the pools hcc fuses (2x2, stride 2) do not overlap. */
#include <math.h>

#include "hcc_float.h"

/* Conv output pixel (cy, cx), all channels, + bias + residual, clamped; max-merged into out. */
static void conv_pixel_max(const hcc_conv2d_pool_f32_params_t *p, const float *input,
                           const float *weights, const float *bias, const float *residual,
                           int32_t cy, int32_t cx, float *out) {
    const int32_t k_size = p->k_h * p->k_w * p->in_c_per_group;
    const float *res = p->has_residual ? residual + (cy * p->out_w + cx) * p->out_c : NULL;
    int32_t g, j, ky, kx, i;
    for (g = 0; g < p->groups; ++g) {
        const int32_t c_in0 = g * p->in_c_per_group;
        for (j = 0; j < p->out_c_per_group; ++j) {
            const int32_t oc = g * p->out_c_per_group + j;
            const float *w = weights + oc * k_size;
            float acc = bias != NULL ? bias[oc] : 0.0f;
            for (ky = 0; ky < p->k_h; ++ky) {
                const int32_t iy = cy * p->stride_h - p->pad_top + ky * p->dilation_h;
                if (iy < 0 || iy >= p->in_h) continue;
                for (kx = 0; kx < p->k_w; ++kx) {
                    const int32_t ix = cx * p->stride_w - p->pad_left + kx * p->dilation_w;
                    const float *x = input + (iy * p->in_w + ix) * p->in_c + c_in0;
                    const float *wk = w + (ky * p->k_w + kx) * p->in_c_per_group;
                    if (ix < 0 || ix >= p->in_w) continue;
                    for (i = 0; i < p->in_c_per_group; ++i) acc += x[i] * wk[i];
                }
            }
            if (res != NULL) acc += res[oc];
            if (acc < p->act_min) acc = p->act_min;
            if (acc > p->act_max) acc = p->act_max;
            if (acc > out[oc]) out[oc] = acc;
        }
    }
}

void hcc_conv2d_pool_f32(const hcc_conv2d_pool_f32_params_t *p, const float *input,
                         const float *weights, const float *bias, const float *residual,
                         float *output) {
    int32_t py, px, cy, cx, ch, y0, y1, x0, x1;
    for (py = 0; py < p->pool.out_h; ++py) {
        for (px = 0; px < p->pool.out_w; ++px) {
            float *out = output + (py * p->pool.out_w + px) * p->out_c;
            hcc_pool_window(&p->pool, py, px, &y0, &y1, &x0, &x1);
            for (ch = 0; ch < p->out_c; ++ch) out[ch] = -INFINITY;
            for (cy = y0; cy < y1; ++cy) {
                for (cx = x0; cx < x1; ++cx) {
                    conv_pixel_max(p, input, weights, bias, residual, cy, cx, out);
                }
            }
        }
    }
}
