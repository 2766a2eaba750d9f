/* int8 3x3 convolution, the hot path: same numbers as hcc_conv2d_s8, restructured.
 *
 * Depthwise convolutions accumulate every channel of a pixel at once (depthwise_rows).
 * Otherwise, per output pixel (and group) the 3x3 input patch, minus z_in, is gathered once into an
 * int16 scratch buffer with padding written as 0. Every output channel is then one
 * contiguous dot product of length 9 * cin_g against its OHWI weights: no bounds checks and
 * no zero-point subtraction in the inner loop, and four channels share each patch load
 * (hcc_dot4_u8: weights read as w + 128, one correction per pixel).
 *
 * Measured on qemu lx106 (-O2, 25x25, pad 1; instructions from CCOUNT x 25): dense 16 -> 32
 * 40.3M -> 21.9M (14.0 -> 7.6 per MAC), depthwise 32 10.2M -> 5.2M, vs hcc_conv2d_s8. */
#include "hcc_kernels.h"
#include "dot_u8.h"

static int32_t group_size(int32_t channels, int32_t groups) {
    return (int32_t)hcc_udiv_u32((uint32_t)channels, (uint32_t)groups, 32);
}

static int is_depthwise(const hcc_conv2d_params_t *p) {
    return p->groups == p->in_c && p->groups == p->out_c;
}

size_t hcc_conv2d_3x3_s8_scratch_size(const hcc_conv2d_params_t *p) {
    if (is_depthwise(p)) return (size_t)p->out_c * sizeof(int32_t);
    return (size_t)(9 * group_size(p->in_c, p->groups)) * sizeof(int16_t);
}

/* Depthwise (one output channel per input channel): a 9-element patch per channel would
 * cost more to gather than to use, so accumulate all channels of a pixel at once instead,
 * channels innermost and contiguous, over only the taps inside the input (the valid tap
 * range is computed once per pixel). acc: out_c int32 of scratch. */
static void depthwise_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                           const int8_t *weights, const int32_t *bias, const int32_t *mult,
                           const int32_t *shift, int32_t *acc, int32_t row_begin,
                           int32_t row_end, int8_t *out) {
    const int32_t channels = p->out_c;
    int32_t oy, ox, ky, kx, c;
    for (oy = row_begin; oy < row_end; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            for (c = 0; c < channels; ++c) acc[c] = bias ? bias[c] : 0;
            for (ky = 0; ky < 3; ++ky) {
                const int32_t iy = iy0 + ky * p->dilation_h;
                if (iy < 0 || iy >= p->in_h) continue;
                for (kx = 0; kx < 3; ++kx) {
                    const int32_t ix = ix0 + kx * p->dilation_w;
                    const int8_t *in, *w;
                    if (ix < 0 || ix >= p->in_w) continue;
                    in = input + (iy * p->in_w + ix) * channels;
                    w = weights + ky * 3 + kx;  /* OHWI [C, 3, 3, 1]: tap of channel c at 9c */
                    for (c = 0; c < channels; ++c) acc[c] += (in[c] - p->z_in) * w[9 * c];
                }
            }
            for (c = 0; c < channels; ++c) {
                out[c] = hcc_requantize_s8_inline(acc[c], mult[c], shift[c], p->z_out, p->act_min,
                                           p->act_max);
            }
            out += channels;
        }
    }
}

static void gather_patch(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy0,
                         int32_t ix0, int32_t channel0, int32_t cin_g, int16_t *patch) {
    int32_t ky, kx, i;
    for (ky = 0; ky < 3; ++ky) {
        const int32_t iy = iy0 + ky * p->dilation_h;
        for (kx = 0; kx < 3; ++kx) {
            const int32_t ix = ix0 + kx * p->dilation_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (i = 0; i < cin_g; ++i) patch[i] = 0;
            } else {
                const int8_t *in = input + (iy * p->in_w + ix) * p->in_c + channel0;
                for (i = 0; i < cin_g; ++i) patch[i] = (int16_t)(in[i] - p->z_in);
            }
            patch += cin_g;
        }
    }
}

void hcc_conv2d_3x3_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, const int32_t *mult,
                            const int32_t *shift, void *scratch, int32_t row_begin,
                            int32_t row_end, int8_t *out_rows) {
    const int32_t cin_g = group_size(p->in_c, p->groups);
    const int32_t cout_g = group_size(p->out_c, p->groups);
    const int32_t n = 9 * cin_g;
    int16_t *patch = (int16_t *)scratch;
    int8_t *out = out_rows;
    int32_t oy, ox, g, c;
    if (is_depthwise(p)) {
        depthwise_rows(p, input, weights, bias, mult, shift, (int32_t *)scratch,
                       row_begin, row_end, out_rows);
        return;
    }
    for (oy = row_begin; oy < row_end; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            for (g = 0; g < p->groups; ++g) {
                const int32_t c_end = (g + 1) * cout_g;
                uint32_t sum128 = 0, acc[4];
                int32_t m, i;
                gather_patch(p, input, iy0, ix0, g * cin_g, cin_g, patch);
                for (i = 0; i < n; ++i) sum128 += (uint32_t)(int32_t)patch[i];
                sum128 <<= 7;  /* the weights are read as w + 128 (dot_u8.h) */
                for (c = g * cout_g; c < c_end; c += m) {
                    m = c_end - c < 4 ? c_end - c : 4;
                    for (i = 0; i < m; ++i) acc[i] = bias ? (uint32_t)bias[c + i] : 0u;
                    if (m == 4) {
                        hcc_dot4_u8(patch, n, (const uint8_t *)weights + c * n, n, acc);
                    } else {
                        for (i = 0; i < m; ++i) acc[i] = hcc_dot1_u8(patch, n, (const uint8_t *)weights + (c + i) * n, acc[i]);
                    }
                    for (i = 0; i < m; ++i) {
                        out[c + i] = hcc_requantize_s8_inline((int32_t)(acc[i] - sum128), mult[c + i], shift[c + i],
                                                              p->z_out, p->act_min, p->act_max);
                    }
                }
            }
            out += p->out_c;
        }
    }
}

void hcc_conv2d_3x3_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *mult, const int32_t *shift,
                       void *scratch, int8_t *output) {
    hcc_conv2d_3x3_s8_rows(p, input, weights, bias, mult, shift, scratch, 0, p->out_h, output);
}
