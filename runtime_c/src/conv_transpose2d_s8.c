/* int8 transposed convolution (ONNX ConvTranspose), NHWC: each output pixel gathers the
 * input pixels whose kernel spread reaches it (hcc_conv_transpose.h), so every output is
 * written once and requantized once, and no int32 map of the whole output is needed: the
 * scratch holds one pixel's accumulators, all output channels at once, each gathered input
 * pixel read once for all of them. */
#include "hcc_kernels.h"

size_t hcc_conv_transpose2d_s8_scratch_size(const hcc_conv2d_params_t *p) {
    return (size_t)p->out_c * sizeof(int32_t);
}

/* acc[c] += sum_i (in[g cin_g + i] - z_in) * w[c, tap, i] for every output channel c
 * (group g = its group). */
static void add_tap(const hcc_conv2d_params_t *p, const int8_t *in, const int8_t *weights, int32_t tap,
                    int32_t cin_g, int32_t cout_g, int32_t *acc) {
    const int32_t filter = p->k_h * p->k_w * cin_g;
    int32_t g, m, i;
    for (g = 0; g < p->groups; ++g) {
        const int8_t *x = in + g * cin_g;
        for (m = 0; m < cout_g; ++m) {
            const int32_t c = g * cout_g + m;
            const int8_t *w = weights + c * filter + tap * cin_g;
            int32_t sum = 0;
            for (i = 0; i < cin_g; ++i) sum += (x[i] - p->z_in) * w[i];
            acc[c] += sum;
        }
    }
}

void hcc_conv_transpose2d_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift,
                             void *scratch, int8_t *output) {
    int32_t *acc = (int32_t *)scratch;
    const int32_t cin_g = (int32_t)hcc_udiv_u32((uint32_t)p->in_c, (uint32_t)p->groups, 32);
    const int32_t cout_g = (int32_t)hcc_udiv_u32((uint32_t)p->out_c, (uint32_t)p->groups, 32);
    const hcc_divmod_t one_h = hcc_divmod_small(1, p->stride_h), one_w = hcc_divmod_small(1, p->stride_w);
    const hcc_divmod_t dil_h = hcc_divmod_small(p->dilation_h, p->stride_h);
    const hcc_divmod_t dil_w = hcc_divmod_small(p->dilation_w, p->stride_w);
    hcc_divmod_t row = hcc_divmod_small(p->pad_top, p->stride_h), col, ty, tx;  /* oy + pad_top, ... */
    int8_t *out = output;
    int32_t oy, ox, ky, kx, iy, ix, c;
    for (oy = 0; oy < p->out_h; ++oy, hcc_divmod_step(&row, one_h, p->stride_h)) {
        col = hcc_divmod_small(p->pad_left, p->stride_w);  /* ox + pad_left */
        for (ox = 0; ox < p->out_w; ++ox, hcc_divmod_step(&col, one_w, p->stride_w)) {
            for (c = 0; c < p->out_c; ++c) acc[c] = bias ? bias[c] : 0;
            ty.q = ty.r = 0;  /* ky dilation_h */
            for (ky = 0; ky < p->k_h; ++ky, hcc_divmod_step(&ty, dil_h, p->stride_h)) {
                iy = row.q - ty.q;
                if (ty.r != row.r || iy < 0 || iy >= p->in_h) continue;
                tx.q = tx.r = 0;  /* kx dilation_w */
                for (kx = 0; kx < p->k_w; ++kx, hcc_divmod_step(&tx, dil_w, p->stride_w)) {
                    ix = col.q - tx.q;
                    if (tx.r != col.r || ix < 0 || ix >= p->in_w) continue;
                    add_tap(p, input + (iy * p->in_w + ix) * p->in_c, weights, ky * p->k_w + kx, cin_g, cout_g, acc);
                }
            }
            for (c = 0; c < p->out_c; ++c) {
                out[c] = hcc_requantize_s8_inline(acc[c], mult[c], shift[c], p->z_out, p->act_min, p->act_max);
            }
            out += p->out_c;
        }
    }
}
