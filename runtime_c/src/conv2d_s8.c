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
 * weights of its taps off the input back, as the same asm over a row of z_in (padding_run:
 * sum u v - 128 sum v with v = z + 128; a C loop over the weights cost TC-ResNet 28% of its
 * instructions). No scratch: the sums of a block and the z_in row stay on the stack.
 * A kernel as wide as the input (a 1-D conv as a column, conv1d-columns) is one run over all
 * its rows: one call instead of one per kernel row (TC-ResNet, kernel 9 x 1 on 24 channels:
 * 5.53 -> 4.92 lx106 instructions per MAC). */

/* Terms of the block at wb read as if their input were z_in (x = zrow, ZROW bytes of z_in): the
 * taps off the input. Through the same asm as the taps on it, so the sum correction covers them. */
#define ZROW 64
static void padding_run(const int8_t *zrow, int32_t terms, const uint8_t *wb, int32_t m, uint32_t *sum,
                        uint32_t *acc) {
    for (; terms > 0; terms -= ZROW, wb += ZROW * m) {
        hcc_row_block_u8(zrow, terms < ZROW ? terms : ZROW, wb, m, sum, acc);
    }
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

/* Three pixels of a row at a time (conv_pixels): the three pixels' terms (k_h k_w in_c, at
 * most HCC_TRIPLE_TERMS) gathered into one stack buffer, interleaved and already as
 * v = x + 128 (z_in + 128 at the taps off the input, as the patches), then each block of four
 * channels reads its weights once for the three (hcc_triple_block_u8: 17 lx106 instructions
 * for 6 products instead of 21). The gather costs a few instructions a term, shared by all the
 * blocks. Two pixels left at the end of a row go the same way (hcc_pair_block_u8: 12 for 4),
 * one takes the one-pixel forms. */
#define HCC_TRIPLE_TERMS HCC_BLOCKED_TRIPLE_TERMS
typedef char hcc_patch_fits_check[HCC_BLOCKED_PATCH <= 3 * HCC_TRIPLE_TERMS ? 1 : -1];

#if HCC_XTENSA_KERNELS
#define HCC_SPREAD3(i)                                                            \
    "l8ui %[t], %[src], " #i "\n\t"                                               \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "add %[s], %[s], %[t]\n\t"                                                    \
    "s8i %[t], %[dst], 3*" #i "\n\t"
#endif

/* dst[3 i] = v = src[i] + 128 (the byte xor'ed) for i < len; returns sum v. On Xtensa eight a
 * pass in asm, 4.4 instructions a byte (GCC's loop: 8). */
static uint32_t spread3(const uint8_t *src, int32_t len, uint8_t *dst) {
    uint32_t sum = 0u;
#if HCC_XTENSA_KERNELS
    if (len >= 8) {
        const uint8_t *const end = src + (len & ~(int32_t)7);
        const uint32_t c80 = 0x80u;
        uint32_t t;
        __asm__ volatile(
            "1:\n\t"
            HCC_SPREAD3(0) HCC_SPREAD3(1) HCC_SPREAD3(2) HCC_SPREAD3(3)
            HCC_SPREAD3(4) HCC_SPREAD3(5) HCC_SPREAD3(6) HCC_SPREAD3(7)
            "addi %[src], %[src], 8\n\t"
            "addi %[dst], %[dst], 24\n\t"
            "bne %[src], %[end], 1b\n\t"
            : [src] "+r"(src), [dst] "+r"(dst), [s] "+r"(sum), [t] "=&r"(t)
            : [end] "r"(end), [c80] "r"(c80)
            : "memory");
        len &= 7;
    }
#endif
    for (; len > 0; --len, dst += 3) {
        const uint32_t v = *src++ ^ 0x80u;
        *dst = (uint8_t)v;
        sum += v;
    }
    return sum;
}

#if HCC_XTENSA_KERNELS
#define HCC_SPREAD_PX(i, q)                                                       \
    "l8ui %[t], %[p" #q "], " #i "\n\t"                                           \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "add %[s" #q "], %[s" #q "], %[t]\n\t"                                         \
    "s8i %[t], %[dst], 3*(" #i ")+" #q "\n\t"
#define HCC_SPREAD_BYTE(i) HCC_SPREAD_PX(i, 0) HCC_SPREAD_PX(i, 1) HCC_SPREAD_PX(i, 2)
/* byte b of %[w] (its four bytes xor'ed at once) as byte i of pixel q */
#define HCC_SPREAD_WB(b, i, q)                                                    \
    "extui %[t], %[w], " #b "*8, 8\n\t"                                          \
    "add %[s" #q "], %[s" #q "], %[t]\n\t"                                        \
    "s8i %[t], %[dst], 3*(" #i ")+" #q "\n\t"
/* pixel q's bytes o .. o + 3, one word load and one xor */
#define HCC_SPREAD_WORD(o, q)                                                     \
    "l32i %[w], %[p" #q "], " #o "\n\t"                                          \
    "xor %[w], %[w], %[c80]\n\t"                                                 \
    HCC_SPREAD_WB(0, o, q) HCC_SPREAD_WB(1, o + 1, q) HCC_SPREAD_WB(2, o + 2, q)  \
    "srli %[t], %[w], 24\n\t"                                                    \
    "add %[s" #q "], %[s" #q "], %[t]\n\t"                                        \
    "s8i %[t], %[dst], 3*(" #o "+3)+" #q "\n\t"
#define HCC_SPREAD_WORDS(o) HCC_SPREAD_WORD(o, 0) HCC_SPREAD_WORD(o, 1) HCC_SPREAD_WORD(o, 2)
#endif

/* Three pixels' len bytes each, pixel q at src + q step, into dst[3 i + q] = src[q step + i] ^ 0x80
 * (spread3 for the three); sum[q] = the pixel's sum of v << 7. On Xtensa for len a multiple of 4
 * in one asm loop, four bytes of the three pixels a pass (the three calls of spread3 and the
 * per-pixel set-up between them cost ~60 instructions a pixel on a 1x1 conv of 8-16 channels).
 * With len a multiple of 8 and the pixels at word addresses, their bytes are read a word at a
 * time, xor'ed four at once and split with extui (3.7 instructions a byte against 4.4). */
static void spread_triple(const uint8_t *src, int32_t step, int32_t len, uint8_t *dst, uint32_t sum[3]) {
#if HCC_XTENSA_KERNELS
    if ((len & 3) == 0 && len > 0) {
        const uint8_t *p0 = src, *p1 = src + step, *p2 = src + 2 * step;
        const uint8_t *const end = src + len;
        uint32_t s0 = 0u, s1 = 0u, s2 = 0u, t, w;
/* the loop: TERMS, then the pointers on by n bytes of each pixel */
#define HCC_SPREAD_LOOP(TERMS, n, xk)                                             \
    __asm__ volatile(                                                             \
        "1:\n\t"                                                                 \
        TERMS                                                                     \
        "addi %[p0], %[p0], " #n "\n\t"                                           \
        "addi %[p1], %[p1], " #n "\n\t"                                           \
        "addi %[p2], %[p2], " #n "\n\t"                                           \
        "addi %[dst], %[dst], 3*" #n "\n\t"                                       \
        "bne %[p0], %[end], 1b\n\t"                                              \
        : [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2), [dst] "+r"(dst), [s0] "+r"(s0), [s1] "+r"(s1), \
          [s2] "+r"(s2), [t] "=&r"(t), [w] "=&r"(w)                               \
        : [end] "r"(end), [c80] "r"(xk)                                           \
        : "memory")
        if ((len & 7) == 0 && (((uintptr_t)src | (uint32_t)step) & 3u) == 0) {
            HCC_SPREAD_LOOP(HCC_SPREAD_WORDS(0) HCC_SPREAD_WORDS(4), 8, 0x80808080u);
        } else {
            HCC_SPREAD_LOOP(HCC_SPREAD_BYTE(0) HCC_SPREAD_BYTE(1) HCC_SPREAD_BYTE(2) HCC_SPREAD_BYTE(3), 4, 0x80u);
        }
#undef HCC_SPREAD_LOOP
        (void)w;
        sum[0] = s0 << 7;
        sum[1] = s1 << 7;
        sum[2] = s2 << 7;
        return;
    }
#endif
    sum[0] = spread3(src, len, dst) << 7;
    sum[1] = spread3(src + step, len, dst + 1) << 7;
    sum[2] = spread3(src + 2 * step, len, dst + 2) << 7;
}

/* dst[3 t] = v of the pixel's term t ((ky kw + kx) in_c + i), t < k_h k_w in_c; returns sum v */
static uint32_t triple_gather(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy0, int32_t ix0,
                              int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1, uint8_t *dst) {
    const int32_t in_c = p->in_c, kw = p->k_w, dw = p->dilation_w;
    const uint32_t zv = (uint8_t)(p->z_in + 128);
    uint32_t sum = 0u;
    int32_t ky, kx, i;
    for (ky = 0; ky < p->k_h; ++ky, dst += 3 * kw * in_c) {
        const uint8_t *row = (const uint8_t *)input + ((iy0 + ky * p->dilation_h) * p->in_w + ix0) * in_c;
        const int on_row = ky >= ky0 && ky < ky1 && kx1 > kx0;
        if (dw == 1 || !on_row) {  /* terms [a, b) of the kernel row on the input, one run; z_in around it */
            const int32_t a = on_row ? kx0 * in_c : 0, b = on_row ? kx1 * in_c : 0, len = kw * in_c;
            for (i = 0; i < a; ++i) dst[3 * i] = (uint8_t)zv;
            for (i = b; i < len; ++i) dst[3 * i] = (uint8_t)zv;
            sum += zv * (uint32_t)(len - (b - a));
            if (b > a) sum += spread3(row + a, b - a, dst + 3 * a);
            continue;
        }
        for (kx = 0; kx < kw; ++kx) {
            uint8_t *const d = dst + 3 * kx * in_c;
            if (!on_row || kx < kx0 || kx >= kx1) {
                for (i = 0; i < in_c; ++i) d[3 * i] = (uint8_t)zv;
                sum += zv * (uint32_t)in_c;
            } else {
                sum += spread3(row + kx * dw * in_c, in_c, d);
            }
        }
    }
    return sum;
}

#if HCC_XTENSA_KERNELS
/* conv_pixels' whole blocks of four channels for n a multiple of 8: the three pixels' MACs and
 * their requantization written out in one loop (two calls a block cost ~40 instructions of
 * argument moves, saves and restores) */
HCC_OUT_OF_LINE void triple_blocks(const uint8_t *xs, int32_t n, const uint8_t *weights, int32_t out_c,
                                   const int32_t *bias, const int32_t *mult, const int32_t *shift, const uint32_t sum[3],
                                   int8_t *out, const hcc_conv2d_params_t *p) {
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    uint32_t acc[4][4];  /* row 3: hcc_requant_triple4_asm's mark */
    const void *at[6];  /* hcc_triple_block8's pointers, moved on a block by its asm */
    int32_t j;
    at[0] = xs + 3 * n;
    at[1] = bias;
    at[2] = sum;
    at[3] = acc;
    at[4] = xs;
    at[5] = weights;
    for (j = 0; j < out_c; j += 4) {
        hcc_triple_block8(at, n);
        hcc_requant_triple4_asm(acc, mult + j, shift + j, out + j, out_c, lo, hi);
        if (acc[3][0] != 0u) {
            hcc_requant_triple4_rest((const uint32_t(*)[4])acc, 3, mult + j, shift + j, out + j, out_c, p->z_out, lo,
                                     hi, p->act_min, p->act_max);
        }
    }
}
#endif

/* output pixels ox .. ox + np - 1 (np 2 or 3) of the row at iy0 (its taps [ky0, ky1) on the
 * input), all channels; xs: 3 HCC_TRIPLE_TERMS bytes of the caller's stack (its patch buffer) */
HCC_OUT_OF_LINE void conv_pixels(const hcc_conv2d_params_t *p, const int8_t *input, const uint8_t *weights,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t iy0,
                                 int32_t ky0, int32_t ky1, int32_t ox, int32_t np, uint8_t *xs, int8_t *out) {
    const int32_t n = p->k_h * p->k_w * p->in_c, out_c = p->out_c, kw = p->k_w, dw = p->dilation_w;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    uint32_t sum[3] = {0u, 0u, 0u};
    const int32_t ix_first = ox * p->stride_w - p->pad_left;
    int32_t q, j, i;
    /* three 1x1 taps on the input: their bytes as they are, in one pass */
    if (np == 3 && n == p->in_c && ky0 < ky1 && ix_first >= 0 && ix_first + 2 * p->stride_w < p->in_w) {
        spread_triple((const uint8_t *)input + (iy0 * p->in_w + ix_first) * n, p->stride_w * n, n, xs, sum);
        q = np;
    } else {
        q = 0;
    }
    for (; q < np; ++q) {
        const int32_t ix0 = (ox + q) * p->stride_w - p->pad_left;
        int32_t kx0 = 0, kx1 = kw;
        if (n == p->in_c && ky0 < ky1 && ix0 >= 0 && ix0 < p->in_w) {  /* a 1x1 tap on the input: its bytes as they are */
            sum[q] = spread3((const uint8_t *)input + (iy0 * p->in_w + ix0) * n, n, xs + q) << 7;
            continue;
        }
        while (kx0 < kw && ix0 + kx0 * dw < 0) ++kx0;
        while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= p->in_w) --kx1;
        sum[q] = triple_gather(p, input, iy0, ix0, ky0, ky1, kx0, kx1, xs + q) << 7;
    }
#if HCC_XTENSA_KERNELS
    if (np == 3 && (out_c & 3) == 0 && (n & 7) == 0) {
        triple_blocks(xs, n, weights, out_c, bias, mult, shift, sum, out, p);
        return;
    }
#endif
    if (np == 3 && (out_c & 3) == 0) {  /* whole blocks: the loop with the least live state */
        uint32_t acc[4][4];  /* row 3: hcc_requant_triple4's */
        for (j = 0; j < out_c; j += 4, weights += 4 * n) {
            hcc_triple_block_u8(xs, n, weights, 4, bias + j, sum, acc);
            hcc_requant_triple4(acc, mult + j, shift + j, out + j, out_c, p->z_out, lo, hi,
                                p->act_min, p->act_max);
        }
        return;
    }
    for (j = 0; j < out_c; j += 4) {
        const int32_t m = out_c - j < 4 ? out_c - j : 4;
        /* the bias less the pixel's input sum (the correction of the bytes v = x + 128); row 3
         * hcc_requant_triple4's */
        uint32_t acc[4][4];
        if (np == 3) {
            hcc_triple_block_u8(xs, n, weights + j * n, m, bias + j, sum, acc);
        } else {  /* two pixels, at the end of a row */
            for (q = 0; q < 2; ++q) {
                for (i = 0; i < 4; ++i) acc[q][i] = (i < m ? (uint32_t)bias[j + i] : 0u) - sum[q];
            }
            hcc_pair_block_u8(xs, n, weights + j * n, m, acc);
        }
        if (np == 3 && m == 4) {
            hcc_requant_triple4(acc, mult + j, shift + j, out + j, out_c, p->z_out, lo, hi,
                                p->act_min, p->act_max);
            continue;
        }
        for (q = 0; q < np; ++q) {
            int8_t *const o = out + q * out_c + j;
            if (m == 4) {
                hcc_requant_words4(acc[q], 0u, mult + j, shift + j, o, p->z_out, lo, hi, p->act_min, p->act_max);
                continue;
            }
            for (i = 0; i < m; ++i) {
                o[i] = hcc_requant_word_s8((int32_t)acc[q][i], mult[j + i], shift[j + i], p->z_out, lo, hi,
                                           p->act_min, p->act_max);
            }
        }
    }
}

