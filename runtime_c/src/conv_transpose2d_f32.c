/* float32 transposed convolution (ONNX ConvTranspose), NHWC: each output pixel gathers the
 * input pixels whose kernel spread reaches it (hcc_conv_transpose.h), accumulating in the
 * output itself, then clamps it (the fused activation). */
#include "hcc_float.h"

/* out[c] += sum_i in[g cin_g + i] * w[c, tap, i] for every output channel c. */
static void add_tap(const hcc_conv2d_params_t *p, const float *in, const float *weights, int32_t tap,
                    int32_t cin_g, int32_t cout_g, float *out) {
    const int32_t filter = p->k_h * p->k_w * cin_g;
    int32_t g, m, i;
    for (g = 0; g < p->groups; ++g) {
        const float *x = in + g * cin_g;
        for (m = 0; m < cout_g; ++m) {
            const int32_t c = g * cout_g + m;
            const float *w = weights + c * filter + tap * cin_g;
            float sum = 0.0f;
            for (i = 0; i < cin_g; ++i) sum += x[i] * w[i];
            out[c] += sum;
        }
    }
}

void hcc_conv_transpose2d_f32(const hcc_conv2d_params_t *p, float act_min, float act_max, const float *input,
                              const float *weights, const float *bias, float *output) {
    /* group sizes by subtraction: no divide instruction (once per call) */
    const int32_t cin_g = hcc_divmod_small(p->in_c, p->groups).q, cout_g = hcc_divmod_small(p->out_c, p->groups).q;
    const hcc_divmod_t one_h = hcc_divmod_small(1, p->stride_h), one_w = hcc_divmod_small(1, p->stride_w);
    const hcc_divmod_t dil_h = hcc_divmod_small(p->dilation_h, p->stride_h);
    const hcc_divmod_t dil_w = hcc_divmod_small(p->dilation_w, p->stride_w);
    hcc_divmod_t row = hcc_divmod_small(p->pad_top, p->stride_h), col, ty, tx;
    float *out = output;
    int32_t oy, ox, ky, kx, iy, ix, c;
    for (oy = 0; oy < p->out_h; ++oy, hcc_divmod_step(&row, one_h, p->stride_h)) {
        col = hcc_divmod_small(p->pad_left, p->stride_w);
        for (ox = 0; ox < p->out_w; ++ox, hcc_divmod_step(&col, one_w, p->stride_w)) {
            for (c = 0; c < p->out_c; ++c) out[c] = bias ? bias[c] : 0.0f;
            ty.q = ty.r = 0;
            for (ky = 0; ky < p->k_h; ++ky, hcc_divmod_step(&ty, dil_h, p->stride_h)) {
                iy = row.q - ty.q;
                if (ty.r != row.r || iy < 0 || iy >= p->in_h) continue;
                tx.q = tx.r = 0;
                for (kx = 0; kx < p->k_w; ++kx, hcc_divmod_step(&tx, dil_w, p->stride_w)) {
                    ix = col.q - tx.q;
                    if (tx.r != col.r || ix < 0 || ix >= p->in_w) continue;
                    add_tap(p, input + (iy * p->in_w + ix) * p->in_c, weights, ky * p->k_w + kx, cin_g, cout_g, out);
                }
            }
            for (c = 0; c < p->out_c; ++c) {
                if (out[c] < act_min) out[c] = act_min;
                if (out[c] > act_max) out[c] = act_max;
            }
            out += p->out_c;
        }
    }
}
