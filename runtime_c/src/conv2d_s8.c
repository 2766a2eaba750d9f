/* General int8 2-D convolution (any kernel, stride, padding, dilation, groups). */
#include "hcc_kernels.h"

void hcc_conv2d_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                        const int32_t *bias, const int32_t *mult, const int32_t *shift,
                        int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    /* once per call, not per element: no divide instruction on the target */
    const int32_t cin_g = (int32_t)hcc_udiv_u32((uint32_t)p->in_c, (uint32_t)p->groups, 32);
    const int32_t cout_g = (int32_t)hcc_udiv_u32((uint32_t)p->out_c, (uint32_t)p->groups, 32);
    const int32_t filter_size = p->k_h * p->k_w * cin_g;
    int8_t *out = out_rows;
    int32_t oy, ox, g, c, ky, kx, i;
    for (oy = row_begin; oy < row_end; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            for (g = 0; g < p->groups; ++g) {
                for (c = g * cout_g; c < (g + 1) * cout_g; ++c) {
                    const int8_t *w = weights + c * filter_size;
                    int32_t acc = bias ? bias[c] : 0;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = iy0 + ky * p->dilation_h;
                        if (iy < 0 || iy >= p->in_h) continue;  /* padding contributes 0 */
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = ix0 + kx * p->dilation_w;
                            const int8_t *in, *wk;
                            if (ix < 0 || ix >= p->in_w) continue;
                            in = input + (iy * p->in_w + ix) * p->in_c + g * cin_g;
                            wk = w + (ky * p->k_w + kx) * cin_g;
                            for (i = 0; i < cin_g; ++i) acc += (in[i] - p->z_in) * wk[i];
                        }
                    }
                    out[c] = hcc_requantize_s8(acc, mult[c], shift[c], p->z_out, p->act_min,
                                               p->act_max);
                }
            }
            out += p->out_c;
        }
    }
}

void hcc_conv2d_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output) {
    hcc_conv2d_s8_rows(p, input, weights, bias, mult, shift, 0, p->out_h, output);
}
