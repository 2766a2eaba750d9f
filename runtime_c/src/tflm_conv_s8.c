/* Conv2D / DepthwiseConv2D with TFLM's output stage; spec: tflite_numerics.requantize_output
 * on hcc.kernels.conv2d.conv2d_acc (reference_integer_ops::ConvPerChannel / DepthwiseConvPerChannel). */
#include "hcc_tflm.h"

void hcc_tflm_conv_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output) {
    const int32_t cin_g = (int32_t)hcc_udiv_u32((uint32_t)p->in_c, (uint32_t)p->groups, 32);
    const int32_t cout_g = (int32_t)hcc_udiv_u32((uint32_t)p->out_c, (uint32_t)p->groups, 32);
    const int32_t tap = p->k_h * p->k_w * cin_g;
    int32_t oy, ox, g, j, ky, kx, i;
    for (oy = 0; oy < p->out_h; oy++) {
        for (ox = 0; ox < p->out_w; ox++) {
            int8_t *out = output + ((size_t)oy * p->out_w + ox) * p->out_c;
            for (g = 0; g < p->groups; g++) {
                for (j = 0; j < cout_g; j++) {
                    const int32_t c = g * cout_g + j;
                    const int8_t *w = weights + (size_t)c * tap;
                    int32_t acc = bias ? bias[c] : 0, q;
                    for (ky = 0; ky < p->k_h; ky++) {
                        const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                        if (iy < 0 || iy >= p->in_h) continue;
                        for (kx = 0; kx < p->k_w; kx++) {
                            const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
                            const int8_t *x, *wk;
                            if (ix < 0 || ix >= p->in_w) continue;
                            x = input + ((size_t)iy * p->in_w + ix) * p->in_c + (size_t)g * cin_g;
                            wk = w + ((size_t)ky * p->k_w + kx) * cin_g;
                            for (i = 0; i < cin_g; i++) acc += ((int32_t)x[i] - p->z_in) * wk[i];
                        }
                    }
                    q = hcc_tflm_mbqm(acc, mult[c], shift[c]) + p->z_out;
                    out[c] = (int8_t)(q < p->act_min ? p->act_min : q > p->act_max ? p->act_max : q);
                }
            }
        }
    }
}
