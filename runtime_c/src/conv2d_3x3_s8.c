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

/* groups == 1 (and not depthwise): the weights unpacked to int16 in channel pairs, two
 * three pixels at a time (dense_rows). Grouped convolutions keep the one-pixel path. */
static int is_dense(const hcc_conv2d_params_t *p) { return p->groups == 1 && !is_depthwise(p); }

size_t hcc_conv2d_3x3_s8_scratch_size(const hcc_conv2d_params_t *p) {
    if (is_depthwise(p)) return (size_t)p->out_c * sizeof(int32_t);
    if (is_dense(p)) {
        /* (out_c rounded up to even) x 9 in_c int16 weights, then a three-pixel int16 patch */
        const size_t n = (size_t)(9 * p->in_c);
        return ((size_t)((p->out_c + 1) & ~1) * n + 3u * n) * sizeof(int16_t);
    }
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

/* One tap of three pixels, cin terms: patch[3i + q] = (src_q[i] - z) & mask_q (mask_q 0 for
 * a tap outside the input, whose src_q is then any readable cin bytes); returns the patch
 * past them. On Xtensa two terms per pass in inline asm, x - z as (u ^ 0x80) - (z + 128)
 * with u the unsigned byte (lx106 has no sign-extending byte load: l8ui + slli + srai),
 * the masks applied only when some tap is outside. */
#if defined(__XTENSA__)
#define HCC_GATHER_ONE(src, off, po)                                                \
    "l8ui %[t], %[" #src "], " #off "\n\t"                                          \
    "xor %[t], %[t], %[c80]\n\t"                                                    \
    "sub %[t], %[t], %[z]\n\t"                                                      \
    "s16i %[t], %[pp], " #po "\n\t"
#define HCC_GATHER_ONE_M(src, off, po, mk)                                          \
    "l8ui %[t], %[" #src "], " #off "\n\t"                                          \
    "xor %[t], %[t], %[c80]\n\t"                                                    \
    "sub %[t], %[t], %[z]\n\t"                                                      \
    "and %[t], %[t], %[" #mk "]\n\t"                                                \
    "s16i %[t], %[pp], " #po "\n\t"
#endif

static int16_t *gather_tap3(const int8_t *a, const int8_t *b, const int8_t *c, int32_t ma, int32_t mb, int32_t mc,
                            int32_t cin, int32_t z, int16_t *patch) {
    int32_t i = 0;
#if defined(__XTENSA__)
    if (cin >= 2) {
        const int16_t *end = patch + 3 * (cin & ~(int32_t)1);
        const uint32_t c80 = 0x80u;
        const int32_t z128 = z + 128;
        int32_t t;
        if ((ma & mb & mc) == -1) {
            __asm__ volatile(
                "1:\n\t"
                HCC_GATHER_ONE(pa, 0, 0) HCC_GATHER_ONE(pb, 0, 2) HCC_GATHER_ONE(pc, 0, 4)
                HCC_GATHER_ONE(pa, 1, 6) HCC_GATHER_ONE(pb, 1, 8) HCC_GATHER_ONE(pc, 1, 10)
                "addi %[pa], %[pa], 2\n\t"
                "addi %[pb], %[pb], 2\n\t"
                "addi %[pc], %[pc], 2\n\t"
                "addi %[pp], %[pp], 12\n\t"
                "bne %[pp], %[end], 1b\n\t"
                : [pa] "+r"(a), [pb] "+r"(b), [pc] "+r"(c), [pp] "+r"(patch), [t] "=&r"(t)
                : [end] "r"(end), [c80] "r"(c80), [z] "r"(z128)
                : "memory");
        } else {
            __asm__ volatile(
                "1:\n\t"
                HCC_GATHER_ONE_M(pa, 0, 0, ma) HCC_GATHER_ONE_M(pb, 0, 2, mb) HCC_GATHER_ONE_M(pc, 0, 4, mc)
                HCC_GATHER_ONE_M(pa, 1, 6, ma) HCC_GATHER_ONE_M(pb, 1, 8, mb) HCC_GATHER_ONE_M(pc, 1, 10, mc)
                "addi %[pa], %[pa], 2\n\t"
                "addi %[pb], %[pb], 2\n\t"
                "addi %[pc], %[pc], 2\n\t"
                "addi %[pp], %[pp], 12\n\t"
                "bne %[pp], %[end], 1b\n\t"
                : [pa] "+r"(a), [pb] "+r"(b), [pc] "+r"(c), [pp] "+r"(patch), [t] "=&r"(t)
                : [end] "r"(end), [c80] "r"(c80), [z] "r"(z128), [ma] "r"(ma), [mb] "r"(mb), [mc] "r"(mc)
                : "memory");
        }
        i = cin & ~(int32_t)1;  /* a, b, c now point at term i: rebase for the C tail's a[i] */
        a -= i;
        b -= i;
        c -= i;
    }
#endif
    for (; i < cin; ++i) {
        patch[0] = (int16_t)((a[i] - z) & ma);
        patch[1] = (int16_t)((b[i] - z) & mb);
        patch[2] = (int16_t)((c[i] - z) & mc);
        patch += 3;
    }
    return patch;
}

/* The patches of output pixels (iy0, ix0[0..2]), minus z_in, interleaved term by term
 * (hcc_dot3x2_s16's layout); taps outside the input are 0. */
static void gather_triple(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy0, const int32_t *ix0,
                          int16_t *patch) {
    const int32_t cin = p->in_c, z = p->z_in, dh = p->dilation_h, dw = p->dilation_w;
    int32_t ky, kx, q;
    for (ky = 0; ky < 3; ++ky) {
        const int32_t iy = iy0 + ky * dh;
        const int row_in = iy >= 0 && iy < p->in_h;
        for (kx = 0; kx < 3; ++kx) {
            const int8_t *src[3];
            int32_t mask[3];
            for (q = 0; q < 3; ++q) {
                const int32_t x = ix0[q] + kx * dw;
                const int in = row_in && x >= 0 && x < p->in_w;
                src[q] = in ? input + (iy * p->in_w + x) * cin : input;
                mask[q] = in ? -1 : 0;
            }
            patch = gather_tap3(src[0], src[1], src[2], mask[0], mask[1], mask[2], cin, z, patch);
        }
    }
}

/* groups == 1: the OHWI int8 weights unpacked once (when row 0 is computed) into int16
 * channel pairs, pair q at wq = packed + 2 n q with wq[2i + j] = w[2q + j][i] (0 past
 * out_c). Then per three output pixels the three patches are gathered once, interleaved,
 * and every channel pair is one hcc_dot3x2_s16 (6 accumulators, 2.9 instructions per
 * product on lx106) followed by up to six requantizations. Past the row's last pixel the
 * last one is repeated (and written again, the same bytes). */
static void dense_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                       int32_t row_begin, int32_t row_end, int8_t *out) {
    const int32_t n = 9 * p->in_c, out_c = p->out_c, pairs = (out_c + 1) >> 1, z_out = p->z_out;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    const int clamp_ok = lo <= hi;
    int16_t *packed = (int16_t *)scratch;
    int16_t *patch = packed + 2 * n * pairs;
    int32_t oy, ox, q, c, j;
    if (row_begin == 0) hcc_pack_pairs_s16(weights, out_c, n, packed);
    for (oy = row_begin; oy < row_end; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        for (ox = 0; ox < p->out_w; ox += 3) {
            int32_t oxs[3], ix0[3];
            int8_t *dst[3];
            for (q = 0; q < 3; ++q) {
                oxs[q] = ox + q < p->out_w ? ox + q : p->out_w - 1;
                ix0[q] = oxs[q] * p->stride_w - p->pad_left;
                dst[q] = out + oxs[q] * out_c;
            }
            gather_triple(p, input, iy0, ix0, patch);
            for (c = 0; c < out_c; c += 2) {
                const int32_t m = out_c - c < 2 ? 1 : 2;
                uint32_t acc[6];
                for (j = 0; j < 2; ++j) acc[j] = acc[2 + j] = acc[4 + j] = bias && j < m ? (uint32_t)bias[c + j] : 0u;
                hcc_dot3x2_s16(patch, n, packed + n * c, acc);
                for (j = 0; j < m; ++j) {
                    const int32_t mj = mult[c + j], sj = shift[c + j];
                    if (clamp_ok && (uint32_t)(sj - 17) <= 30u) {
                        /* hcc_requantize_s8_inline's first path, its per-channel terms once for
                         * the three pixels: |acc| < 2^16, s in [17, 47] */
                        const uint32_t b = mj < 0 ? 0u - (uint32_t)mj : (uint32_t)mj;
                        const uint32_t bh = b >> 16, bl = b & 0xFFFFu, round = (uint32_t)1u << (sj - 17);
                        const int32_t sh = sj - 16;
                        dst[0][c + j] = hcc_requantize_fast_s8((int32_t)acc[j], bh, bl, round, sh, mj, sj, z_out, lo,
                                                               hi, p->act_min, p->act_max);
                        dst[1][c + j] = hcc_requantize_fast_s8((int32_t)acc[2 + j], bh, bl, round, sh, mj, sj, z_out, lo,
                                                               hi, p->act_min, p->act_max);
                        dst[2][c + j] = hcc_requantize_fast_s8((int32_t)acc[4 + j], bh, bl, round, sh, mj, sj, z_out, lo,
                                                               hi, p->act_min, p->act_max);
                        continue;
                    }
                    for (q = 0; q < 3; ++q) {
                        dst[q][c + j] = hcc_requantize_s8_inline((int32_t)acc[2 * q + j], mj, sj, z_out, p->act_min,
                                                                 p->act_max);
                    }
                }
            }
        }
        out += p->out_w * out_c;
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
    if (is_dense(p)) {
        dense_rows(p, input, weights, bias, mult, shift, scratch, row_begin, row_end, out_rows);
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
