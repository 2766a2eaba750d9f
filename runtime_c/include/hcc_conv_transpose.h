/* Declarations of the transposed-convolution kernels (int8 and float32); included by
 * hcc_kernels.h (whose hcc_conv2d_params_t they use). Spec: hcc/kernels/conv_transpose.py;
 * the op: hcc/ops/conv_transpose.py. */
#ifndef HCC_CONV_TRANSPOSE_H
#define HCC_CONV_TRANSPOSE_H

#include "hcc_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Input [in_h, in_w, in_c] (NHWC, batch 1), weights [out_c, k_h, k_w, in_c / groups]
 * (output channels first, like a conv's), output [out_h, out_w, out_c]. Output pixel
 * (oy, ox) gathers input pixel (iy, ix) through tap (ky, kx) when
 *     iy * stride_h + ky * dilation_h == oy + pad_top  and  ix * stride_w + kx * dilation_w == ox + pad_left
 * (ONNX ConvTranspose: the input scattered at stride steps, the full result cropped by
 * pad_top / pad_left; the other pads and output_padding only set out_h / out_w, which the
 * caller gives). A 1-D one is the 2-D one of one row (in_h = out_h = k_h = 1). */

/* The kernels walk those equations without dividing per pixel: with oy + pad_top =
 * qy stride_h + ry and ky dilation_h = cy stride_h + ty (0 <= ry, ty < stride_h), tap ky
 * reaches row oy when ty == ry, from input row iy = qy - cy; both splits are stepped. */
typedef struct {
    int32_t q, r;
} hcc_divmod_t;

/* v = q d + r, 0 <= r < d, for v >= 0 and d >= 1, by subtraction (v / d is small for the
 * pads and dilations split here, once per call; lx106 has no divide instruction). */
static inline hcc_divmod_t hcc_divmod_small(int32_t v, int32_t d) {
    hcc_divmod_t s;
    s.q = 0;
    while (v >= d) {
        v -= d;
        ++s.q;
    }
    s.r = v;
    return s;
}

/* *s = the split of v + step (step: the split of the increment), from that of v. */
static inline void hcc_divmod_step(hcc_divmod_t *s, hcc_divmod_t step, int32_t d) {
    s->q += step.q;
    s->r += step.r;
    if (s->r >= d) {
        s->r -= d;
        ++s->q;
    }
}

/* int8: the geometry of hcc_conv2d_params_t read as above; output[oy, ox, c] =
 * requantize_s8(bias[c] + sum over the gathered taps of (in - z_in) * w[c, ky, kx, :],
 * mult[c], shift[c]) clamped to [act_min, act_max]; bias may be NULL. scratch:
 * hcc_conv_transpose2d_s8_scratch_size() bytes (an int32 accumulator per output channel),
 * aligned for int32_t. */
size_t hcc_conv_transpose2d_s8_scratch_size(const hcc_conv2d_params_t *p);
void hcc_conv_transpose2d_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift,
                             void *scratch, int8_t *output);

/* float32: the geometry of p (its zero points and integer clamp unused), the result clamped
 * to [act_min, act_max] (-INFINITY / INFINITY: unbounded); bias may be NULL; output must
 * not overlap input. No scratch. */
void hcc_conv_transpose2d_f32(const hcc_conv2d_params_t *p, float act_min, float act_max, const float *input,
                              const float *weights, const float *bias, float *output);

#ifdef __cplusplus
}
#endif

#endif /* HCC_CONV_TRANSPOSE_H */