/* hcc_conv2d_blocked_s8_rows with its stack buffer (patch: 3 HCC_TRIPLE_TERMS bytes, for the
 * one-pixel patches and the pixels of conv_pixels, never both at once) in the caller's frame: in
 * this one it put the loop's spill slots past l32i's reach (a 3x3x64 row 4% slower) */
HCC_OUT_OF_LINE void blocked_rows(const hcc_conv2d_params_t *p, const int8_t *input, const uint8_t *weights,
                                  const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                                  int32_t row_end, int8_t *out_rows, int8_t *patch) {
    const int32_t in_c = p->in_c, kh = p->k_h, kw = p->k_w, n = kh * kw * in_c, out_c = p->out_c;
    const int32_t dh = p->dilation_h, dw = p->dilation_w;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    const int use_patch = n <= HCC_BLOCKED_PATCH && kh * kw > 1;
    const int use_triples = n <= HCC_TRIPLE_TERMS && out_c >= 4;
#if HCC_XTENSA_KERNELS
    /* a 1x1 conv whose pixels are all on the input's columns (no left padding, none of the right
     * read) and whose blocks take triple_blocks: its whole triples of a row straight to
     * spread_triple and triple_blocks (through conv_pixels, ~100 lx106 instructions a triple of
     * its set-up and argument passing) */
    const int pw_triples = use_triples && kh == 1 && kw == 1 && p->pad_left == 0 &&
                           (p->out_w - 1) * p->stride_w < p->in_w && (n & 7) == 0 && (out_c & 3) == 0;
#endif
    int8_t zrow[ZROW];
    int8_t *out = out_rows;
    int32_t oy, ox, j, i, ky, kx, zrow_filled = 0;
    for (oy = row_begin; oy < row_end; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        int32_t ky0 = 0, ky1 = kh;
        while (ky0 < kh && iy0 + ky0 * dh < 0) ++ky0;
        while (ky1 > ky0 && iy0 + (ky1 - 1) * dh >= p->in_h) --ky1;
        ox = 0;
#if HCC_XTENSA_KERNELS
        if (pw_triples && ky0 < ky1) {
            const int32_t step = p->stride_w * in_c;
            const uint8_t *src = (const uint8_t *)input + iy0 * p->in_w * in_c;
            uint32_t sum[3];
            for (; ox + 2 < p->out_w; ox += 3, src += 3 * step, out += 3 * out_c) {
                spread_triple(src, step, in_c, (uint8_t *)patch, sum);
                triple_blocks((const uint8_t *)patch, n, weights, out_c, bias, mult, shift, sum, out, p);
            }
            if (ox + 2 == p->out_w) {  /* two pixels left: conv_pixels' pair, its blocks all of four */
                uint32_t acc[4][4];  /* row 3: hcc_requant_pair4_asm's mark */
                sum[0] = spread3(src, in_c, (uint8_t *)patch) << 7;
                sum[1] = spread3(src + step, in_c, (uint8_t *)patch + 1) << 7;
                for (j = 0; j < out_c; j += 4) {
                    for (i = 0; i < 4; ++i) {
                        acc[0][i] = (uint32_t)bias[j + i] - sum[0];
                        acc[1][i] = (uint32_t)bias[j + i] - sum[1];
                    }
                    hcc_pair_block_u8((const uint8_t *)patch, n, weights + j * n, 4, acc);
                    hcc_requant_pair4_asm(acc, mult + j, shift + j, out + j, out_c, lo, hi);
                    if (acc[3][0] != 0u) {
                        hcc_requant_triple4_rest((const uint32_t(*)[4])acc, 2, mult + j, shift + j, out + j, out_c,
                                                 p->z_out, lo, hi, p->act_min, p->act_max);
                    }
                }
                ox += 2;
                out += 2 * out_c;
            }
        }
#endif
        for (; ox < p->out_w; ++ox, out += out_c) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            int32_t kx0 = 0, kx1 = kw;
            int border, whole_rows, patched;
            uint32_t sum = 0u;
            if (use_triples && ox + 1 < p->out_w) {  /* three pixels, two at the end of a row */
                const int32_t np = ox + 2 < p->out_w ? 3 : 2;
                conv_pixels(p, input, weights, bias, mult, shift, iy0, ky0, ky1, ox, np, (uint8_t *)patch, out);
                ox += np - 1;
                out += (np - 1) * out_c;
                continue;
            }
            while (kx0 < kw && ix0 + kx0 * dw < 0) ++kx0;
            while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= p->in_w) --kx1;
            border = ky0 > 0 || ky1 < kh || kx0 > 0 || kx1 < kw;
            /* a kernel as wide as the input, at column 0, rows not dilated (a 1-D conv run as a
             * column: k_w = in_w = 1): its taps on the input are consecutive bytes */
            whole_rows = kw == p->in_w && ix0 == 0 && kx0 == 0 && kx1 == kw && dh == 1 && (dw == 1 || kw == 1) &&
                         ky1 > ky0;
            patched = use_patch && !whole_rows;
            if (patched) blocked_patch(p, input, iy0, ix0, ky0, ky1, kx0, kx1, patch);
            for (j = 0; j < out_c; j += 4) {
                const int32_t m = out_c - j < 4 ? out_c - j : 4;
                const uint8_t *wb = weights + j * n;
                uint32_t acc[4] = {0u, 0u, 0u, 0u};
                for (i = 0; i < m; ++i) acc[i] = (uint32_t)bias[j + i];
                if (patched) {  /* the patch holds z_in at the taps off the input */
                    hcc_row_block_u8(patch, n, wb, m, j == 0 ? &sum : NULL, acc);
                } else if (border) {  /* the taps off the input: kernel rows outside [ky0, ky1), columns outside [kx0, kx1) */
                    for (; zrow_filled < ZROW; ++zrow_filled) zrow[zrow_filled] = (int8_t)p->z_in;
                    for (ky = 0; ky < kh; ++ky) {
                        const uint8_t *wk = wb + ky * kw * in_c * m;
                        if (ky < ky0 || ky >= ky1 || kx1 <= kx0) {
                            padding_run(zrow, kw * in_c, wk, m, j == 0 ? &sum : NULL, acc);
                        } else {
                            padding_run(zrow, kx0 * in_c, wk, m, j == 0 ? &sum : NULL, acc);
                            padding_run(zrow, (kw - kx1) * in_c, wk + kx1 * in_c * m, m, j == 0 ? &sum : NULL, acc);
                        }
                    }
                }
                if (patched) {
                    /* done above */
                } else if (whole_rows) {  /* the kernel rows are one run in the input and in the weights */
                    hcc_row_block_u8(input + (iy0 + ky0) * p->in_w * in_c, (ky1 - ky0) * kw * in_c,
                                     wb + ky0 * kw * in_c * m, m, j == 0 ? &sum : NULL, acc);
                } else if (kx1 > kx0) {
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

void hcc_conv2d_blocked_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const uint8_t *weights,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                                int32_t row_end, int8_t *out_rows) {
    int8_t patch[3 * HCC_TRIPLE_TERMS];
    blocked_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows, patch);
}
