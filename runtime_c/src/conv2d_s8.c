/* General int8 2-D convolution (any kernel, stride, padding, dilation, groups). */
#include <string.h>

#include "hcc_kernels.h"
#include "dot_u8.h"

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

/* ---- groups == 1 with the compiler's blocked weights, no scratch (hcc_conv2d_blocked_s8_rows) ----
 *
 * The weights as hcc_fully_connected_row_s8 takes them (fc_row_layout in
 * hcc/ops/fully_connected.py): the OHWI rows of n = k_h k_w in_c terms in blocks of up to four
 * channels, within a block each term's weights side by side, stored as w + 128; the bias
 * folded to bias - (z_in + 128) sum w over all taps. Per output pixel the kernel rows and
 * columns on the input, [ky0, ky1) x [kx0, kx1), are found once; with dilation_w 1 each kernel
 * row is one contiguous run of (kx1 - kx0) in_c input bytes and of as many terms of the block
 * (hcc_row_block_u8: 14 lx106 instructions per 4 products), the input sum the correction needs
 * formed with the first block. With v = x + 128 and u = w + 128, exactly (32-bit wrap-around):
 *   sum_valid w (x - z) = sum_valid u v - 128 sum_valid v - (z + 128) sum_valid w,
 * and the folded bias took (z + 128) sum_all w: a border pixel adds (z + 128) times the
 * weights of its taps off the input back. No scratch: the sums of a block stay on the stack. */

/* sum over a run of n consecutive terms of a block m wide of its stored bytes u = w + 128, per
 * channel j < m, added to pad[j] (the caller takes 128 n off) */
static inline void pad_run(const uint8_t *t, int32_t n, int32_t m, uint32_t *pad) {
    const uint8_t *const end = t + n * m;
    if (m == 4) {
        uint32_t p0 = pad[0], p1 = pad[1], p2 = pad[2], p3 = pad[3];
        for (; t != end; t += 4) {
            p0 += t[0];
            p1 += t[1];
            p2 += t[2];
            p3 += t[3];
        }
        pad[0] = p0;
        pad[1] = p1;
        pad[2] = p2;
        pad[3] = p3;
    } else {
        int32_t j;
        for (; t != end; t += m) {
            for (j = 0; j < m; ++j) pad[j] += t[j];
        }
    }
}

/* sum of w = u - 128 over the taps of block (its m channels at wb) outside [ky0, ky1) x [kx0, kx1):
 * each kernel row outside is one run of kw in_c terms, each row inside up to two (the columns
 * left of kx0 and from kx1 on) */
static void blocked_pad_sums(const uint8_t *wb, int32_t m, int32_t kh, int32_t kw, int32_t in_c, int32_t ky0,
                             int32_t ky1, int32_t kx0, int32_t kx1, uint32_t *pad) {
    const int32_t row_terms = kw * in_c;
    int32_t ky, j, terms = 0;
    for (j = 0; j < m; ++j) pad[j] = 0u;
    for (ky = 0; ky < kh; ++ky) {
        const uint8_t *const t = wb + ky * row_terms * m;
        if (ky < ky0 || ky >= ky1 || kx1 <= kx0) {
            pad_run(t, row_terms, m, pad);
            terms += row_terms;
            continue;
        }
        pad_run(t, kx0 * in_c, m, pad);
        pad_run(t + kx1 * in_c * m, (kw - kx1) * in_c, m, pad);
        terms += (kw - kx1 + kx0) * in_c;
    }
    for (j = 0; j < m; ++j) pad[j] -= (uint32_t)terms << 7;
}

/* Convs whose kernel covers at most this many input bytes (k_h k_w in_c) and more than one
 * tap gather each pixel's patch on the stack, padding as z_in: then one hcc_row_block_u8 call
 * per block of channels over all n terms instead of one per kernel row (or tap), and no pad
 * sums (a padding byte z_in adds w (z_in - z_in) = 0 like the spec's zero). DS-CNN's 10x4
 * stem on one input channel: ten calls of four terms each per block before. */
#define HCC_BLOCKED_PATCH 256

/* patch[(ky kw + kx) in_c + i] = the input at tap (ky, kx), channel i, or z_in off the input;
 * [ky0, ky1) x [kx0, kx1): the taps on it */
