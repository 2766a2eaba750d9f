/* TransposeConv with TFLM's output stage; spec: tflite_numerics.requantize_output on
 * hcc.kernels.conv_transpose.conv_transpose2d_acc (reference_integer_ops::TransposeConv). Each
 * output pixel gathers its taps (hcc_conv_transpose2d_s8's geometry) into int32 accumulators,
 * one per output channel, in scratch. */
#include "hcc_tflm.h"

/* The input index reached from output index o through tap k, or -1 when none. */
static int32_t tflm_tap_source(int32_t o, int32_t pad, int32_t k, int32_t dilation, int32_t stride, int32_t size) {
    const int32_t t = o + pad - k * dilation;
    hcc_divmod_t d;
    if (t < 0) return -1;
    d = hcc_divmod_small(t, stride);
    return d.r == 0 && d.q < size ? d.q : -1;
}

void hcc_tflm_conv_transpose2d_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                                  const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t *acc,
                                  int8_t *output) {
    const int32_t cin_g = (int32_t)hcc_udiv_u32((uint32_t)p->in_c, (uint32_t)p->groups, 32);
    const int32_t cout_g = (int32_t)hcc_udiv_u32((uint32_t)p->out_c, (uint32_t)p->groups, 32);
    int32_t oy, ox, ky, kx, g, j, c, i;
    for (oy = 0; oy < p->out_h; oy++) {
        for (ox = 0; ox < p->out_w; ox++) {
            int8_t *out = output + ((size_t)oy * p->out_w + ox) * p->out_c;
            for (c = 0; c < p->out_c; c++) acc[c] = bias ? bias[c] : 0;
            for (ky = 0; ky < p->k_h; ky++) {
                const int32_t iy = tflm_tap_source(oy, p->pad_top, ky, p->dilation_h, p->stride_h, p->in_h);
                if (iy < 0) continue;
                for (kx = 0; kx < p->k_w; kx++) {
                    const int32_t ix = tflm_tap_source(ox, p->pad_left, kx, p->dilation_w, p->stride_w, p->in_w);
                    const int8_t *x;
                    if (ix < 0) continue;
                    x = input + ((size_t)iy * p->in_w + ix) * p->in_c;
                    for (g = 0; g < p->groups; g++) {
                        const int8_t *xg = x + (size_t)g * cin_g;
                        for (j = 0; j < cout_g; j++) {
                            const int32_t c = g * cout_g + j;
                            const int8_t *w = weights + (((size_t)c * p->k_h + ky) * p->k_w + kx) * cin_g;
                            int32_t sum = 0;
                            for (i = 0; i < cin_g; i++) sum += ((int32_t)xg[i] - p->z_in) * w[i];
                            acc[c] += sum;
                        }
                    }
                }
            }
            for (c = 0; c < p->out_c; c++) {
                const int32_t q = hcc_tflm_mbqm(acc[c], mult[c], shift[c]) + p->z_out;
                out[c] = (int8_t)(q < p->act_min ? p->act_min : q > p->act_max ? p->act_max : q);
            }
        }
    }
}