static void blocked_patch(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy0, int32_t ix0, int32_t ky0,
                          int32_t ky1, int32_t kx0, int32_t kx1, int8_t *patch) {
    const int32_t in_c = p->in_c, kw = p->k_w, row = kw * in_c, dw = p->dilation_w;
    const int z = p->z_in;
    int32_t ky, kx;
    for (ky = 0; ky < p->k_h; ++ky, patch += row) {
        /* the input pixel of tap (ky, kx0), when the row is on the input */
        const int32_t at = ((iy0 + ky * p->dilation_h) * p->in_w + ix0 + kx0 * dw) * in_c;
        if (ky < ky0 || ky >= ky1 || kx1 <= kx0) {
            memset(patch, z, (size_t)row);
        } else if (dw == 1) {
            if (kx0 > 0) memset(patch, z, (size_t)(kx0 * in_c));
            memcpy(patch + kx0 * in_c, input + at, (size_t)((kx1 - kx0) * in_c));
            if (kx1 < kw) memset(patch + kx1 * in_c, z, (size_t)((kw - kx1) * in_c));
        } else {
            for (kx = 0; kx < kw; ++kx) {
                if (kx < kx0 || kx >= kx1) {
                    memset(patch + kx * in_c, z, (size_t)in_c);
                } else {
                    memcpy(patch + kx * in_c, input + at + (kx - kx0) * dw * in_c, (size_t)in_c);
                }
            }
        }
    }
}

void hcc_conv2d_blocked_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const uint8_t *weights,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                                int32_t row_end, int8_t *out_rows) {
    const int32_t in_c = p->in_c, kh = p->k_h, kw = p->k_w, n = kh * kw * in_c, out_c = p->out_c;
    const int32_t dh = p->dilation_h, dw = p->dilation_w;
    const uint32_t zu = (uint32_t)(p->z_in + 128);
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    const int use_patch = n <= HCC_BLOCKED_PATCH && kh * kw > 1;
    int8_t patch[HCC_BLOCKED_PATCH];
    int8_t *out = out_rows;
    int32_t oy, ox, j, i, ky, kx;
    for (oy = row_begin; oy < row_end; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        int32_t ky0 = 0, ky1 = kh;
        while (ky0 < kh && iy0 + ky0 * dh < 0) ++ky0;
        while (ky1 > ky0 && iy0 + (ky1 - 1) * dh >= p->in_h) --ky1;
        for (ox = 0; ox < p->out_w; ++ox, out += out_c) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            int32_t kx0 = 0, kx1 = kw;
            int border;
            uint32_t sum = 0u;
            while (kx0 < kw && ix0 + kx0 * dw < 0) ++kx0;
            while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= p->in_w) --kx1;
            border = ky0 > 0 || ky1 < kh || kx0 > 0 || kx1 < kw;
            if (use_patch) blocked_patch(p, input, iy0, ix0, ky0, ky1, kx0, kx1, patch);
            for (j = 0; j < out_c; j += 4) {
                const int32_t m = out_c - j < 4 ? out_c - j : 4;
                const uint8_t *wb = weights + j * n;
                uint32_t acc[4] = {0u, 0u, 0u, 0u}, pad[4];
                for (i = 0; i < m; ++i) acc[i] = (uint32_t)bias[j + i];
                if (use_patch) {
                    hcc_row_block_u8(patch, n, wb, m, j == 0 ? &sum : NULL, acc);
                } else if (border) {
                    blocked_pad_sums(wb, m, kh, kw, in_c, ky0, ky1, kx0, kx1, pad);
                    for (i = 0; i < m; ++i) acc[i] += zu * pad[i];
                }
                if (!use_patch && kx1 > kx0) {
                    for (ky = ky0; ky < ky1; ++ky) {
                        const int8_t *row = input + ((iy0 + ky * dh) * p->in_w + ix0) * in_c;
                        const uint8_t *wk = wb + ky * kw * in_c * m;
                        if (dw == 1) {
                            hcc_row_block_u8(row + kx0 * in_c, (kx1 - kx0) * in_c, wk + kx0 * in_c * m, m,
                                             j == 0 ? &sum : NULL, acc);
                        } else {
                            for (kx = kx0; kx < kx1; ++kx) {
                                hcc_row_block_u8(row + kx * dw * in_c, in_c, wk + kx * in_c * m, m, j == 0 ? &sum : NULL,
                                                 acc);
                            }
                        }
                    }
                }
                if (m == 4) {
                    hcc_requant_words4(acc, sum << 7, mult + j, shift + j, out + j, p->z_out, lo, hi, p->act_min,
                                       p->act_max);
                    continue;
                }
                for (i = 0; i < m; ++i) {
                    out[j + i] = hcc_requant_word_s8((int32_t)(acc[i] - (sum << 7)), mult[j + i], shift[j + i], p->z_out,
                                                     lo, hi, p->act_min, p->act_max);
                }
            }
        }
    }
}
