/* int8 depthwise 2-D convolution (groups == in_c == out_c), any kernel, stride, padding and
 * dilation: the same numbers as hcc_conv2d_s8, restructured.
 *
 * Channel by channel, so that a channel's weights, bias and requantization terms are set up
 * once per call and no per-channel accumulator array goes through memory (the previous
 * pixel-major loop cost ~23 lx106 instructions per MAC). Per channel, the input rows the
 * call's output rows read are copied into scratch as one plane of bytes u = x + 128
 * (`u ^ 0x80` of the unsigned byte, no sign extension), row-major, padding written as
 * z_in + 128: then sum w (x - z_in) = sum w u - (z_in + 128) sum w over every tap (padding
 * included, where u - (z_in + 128) = 0), exactly in 32-bit wrap-around, so border outputs
 * need no bounds checks, and every input byte is converted once per channel. On the lx106 a
 * 3x3 or 5x5 kernel (dilation_w 1, stride_w 1 or 2) whose channels the window loop takes
 * (dw_win_row: sums and requantization in one asm loop, two pixels a pass) runs four channels
 * at a time over a stack window filled a word at a time (dw_quad_rows), or one channel at a
 * time over its plane (dw_plane_channel); without scratch (hcc_dwconv2d_s8_direct_rows) a 3x3
 * at stride_w 1 with the compiler's blocks and rows of 12 outputs or more runs dw_ring_quads
 * (eight weights in registers, window bytes shared by output pairs, rows kept as a ring).
 * Otherwise an output row's sums go to scratch first
 * (the 3x3 tap loop keeps the nine weights and three row pointers in registers), then are
 * requantized: the channel's hoisted terms (hcc_requant_hoisted) for |acc| <= 2^16 - 1 when
 * the channel allows them, else hcc_requantize_s8_inline. hcc_conv2d_pool_s8 calls it once
 * for all rows when the conv has no residual and no pooling, else once per row. */
#include <string.h>

#include "hcc_kernels.h"
#include "dot_u8.h"
#include "host_paths.h"
#include "host_dw_s8.h"

#define DW_HOIST_BOUND 65535u


/* Columns of input (padding included) one output row reads. */
static int32_t row_span(const hcc_conv2d_params_t *p) {
    return (p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1;
}

/* Input rows (padding included) that output rows [0, rows) read. */
static int32_t plane_rows(const hcc_conv2d_params_t *p, int32_t rows) {
    return (rows - 1) * p->stride_h + (p->k_h - 1) * p->dilation_h + 1;
}

static size_t plane_bytes(const hcc_conv2d_params_t *p) {
    return ((size_t)plane_rows(p, p->out_h) * (size_t)row_span(p) + 3u) & ~(size_t)3u;
}

size_t hcc_dwconv2d_s8_scratch_size(const hcc_conv2d_params_t *p) {
    return plane_bytes(p) + (size_t)p->out_w * sizeof(uint32_t);
}

#if HCC_XTENSA_KERNELS
#define DW_COPY_U(i)                                                              \
    "l8ui %[t], %[s], 0\n\t"                                                    \
    "xor %[t], %[t], %[c80]\n\t"                                                \
    "s8i %[t], %[d], " #i "\n\t"                                                \
    "add %[s], %[s], %[step]\n\t"
#endif

/* d[i] = u = s[i step] + 128 (the byte xor'ed 0x80) for i < n: one channel's bytes of an NHWC
 * row. On Xtensa four a pass in asm (4.5 lx106 instructions a byte, GCC's loop 6 to 7). */
static void dw_copy_u(const uint8_t *s, int32_t step, uint8_t *d, int32_t n) {
#if HCC_XTENSA_KERNELS
    if (n >= 4) {
        const uint8_t *const end = d + (n & ~(int32_t)3);
        const uint32_t c80 = 0x80u;
        uint32_t t;
        __asm__ volatile(
            "1:\n\t"
            DW_COPY_U(0) DW_COPY_U(1) DW_COPY_U(2) DW_COPY_U(3)
            "addi %[d], %[d], 4\n\t"
            "bne %[d], %[end], 1b\n\t"
            : [s] "+r"(s), [d] "+r"(d), [t] "=&r"(t)
            : [end] "r"(end), [step] "r"(step), [c80] "r"(c80)
            : "memory");
        n &= 3;
    }
#endif
    for (; n > 0; --n, ++d, s += step) *d = (uint8_t)(*s ^ 0x80u);
}

/* Padded input rows iy0 .. iy0 + rows - 1 (iy0 in input coordinates, may be negative) of
 * channel c into buf, `span` bytes a row from column -pad_left. */
static void fill_plane(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy0, int32_t rows, int32_t c,
                       uint8_t *buf) {
    const int32_t span = row_span(p), channels = p->in_c;
    const uint8_t pad = (uint8_t)(p->z_in + 128);
    const int32_t first = p->pad_left < span ? p->pad_left : span;  /* columns before the input */
    const int32_t past = p->pad_left + p->in_w < span ? p->pad_left + p->in_w : span;
    int32_t r, j;
    for (r = 0; r < rows; ++r) {
        const int32_t iy = iy0 + r;
        uint8_t *d = buf + r * span;
        if (iy < 0 || iy >= p->in_h || past <= first) {
            for (j = 0; j < span; ++j) d[j] = pad;
            continue;
        }
        for (j = 0; j < first; ++j) d[j] = pad;
        dw_copy_u((const uint8_t *)input + (iy * p->in_w + (first - p->pad_left)) * channels + c, channels, d + first,
                  past - first);
        for (j = past; j < span; ++j) d[j] = pad;
    }
}

/* The sums (before the bias) of one output row of one channel, 3x3 with dilation_w 1: row
 * pointers r0 and r0 + rs, r0 + 2 rs, the taps at offsets 0, 1, 2. */
static void sums_3x3(const uint8_t *r0, int32_t rs, const int8_t *w, int32_t step, int32_t count, uint32_t *acc) {
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
    const uint8_t *r1 = r0 + rs, *r2 = r1 + rs;
    const uint32_t *const end = acc + count;
    for (; acc != end; r0 += step, r1 += step, r2 += step, ++acc) {
        /* |each product| < 2^15: every partial sum is exact in int32 */
        *acc = (uint32_t)(w0 * r0[0] + w1 * r0[1] + w2 * r0[2] + w3 * r1[0] + w4 * r1[1] + w5 * r1[2] +
                          w6 * r2[0] + w7 * r2[1] + w8 * r2[2]);
    }
}

/* The same for any kernel size and dilation. */
static void sums_any(const hcc_conv2d_params_t *p, const uint8_t *r0, int32_t rs, const int8_t *w, uint32_t *acc) {
    const int32_t kh = p->k_h, kw = p->k_w, step = p->stride_w, dw = p->dilation_w;
    int32_t ox, ky, kx;
    for (ox = 0; ox < p->out_w; ++ox, r0 += step) {
        uint32_t sum = 0u;
        for (ky = 0; ky < kh; ++ky) {
            const uint8_t *t = r0 + ky * rs;
            for (kx = 0; kx < kw; ++kx, t += dw) sum += (uint32_t)(w[ky * kw + kx] * *t);
        }
        acc[ox] = sum;
    }
}

/* ---- window rows: one output row of one channel in one asm loop (lx106) ----
 *
 * A 3x3 or 5x5 kernel (dilation_w 1, stride_w 1 or 2) over rows of bytes u = x + 128 that
 * are `rs` apart (hcc_dwconv2d_s8_rows' plane, dw_narrow_rows' stack window), the taps off
 * the input held as z_in + 128: every output is an inner one, sum w u plus the channel's
 * constant term b_u = bias - (z_in + 128) sum w, requantized in the same loop by the
 * three-multiply form of hcc_requant_word_wide (exact for acc in [-2^20, 2^20), no branch
 * but the clamp): with m = mh 2^21 + mm 2^10 + ml (mm < 2^11, ml < 2^10),
 *   x = acc mh + ((acc mm + ((acc ml) >> 10)) >> 11) = floor(acc m / 2^21),
 *   out = (x + (2 z_out + 1) 2^(s-22)) >> (s - 21), clamped to [lo, hi].
 * 3.5 lx106 instructions a tap (two pixels a pass; 19 a kernel row of a stride-1 pair, its bytes
 * loaded once), 20 an output for the requantization, store and loop (13 in the compiler's blocks'
 * near form, DW_NEAR_FLAG below). A channel whose
 * accumulators may leave [-2^20, 2^20), or whose (m, s) the form cannot serve exactly
 * (dw_wide_terms), takes the callers' other paths. */

/* The per-channel block the asm reads (int32, byte offsets as immediates): the terms first,
 * so that their offsets do not depend on the kernel size, then the k_h k_w weights (int16). */
enum { DW_T_B, DW_T_ML, DW_T_MM, DW_T_MH, DW_T_C, DW_T_SH, DW_T_W };
#define DW_WIN_TAPS_MAX 25
/* The weights as int16 from word DW_T_W on (`l16si`, as cheap as `l32i`): two a word, so a 3x3
 * block is 11 words (HCC_WEIGHTS_DW_BLOCKS' 44 bytes a channel of flash, 60 with int32) */
#define DW_BLK_WORDS (DW_T_W + 5)

/* between two int16 stores: no merging into a word (GCC's store merging; empty elsewhere) */
#if HCC_XTENSA_KERNELS
#define DW_NO_MERGE __asm__ volatile("" ::: "memory")
#else
#define DW_NO_MERGE ((void)0)
#endif

/* weight k of block blk: the halves of the int32 words only ever read and written as int16
 * (here and by the asm), little-endian as the compiler packs them (memcpy would copy a byte at
 * a time: GCC does not see the 2-byte alignment) */
static inline int32_t dw_blk_w(const int32_t *blk, int32_t k) {
    return ((const int16_t *)(const void *)(blk + DW_T_W))[k];
}

/* The near form (the compiler's blocks only: dw_near_terms, hcc/ops/fused_conv2d.py), marked by
 * DW_NEAR_FLAG in the shift word (`ssr` reads its low five bits alone). The sum a (from block
 * word DW_T_B: b_u, or 0 where the terms hold b_u) is first clamped to [a1, a2] (words DW_T_ML,
 * DW_T_MM), the sums whose outputs lie within the clamp, so the output needs none; then with
 * m' = mh 2^14 + ml (mh: word DW_T_MH, ml: the pad half after the ninth weight),
 * out = (a mh + ((a ml) >> 14) + c) >> sh (c: word DW_T_C): two multiplies where the wide form
 * takes three, exact as the compiler checked value by value over [a1, a2]. */
#define DW_NEAR_FLAG 32
#define DW_NEAR_K 14
#define DW_NEAR_ML 9

/* out = the requantized acc (block blk's terms: the near form, else the wide one, |acc| < 2^20
 * as dw_win_block and the compiler proved), clamped to [lo, hi] (the C paths) */
static inline int8_t dw_blk_out(int32_t a, const int32_t *blk, int32_t lo, int32_t hi) {
    int32_t x, v;
    if (blk[DW_T_SH] & DW_NEAR_FLAG) {
        a = a < blk[DW_T_ML] ? blk[DW_T_ML] : (a > blk[DW_T_MM] ? blk[DW_T_MM] : a);
        x = a * blk[DW_T_MH] + ((a * dw_blk_w(blk, DW_NEAR_ML)) >> DW_NEAR_K);
        return (int8_t)((x + blk[DW_T_C]) >> (blk[DW_T_SH] & 31));
    }
    x = a * blk[DW_T_MH] + ((a * blk[DW_T_MM] + ((a * blk[DW_T_ML]) >> 10)) >> 11);
    v = (x + blk[DW_T_C]) >> blk[DW_T_SH];
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}


/* The terms of (m, s, z_out) into t; 0 where the form is not exact for every acc in
 * [-2^20, 2^20): s outside [22, 47], a tie possible (acc m / 2^s with v2 = s - 1 needs the
 * lowest set bit of m at 2^(s-21) or above, |acc| < 2^20 having at most 19 trailing zeros),
 * |c| = |2 z_out + 1| 2^(s-22) not below 2^30 (|x| < 2^30 for |m| < 2^31, so x + c stays in
 * int32), z_out past int8. The conditions of blocked_requant_words' three-multiply form. */
static inline int dw_wide_terms(int32_t *t, int32_t m, int32_t s, int32_t z_out) {
    const uint32_t um = (uint32_t)m, lowbit = um & (0u - um);
    const int32_t c1 = 2 * z_out + 1;
    if (s < 22 || s > 47 || z_out < -128 || z_out > 127) return 0;
    if (lowbit >= (uint32_t)1u << (s - 21)) return 0;
    if ((uint32_t)(c1 < 0 ? -c1 : c1) >= (uint32_t)1u << (52 - s)) return 0;
    t[DW_T_ML] = (int32_t)(um & 0x3FFu);
    t[DW_T_MM] = (int32_t)((um >> 10) & 0x7FFu);
    t[DW_T_MH] = m >> 21;
    t[DW_T_C] = (int32_t)((uint32_t)c1 << (s - 22));
    t[DW_T_SH] = s - 21;
    return 1;
}

/* The block of channel c (weights w, taps of them): its weights, b_u, and the terms from
 * (m, s); 0 where the window loop cannot take the channel (dw_wide_terms, or a bias that
 * could let |acc| reach 2^20). */
static int dw_win_block(int32_t *blk, const int8_t *w, int32_t taps, int32_t bias, int32_t m, int32_t s,
                        const hcc_conv2d_params_t *p) {
    /* |acc| <= |bias| + sum |w (x - z_in)| <= |bias| + 32640 taps (|w| <= 128, |x - z_in| <= 255;
     * the taps off the input add 0): a bound from the bias alone, no pass over the weights */
    const int32_t room = 0xFFFFF - 32640 * taps;
    uint32_t w_sum = 0u;
    int32_t i;
    if (bias < -room || bias > room || !dw_wide_terms(blk, m, s, p->z_out)) return 0;
    /* the weights read into locals first: an int16 store may alias the int8 weights, so GCC
     * would read each again after it (+200K lx106 instructions on MobileNetV3-small) */
    /* the halves, as dw_blk_w reads them, a store each: GCC merged pairs of them into word stores
     * at ~3 lx106 instructions more a weight (+88K on MobileNetV2; volatile costs a memw each) */
    int16_t *const b16 = (int16_t *)(void *)(blk + DW_T_W);
    if (taps == 9) {  /* unrolled: the loop cost ~8 lx106 instructions a weight on every row call */
        const int16_t v0 = w[0], v1 = w[1], v2 = w[2], v3 = w[3], v4 = w[4], v5 = w[5], v6 = w[6], v7 = w[7];
        const int16_t v8 = w[8];
        b16[0] = v0; DW_NO_MERGE; b16[1] = v1; DW_NO_MERGE; b16[2] = v2; DW_NO_MERGE; b16[3] = v3; DW_NO_MERGE;
        b16[4] = v4; DW_NO_MERGE; b16[5] = v5; DW_NO_MERGE; b16[6] = v6; DW_NO_MERGE; b16[7] = v7; DW_NO_MERGE;
        b16[8] = v8; DW_NO_MERGE;
        b16[DW_NEAR_ML] = 0;  /* the near form's half, unread in this (wide) form: GCC cannot tell */
        w_sum = (uint32_t)(v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8);
    } else {
        for (i = 0; i + 5 <= taps; i += 5) {  /* 5x5: a kernel row a pass */
            const int16_t v0 = w[i], v1 = w[i + 1], v2 = w[i + 2], v3 = w[i + 3], v4 = w[i + 4];
            b16[i] = v0; DW_NO_MERGE; b16[i + 1] = v1; DW_NO_MERGE; b16[i + 2] = v2; DW_NO_MERGE;
            b16[i + 3] = v3; DW_NO_MERGE; b16[i + 4] = v4;
            w_sum += (uint32_t)(v0 + v1 + v2 + v3 + v4);
        }
        for (; i < taps; ++i) {
            b16[i] = w[i];
            w_sum += (uint32_t)(int32_t)w[i];
        }
    }
    blk[DW_T_B] = (int32_t)((uint32_t)bias - (uint32_t)(p->z_in + 128) * w_sum);
    return 1;
}

#if HCC_XTENSA_KERNELS
#define DW_STR(x) #x
/* acc += u (window byte P off of row pointer r: P bytes a column) w (block word k) */
#define DW_WTP(r, off, k, P)                                                      \
    "l8ui %[t], %[" #r "], " DW_STR(P) "*(" DW_STR(off) ")\n\t"                   \
    "l16si %[u], %[blk], 2*(12+" DW_STR(k) ")\n\t"                                  \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    "add %[acc], %[acc], %[t]\n\t"
/* the same for two pixels S columns apart, one weight load: acc and acc1 */
#define DW_WT2P(r, off, k, S, P)                                                  \
    "l16si %[u], %[blk], 2*(12+" DW_STR(k) ")\n\t"                                  \
    "l8ui %[t], %[" #r "], " DW_STR(P) "*(" DW_STR(off) ")\n\t"                   \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    "add %[acc], %[acc], %[t]\n\t"                                                \
    "l8ui %[t], %[" #r "], " DW_STR(P) "*(" DW_STR(off) "+" DW_STR(S) ")\n\t"     \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    "add %[acc1], %[acc1], %[t]\n\t"
/* a kernel row of three taps for two pixels one column apart (stride_w 1): its four bytes loaded once
 * each (%[v] a second product), 19 lx106 instructions where DW_WT2P's three taps take 21 */
#define DW_PAIR3_S1(r, k, P) DW_PAIR3_S1_F(r, k, P, DW_ADD_ACC, DW_ADD_ACC1)
/* the first taps' products: added to acc and acc1, or (sums that start at 0) the start of them */
#define DW_ADD_ACC "mull %[t], %[t], %[u]\n\t" "add %[acc], %[acc], %[t]\n\t"
#define DW_ADD_ACC1 "mull %[v], %[t], %[u]\n\t" "add %[acc1], %[acc1], %[v]\n\t"
#define DW_SET_ACC "mull %[acc], %[t], %[u]\n\t"
#define DW_SET_ACC1 "mull %[acc1], %[t], %[u]\n\t"
#define DW_PAIR3_S1_F(r, k, P, F0, F1)                                            \
    "l16si %[u], %[blk], 2*(12+" DW_STR(k) ")\n\t"                                 \
    "l8ui %[t], %[" #r "], 0\n\t"                                                 \
    F0                                                                            \
    "l8ui %[t], %[" #r "], " DW_STR(P) "\n\t"                                     \
    F1                                                                            \
    "l16si %[u], %[blk], 2*(12+" DW_STR(k) "+1)\n\t"                               \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    "add %[acc], %[acc], %[t]\n\t"                                                \
    "l8ui %[t], %[" #r "], 2*" DW_STR(P) "\n\t"                                   \
    "mull %[v], %[t], %[u]\n\t"                                                   \
    "add %[acc1], %[acc1], %[v]\n\t"                                              \
    "l16si %[u], %[blk], 2*(12+" DW_STR(k) "+2)\n\t"                               \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    "add %[acc], %[acc], %[t]\n\t"                                                \
    "l8ui %[t], %[" #r "], 3*" DW_STR(P) "\n\t"                                   \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    "add %[acc1], %[acc1], %[t]\n\t"
#define DW_TAPS3_SHARED(P) DW_PAIR3_S1(q, 0, P) DW_FIRST_ROW DW_PAIR3_S1(q1, 3, P) DW_NEXT_ROW DW_PAIR3_S1(q1, 6, P)
#define DW_TAPS3_SHARED0(P)                                                       \
    DW_PAIR3_S1_F(q, 0, P, DW_SET_ACC, DW_SET_ACC1) DW_FIRST_ROW DW_PAIR3_S1(q1, 3, P) DW_NEXT_ROW \
    DW_PAIR3_S1(q1, 6, P)
#define DW_ROW3(T, r, k) T(r, 0, k) T(r, 1, k + 1) T(r, 2, k + 2)
#define DW_ROW5(T, r, k) T(r, 0, k) T(r, 1, k + 1) T(r, 2, k + 2) T(r, 3, k + 3) T(r, 4, k + 4)
#define DW_NEXT_ROW "add %[q1], %[q1], %[rs]\n\t"
#define DW_FIRST_ROW "add %[q1], %[q], %[rs]\n\t"
#define DW_TAPS3(T) DW_ROW3(T, q, 0) DW_FIRST_ROW DW_ROW3(T, q1, 3) DW_NEXT_ROW DW_ROW3(T, q1, 6)
#define DW_TAPS5(T)                                                               \
    DW_ROW5(T, q, 0) DW_FIRST_ROW DW_ROW5(T, q1, 5) DW_NEXT_ROW DW_ROW5(T, q1, 10) DW_NEXT_ROW \
    DW_ROW5(T, q1, 15) DW_NEXT_ROW DW_ROW5(T, q1, 20)
#define DW_WT_P1(r, off, k) DW_WTP(r, off, k, 1)
#define DW_WT_P4(r, off, k) DW_WTP(r, off, k, 4)
#define DW_WT2_S1(r, off, k) DW_WT2P(r, off, k, 1, 1)
#define DW_WT2_S2(r, off, k) DW_WT2P(r, off, k, 2, 1)
#define DW_WT2_S1_P4(r, off, k) DW_WT2P(r, off, k, 1, 4)
#define DW_WT2_S2_P4(r, off, k) DW_WT2P(r, off, k, 2, 4)
/* %[a] clamped to [%[LO], %[HI]] (no min / max on the lx106) */
#define DW_CLAMP(a, LO, HI)                                                       \
    "bge %[" #a "], %[" #LO "], 8f\n\t"                                           \
    "mov %[" #a "], %[" #LO "]\n\t"                                               \
    "8:\n\t"                                                                      \
    "bge %[" #HI "], %[" #a "], 9f\n\t"                                           \
    "mov %[" #a "], %[" #HI "]\n\t"                                               \
    "9:\n\t"
/* the output %[a] stored at y; y += ystep */
#define DW_STORE(a) "s8i %[" #a "], %[y], 0\n\t" "add %[y], %[y], %[ystep]\n\t"
/* %[a] = (a mh + %[X] + c) >> SAR (mh, c: block words 3 and 4, loaded into %[M]) */
#define DW_MH_C(a, M, X)                                                          \
    "l32i %[" #M "], %[blk], 12\n\t"                                              \
    "mull %[" #a "], %[" #a "], %[" #M "]\n\t"                                    \
    "add %[" #a "], %[" #a "], %[" #X "]\n\t"                                     \
    "l32i %[" #M "], %[blk], 16\n\t"                                              \
    "add %[" #a "], %[" #a "], %[" #M "]\n\t"                                     \
    "sra %[" #a "], %[" #a "]\n\t"
/* %[a] = its requantized value (SAR = s - 21), clamped, stored at y; y += ystep */
#define DW_WIDE_OUT(a)                                                            \
    "l32i %[u], %[blk], 4\n\t"                                                    \
    "mull %[u], %[" #a "], %[u]\n\t"                                              \
    "srai %[u], %[u], 10\n\t"                                                     \
    "l32i %[t], %[blk], 8\n\t"                                                    \
    "mull %[t], %[" #a "], %[t]\n\t"                                              \
    "add %[t], %[t], %[u]\n\t"                                                    \
    "srai %[t], %[t], 11\n\t"                                                     \
    DW_MH_C(a, u, t)                                                              \
    DW_CLAMP(a, lo, hi)                                                           \
    DW_STORE(a)
/* the same in the near form (DW_NEAR_FLAG): acc clamped to [a1, a2] (in %[lo], %[hi]), two
 * multiplies, no output clamp */
#define DW_NEAR_OUT(a)                                                            \
    DW_CLAMP(a, lo, hi)                                                           \
    "l16si %[u], %[blk], 2*(12+9)\n\t"                                           \
    "mull %[u], %[" #a "], %[u]\n\t"                                              \
    "srai %[u], %[u], 14\n\t"                                                     \
    DW_MH_C(a, t, u)                                                              \
    DW_STORE(a)
/* one pixel (the last of an odd count; OUT: DW_WIDE_OUT or DW_NEAR_OUT) */
#define DW_WIN_ONE(TAPS, T1, OUT)                                                 \
    __asm__ volatile(                                                             \
        "l32i %[t], %[blk], 20\n\t"                                               \
        "ssr %[t]\n\t"                                                            \
        "l32i %[acc], %[blk], 0\n\t"                                              \
        TAPS(T1)                                                                  \
        OUT(acc)                                                                  \
        : [y] "+r"(y), [q1] "=&r"(q1), [acc] "=&r"(acc), [t] "=&r"(t), [u] "=&r"(u) \
        : [q] "r"(q), [rs] "r"(rs), [blk] "r"(blk), [ystep] "r"(ystep), [lo] "r"(lo), [hi] "r"(hi) \
        : "memory")
/* pairs of pixels (STEP: stride_w times the column pitch, in bytes): each weight loaded once
 * for the two; the loop's end read from memory (13 registers otherwise) */
#define DW_WIN_PAIRS(TAPS, T2, STEP, OUT)                                         \
    DW_WIN_PAIRS_AT(TAPS, T2, STEP, OUT, "l32i %[acc], %[blk], 0\n\t" "mov %[acc1], %[acc]\n\t")
/* START: the sums' start (b_u), or none where TAPS' first products start them */
#define DW_WIN_PAIRS_AT(TAPS, T2, STEP, OUT, START)                               \
    __asm__ volatile(                                                             \
        "l32i %[t], %[blk], 20\n\t"                                               \
        "ssr %[t]\n\t"                                                            \
        "1:\n\t"                                                                  \
        START                                                                     \
        TAPS(T2)                                                                  \
        OUT(acc)                                                                  \
        OUT(acc1)                                                                 \
        "addi %[q], %[q], 2*" #STEP "\n\t"                                        \
        "l32i %[t], %[endm]\n\t"                                                  \
        "bne %[q], %[t], 1b\n\t"                                                  \
        : [q] "+r"(q), [y] "+r"(y), [q1] "=&r"(q1), [acc] "=&r"(acc), [acc1] "=&r"(acc1), [t] "=&r"(t), \
          [u] "=&r"(u), [v] "=&r"(v)                                              \
        : [rs] "r"(rs), [blk] "r"(blk), [ystep] "r"(ystep), [lo] "r"(lo), [hi] "r"(hi), [endm] "m"(end) \
        : "memory")
#endif

/* What the dw_win_row calls of a kernel call share (dw_row_geom): passed by address, so that a
 * call takes four arguments in registers (eleven cost ~8 lx106 instructions more a call, five of
 * them through the stack, on DS-CNN's 6,400 channel rows). */
typedef struct {
    int32_t rs, pitch, k, stride_w, count, ystep, lo, hi;
    int32_t pair_bytes;  /* (count & ~1) stride_w pitch: how far the pair passes move q */
} dw_row_t;

static dw_row_t dw_row_geom(int32_t rs, int32_t pitch, int32_t k, int32_t stride_w, int32_t count, int32_t ystep,
                            int32_t lo, int32_t hi) {
    dw_row_t g;
    g.rs = rs;
    g.pitch = pitch;
    g.k = k;
    g.stride_w = stride_w;
    g.count = count;
    g.ystep = ystep;
    g.lo = lo;
    g.hi = hi;
    g.pair_bytes = (count & ~(int32_t)1) * stride_w * pitch;
    return g;
}

/* g->count (>= 1) outputs of one channel's row: the k x k window at q, then q + stride_w
 * columns, ..., columns `pitch` bytes apart (1, or 4 in dw_quad_rows' window of four channels),
 * rows rs bytes apart; output i to y[i ystep] (k 3 or 5, stride_w 1 or 2; g's fields). On
 * Xtensa two pixels a pass (a weight load for both: 7 lx106 instructions a tap for the two),
 * the last of an odd count alone. */
static void dw_win_row(const uint8_t *q, const int32_t *blk, int8_t *y, const dw_row_t *g) {
    const int32_t rs = g->rs, pitch = g->pitch, k = g->k, stride_w = g->stride_w, count = g->count;
    const int32_t ystep = g->ystep;
#if HCC_XTENSA_KERNELS
    const uint8_t *volatile end = q + g->pair_bytes;
    const uint8_t *q1;
    uint32_t acc, acc1, t, u, v;
    /* the near form: the compiler's blocks alone (dw_narrow_quads: a 3x3 window of four channels);
     * its accumulator bounds [a1, a2] take the output clamp's registers */
    const int near = pitch == 4 && k == 3 && (blk[DW_T_SH] & DW_NEAR_FLAG) != 0;
    const int32_t lo = near ? blk[DW_T_ML] : g->lo, hi = near ? blk[DW_T_MM] : g->hi;
    if (count >= 2) {
        if (near) {
            if (stride_w == 1 && blk[DW_T_B] == 0) DW_WIN_PAIRS_AT(DW_TAPS3_SHARED0, 4, 4, DW_NEAR_OUT, "");
            else if (stride_w == 1) DW_WIN_PAIRS(DW_TAPS3_SHARED, 4, 4, DW_NEAR_OUT);
            else DW_WIN_PAIRS(DW_TAPS3, DW_WT2_S2_P4, 8, DW_NEAR_OUT);
        } else if (pitch == 1) {
            if (k == 3) {
                if (stride_w == 1) DW_WIN_PAIRS(DW_TAPS3_SHARED, 1, 1, DW_WIDE_OUT);
                else DW_WIN_PAIRS(DW_TAPS3, DW_WT2_S2, 2, DW_WIDE_OUT);
            } else {
                if (stride_w == 1) DW_WIN_PAIRS(DW_TAPS5, DW_WT2_S1, 1, DW_WIDE_OUT);
                else DW_WIN_PAIRS(DW_TAPS5, DW_WT2_S2, 2, DW_WIDE_OUT);
            }
        } else {
            if (k == 3) {
                if (stride_w == 1) DW_WIN_PAIRS(DW_TAPS3_SHARED, 4, 4, DW_WIDE_OUT);
                else DW_WIN_PAIRS(DW_TAPS3, DW_WT2_S2_P4, 8, DW_WIDE_OUT);
            } else {
                if (stride_w == 1) DW_WIN_PAIRS(DW_TAPS5, DW_WT2_S1_P4, 4, DW_WIDE_OUT);
                else DW_WIN_PAIRS(DW_TAPS5, DW_WT2_S2_P4, 8, DW_WIDE_OUT);
            }
        }
    }
    if (count & 1) {
        if (near) {
            DW_WIN_ONE(DW_TAPS3, DW_WT_P4, DW_NEAR_OUT);
        } else if (pitch == 1) {
            if (k == 3) DW_WIN_ONE(DW_TAPS3, DW_WT_P1, DW_WIDE_OUT);
            else DW_WIN_ONE(DW_TAPS5, DW_WT_P1, DW_WIDE_OUT);
        } else {
            if (k == 3) DW_WIN_ONE(DW_TAPS3, DW_WT_P4, DW_WIDE_OUT);
            else DW_WIN_ONE(DW_TAPS5, DW_WT_P4, DW_WIDE_OUT);
        }
    }
    (void)q1; (void)acc; (void)acc1; (void)t; (void)u; (void)v;
#else
    const int32_t lo = g->lo, hi = g->hi;
    int32_t i, ky, kx;
    for (i = 0; i < count; ++i, q += stride_w * pitch, y += ystep) {
        uint32_t sum = (uint32_t)blk[DW_T_B];
        for (ky = 0; ky < k; ++ky) {
            for (kx = 0; kx < k; ++kx) sum += (uint32_t)(dw_blk_w(blk, ky * k + kx) * q[ky * rs + kx * pitch]);
        }
        *y = dw_blk_out((int32_t)sum, blk, lo, hi);
    }
#endif
}

/* dw_win_row serves the conv: 3x3 or 5x5, dilation_w 1, stride_w 1 or 2 */
static int dw_win_shape(const hcc_conv2d_params_t *p) {
    return p->k_h == p->k_w && (p->k_w == 3 || p->k_w == 5) && p->dilation_w == 1 &&
           (p->stride_w == 1 || p->stride_w == 2);
}

/* Channel c of hcc_dwconv2d_s8_rows over the call's rows, through its padded plane in scratch:
 * dw_win_row where it takes the channel, else the C sums and requantization. */
static void dw_plane_channel(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch, int32_t c,
                             int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, taps = p->k_h * p->k_w, row_size = p->out_w * p->out_c;
    const int32_t span = row_span(p), rs = p->dilation_h * span;
    const int fast = p->k_h == 3 && p->k_w == 3 && p->dilation_w == 1;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    const int win = dw_win_shape(p) && lo <= hi;
    uint8_t *const plane = (uint8_t *)scratch;
    uint32_t *const acc = (uint32_t *)(plane + plane_bytes(p));
    int32_t oy, i;
    {
        const int8_t *w = weights + c * taps;  /* OHWI [C, KH, KW, 1] */
        const int32_t m = mult[c], s = shift[c];
        uint32_t w_sum = 0u, b_u;
        hcc_requant_hoisted_t q = {0, 0, 0, 0, 0, 0};  /* read only when hoisted */
        int hoisted;
        int32_t blk[DW_T_W + (DW_WIN_TAPS_MAX + 1) / 2];
        if (win && dw_win_block(blk, w, taps, bias ? bias[c] : 0, m, s, p)) {
            fill_plane(p, input, row_begin * p->stride_h - p->pad_top, plane_rows(p, row_end - row_begin), c, plane);
            const dw_row_t g = dw_row_geom(rs, 1, p->k_w, p->stride_w, p->out_w, channels, lo, hi);
            for (oy = row_begin; oy < row_end; ++oy) {
                dw_win_row(plane + (oy - row_begin) * p->stride_h * span, blk, out_rows + (oy - row_begin) * row_size + c,
                           &g);
            }
            return;
        }
        hoisted = hcc_requant_hoist(&q, m, s, p->z_out, p->act_min, p->act_max, DW_HOIST_BOUND);
        for (i = 0; i < taps; ++i) w_sum += (uint32_t)(int32_t)w[i];
        b_u = (bias ? (uint32_t)bias[c] : 0u) - (uint32_t)(p->z_in + 128) * w_sum;
        fill_plane(p, input, row_begin * p->stride_h - p->pad_top, plane_rows(p, row_end - row_begin), c, plane);
        for (oy = row_begin; oy < row_end; ++oy) {
            const uint8_t *r0 = plane + (oy - row_begin) * p->stride_h * span;
            int8_t *o = out_rows + (oy - row_begin) * row_size + c;
            if (fast) {
                sums_3x3(r0, rs, w, p->stride_w, p->out_w, acc);
            } else {
                sums_any(p, r0, rs, w, acc);
            }
            for (i = 0; i < p->out_w; ++i, o += channels) {
                /* the total wraps as the spec's int32 accumulator */
                const int32_t a = (int32_t)(acc[i] + b_u);
                *o = hoisted && (uint32_t)a + DW_HOIST_BOUND <= 2u * DW_HOIST_BOUND
                         ? hcc_requant_hoisted(&q, a)
                         : hcc_requantize_s8_inline(a, m, s, p->z_out, p->act_min, p->act_max);
            }
        }
    }
}

/* ---- four channels at a time (dw_quad_rows) ----
 *
 * Per output row, the input rows it reads are copied into a stack window of four channels
 * side by side, as the NHWC input holds them: a word of four channel bytes at a time, u = x + 128
 * for the four by one xor with 0x80808080 (1.5 lx106 instructions for four bytes, where one
 * channel's plane costs 4.5 a byte), padding z_in + 128; dw_win_row then runs each channel over
 * it with a column pitch of 4. Channels in_c = 4k, a word-aligned input, a window of at most
 * DW_QUAD_BYTES. */
#define DW_QUAD_BYTES 320

/* d[i dw] = the word at s + i step, xor 0x80808080, for i < n (s word-aligned, step a multiple
 * of 4; dw 1, or 3 in dw_ring_quads' column records). Inlined, so that dw is a constant: as an
 * argument it cost two lx106 instructions a call (MobileNetV2's short rows); two words a pass
 * cost more than they saved on those rows. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void dw_quad_copy(const uint8_t *s, int32_t step, uint32_t *d, int32_t n, int32_t dw) {
#if HCC_XTENSA_KERNELS
#define DW_COPY_LOOP(DSTEP)                                                       \
    __asm__ volatile(                                                             \
        "1:\n\t"                                                                  \
        "l32i %[t], %[s], 0\n\t"                                                  \
        "xor %[t], %[t], %[k80]\n\t"                                              \
        "s32i %[t], %[d], 0\n\t"                                                  \
        "add %[s], %[s], %[step]\n\t"                                             \
        "addi %[d], %[d], " #DSTEP "\n\t"                                         \
        "bne %[d], %[end], 1b\n\t"                                                \
        : [s] "+r"(s), [d] "+r"(d), [t] "=&r"(t)                                  \
        : [end] "r"(end), [step] "r"(step), [k80] "r"(k80)                        \
        : "memory")
    if (n > 0) {
        const uint32_t *const end = d + n * dw, k80 = 0x80808080u;
        uint32_t t;
        if (dw == 1) {
            DW_COPY_LOOP(4);
        } else {  /* the ring's records: two words a pass (5 instructions a word), the odd one first */
            uint32_t t2;
            __asm__ volatile(
                "bbci %[n], 0, 2f\n\t"
                "l32i %[t], %[s], 0\n\t"
                "xor %[t], %[t], %[k80]\n\t"
                "s32i %[t], %[d], 0\n\t"
                "add %[s], %[s], %[step]\n\t"
                "addi %[d], %[d], 12\n\t"
                "beq %[d], %[end], 3f\n\t"
                "2:\n\t"
                "l32i %[t], %[s], 0\n\t"
                "add %[s], %[s], %[step]\n\t"
                "l32i %[t2], %[s], 0\n\t"
                "add %[s], %[s], %[step]\n\t"
                "xor %[t], %[t], %[k80]\n\t"
                "xor %[t2], %[t2], %[k80]\n\t"
                "s32i %[t], %[d], 0\n\t"
                "s32i %[t2], %[d], 12\n\t"
                "addi %[d], %[d], 24\n\t"
                "bne %[d], %[end], 2b\n\t"
                "3:\n\t"
                : [s] "+r"(s), [d] "+r"(d), [t] "=&r"(t), [t2] "=&r"(t2)
                : [end] "r"(end), [step] "r"(step), [k80] "r"(k80), [n] "r"(n)
                : "memory");
        }
    }
#undef DW_COPY_LOOP
#else
    int32_t i;
    for (i = 0; i < n; ++i, s += step) {
        uint32_t v;
        memcpy(&v, s, 4);
        d[i * dw] = v ^ 0x80808080u;
    }
#endif
}

static int dw_quad_fits(const hcc_conv2d_params_t *p, const int8_t *input) {
    const int32_t rows = (p->k_h - 1) * p->dilation_h + 1;
    return dw_win_shape(p) && (p->in_c & 3) == 0 && ((uintptr_t)input & 3u) == 0 &&
           4 * row_span(p) * rows <= DW_QUAD_BYTES;
}

/* Channels c .. c + 3 of hcc_dwconv2d_s8_rows (dw_quad_fits). Returns the channels dw_win_block
 * refuses (bit q: channel c + q), which the caller runs through dw_plane_channel (after this
 * frame is gone: the stack holds one of the two). */
static int dw_quad_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                        const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t c, int32_t row_begin,
                        int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, taps = p->k_h * p->k_w, row_size = p->out_w * p->out_c;
    const int32_t span = row_span(p), rows = (p->k_h - 1) * p->dilation_h + 1;
    const int32_t first = p->pad_left < span ? p->pad_left : span;  /* columns before the input */
    const int32_t past = p->pad_left + p->in_w < span ? p->pad_left + p->in_w : span;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    const uint32_t zz = (uint32_t)(uint8_t)(p->z_in + 128) * 0x01010101u;
    const dw_row_t g = dw_row_geom(4 * span * p->dilation_h, 4, p->k_w, p->stride_w, p->out_w, channels, lo, hi);
    uint32_t win[DW_QUAD_BYTES / 4];
    int32_t blk[DW_T_W + (DW_WIN_TAPS_MAX + 1) / 2];
    int32_t oy, r, j, q;
    int refused = lo > hi ? 15 : 0;  /* bit q: channel c + q left to dw_plane_channel */
    for (oy = row_begin; oy < row_end && refused != 15; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        for (r = 0; r < rows; ++r) {
            const int32_t iy = iy0 + r;
            uint32_t *const d = win + r * span;
            if (iy < 0 || iy >= p->in_h || past <= first) {
                for (j = 0; j < span; ++j) d[j] = zz;
                continue;
            }
            for (j = 0; j < first; ++j) d[j] = zz;
            dw_quad_copy((const uint8_t *)input + (iy * p->in_w + (first - p->pad_left)) * p->in_c + c, p->in_c,
                         d + first, past - first, 1);
            for (j = past; j < span; ++j) d[j] = zz;
        }
        for (q = 0; q < 4; ++q) {
            if ((refused >> q) & 1) continue;
            if (!dw_win_block(blk, weights + (c + q) * taps, taps, bias ? bias[c + q] : 0, mult[c + q], shift[c + q],
                              p)) {
                refused |= 1 << q;
                continue;
            }
            dw_win_row((const uint8_t *)win + q, blk, out_rows + (oy - row_begin) * row_size + c + q, &g);
        }
    }
    return refused;
}

void hcc_dwconv2d_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                          int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    int32_t c = 0;
    if (row_end <= row_begin) return;
#if !HCC_XTENSA_KERNELS
    if (hcc_host_dwconv_rows(p, input, weights, bias, mult, shift, 0, row_begin, row_end, out_rows)) return;
#endif
    if (dw_quad_fits(p, input)) {
        for (; c + 4 <= p->out_c; c += 4) {
            const int refused = dw_quad_rows(p, input, weights, bias, mult, shift, c, row_begin, row_end, out_rows);
            int32_t q;
            for (q = 0; q < 4; ++q) {
                if ((refused >> q) & 1) {
                    dw_plane_channel(p, input, weights, bias, mult, shift, scratch, c + q, row_begin, row_end, out_rows);
                }
            }
        }
    }
    for (; c < p->out_c; ++c) {
        dw_plane_channel(p, input, weights, bias, mult, shift, scratch, c, row_begin, row_end, out_rows);
    }
}

/* ---- without scratch (hcc_dwconv2d_s8_direct_rows) ----
 *
 * The same sums read straight from the NHWC input (byte c of every pixel, in_c apart), so a
 * conv whose padded plane would raise the arena (the pass conv-scratch) still avoids the
 * generic per-tap loop. Channel by channel over the call's rows, so that the channel's
 * weights and requantization terms are set up once per call. Per output row the kernel rows
 * on the input [ky0, ky1) are found once, per border pixel its columns on the input
 * [kx0, kx1), and it sums w (x - z_in) over those taps alone (no padding terms to add up),
 * so no tap is bounds-checked; an inner pixel sums w u, its constant term holding
 * -(z_in + 128) sum w. An interior pixel (every tap on the input) of a 3x3
 * kernel with dilation_w 1 is one asm block on Xtensa (5 instructions a tap: load, xor 0x80,
 * the weight from a stack copy, multiply, add). Each output is requantized as it is computed
 * (the hoisted terms where they apply). */

/* u = x + 128 of the input byte at s. On Xtensa the xor in asm: GCC zero-extends a xor'ed
 * byte again (extui), one instruction more per tap. */
static inline int32_t dw_u(const int8_t *s) {
    uint32_t v = *(const uint8_t *)s;
#if HCC_XTENSA_KERNELS
    __asm__("xor %0, %0, %1" : "+r"(v) : "r"(0x80u));
#else
    v ^= 0x80u;
#endif
    return (int32_t)v;
}

#if HCC_XTENSA_KERNELS
/* acc (+)= w9[k] u at %[q], then %[q] += step */
#define DW_TAP(k, first, step)                                                    \
    "l8ui %[t], %[q], 0\n\t"                                                      \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "l32i %[u], %[wp], 4*" #k "\n\t"                                              \
    first                                                                         \
    "add %[q], %[q], %[" #step "]\n\t"
#define DW_FIRST "mull %[acc], %[t], %[u]\n\t"
#define DW_NEXT "mull %[t], %[t], %[u]\n\t" "add %[acc], %[acc], %[t]\n\t"
#endif

/* sum w u over a 3x3 pixel whose first tap is at r (columns cs apart, rows tr apart; w9: the
 * nine weights as int32). */
static inline uint32_t dw_sum_3x3(const int8_t *r, int32_t cs, int32_t tr, const int32_t *w9) {
#if HCC_XTENSA_KERNELS
    const int32_t tr2 = tr - 2 * cs;
    const int8_t *q = r;
    uint32_t acc, t, u;
    __asm__ volatile(
        DW_TAP(0, DW_FIRST, cs) DW_TAP(1, DW_NEXT, cs) DW_TAP(2, DW_NEXT, tr2)
        DW_TAP(3, DW_NEXT, cs) DW_TAP(4, DW_NEXT, cs) DW_TAP(5, DW_NEXT, tr2)
        DW_TAP(6, DW_NEXT, cs) DW_TAP(7, DW_NEXT, cs)
        "l8ui %[t], %[q], 0\n\t"
        "xor %[t], %[t], %[c80]\n\t"
        "l32i %[u], %[wp], 32\n\t"
        "mull %[t], %[t], %[u]\n\t"
        "add %[acc], %[acc], %[t]\n\t"
        : [acc] "=&r"(acc), [t] "=&r"(t), [u] "=&r"(u), [q] "+r"(q)
        : [wp] "r"(w9), [cs] "r"(cs), [tr2] "r"(tr2), [c80] "r"(0x80u)
        : "memory");
    return acc;
#else
    const int8_t *r1 = r + tr, *r2 = r1 + tr;
    /* |each product| < 2^15: every partial sum is exact in int32 */
    return (uint32_t)(w9[0] * dw_u(r) + w9[1] * dw_u(r + cs) + w9[2] * dw_u(r + 2 * cs) + w9[3] * dw_u(r1) +
                      w9[4] * dw_u(r1 + cs) + w9[5] * dw_u(r1 + 2 * cs) + w9[6] * dw_u(r2) + w9[7] * dw_u(r2 + cs) +
                      w9[8] * dw_u(r2 + 2 * cs));
#endif
}

/* sum w (u - zu) over taps [ky0, ky1) x [kx0, kx1) of the pixel whose tap (ky0, kx0) is at r:
 * with zu = z_in + 128 the spec's sum w (x - z_in) over the taps on the input (a border
 * pixel, the taps off the input left out), with zu = 0 the sum w u (an inner pixel, whose
 * constant term holds - (z_in + 128) sum w). */
static inline uint32_t dw_sum_taps(const int8_t *r, int32_t tc, int32_t tr, const int8_t *w, int32_t kw, int32_t ky0,
                                   int32_t ky1, int32_t kx0, int32_t kx1, int32_t zu) {
    uint32_t sum = 0u;
    int32_t ky, kx;
    for (ky = ky0; ky < ky1; ++ky, r += tr) {
        const int8_t *t = r, *wk = w + ky * kw;
        /* |each product| <= 128 * 255: exact in int32, the sum wraps as the spec's */
        for (kx = kx0; kx < kx1; ++kx, t += tc) sum += (uint32_t)(wk[kx] * (dw_u(t) - zu));
    }
    return sum;
}

/* The output of a sum (b: the pixel's constant term): the channel's terms from its words
 * (hoisted: acc in [-2^15, 2^15), hcc_requant_word_s8's two-multiply form), else
 * hcc_requantize_s8_inline with the m and s the words hold. */
static inline int8_t dw_requant(uint32_t sum, uint32_t b, int hoisted, const hcc_requant_hoisted_t *q, int32_t m,
                                int32_t s, const hcc_conv2d_params_t *p) {
    const int32_t a = (int32_t)(sum + b);  /* wraps as the spec's int32 accumulator */
    return hoisted && (uint32_t)a + 0x8000u < 0x10000u
               ? hcc_requant_hoisted(q, a)
               : hcc_requantize_s8_inline(a, m, s, p->z_out, p->act_min, p->act_max);
}

/* Rows of at most 62 columns (DS-CNN's 5: two of them border pixels, each through dw_sum_taps' loops)
 * of a 3x3 kernel with dilation_w 1: per channel and output row its three input rows are
 * copied into a stack window of HCC_DW_NARROW bytes a row as u = x + 128, the columns off the
 * input and the rows off it as z_in + 128 (which the inner pixels' constant term takes back:
 * such a tap adds w (z_in - z_in) = 0 as in the spec), then every pixel is an inner one
 * (dw_win_sum over the window), requantized from the words (hcc_requant_word_s8). */
#define HCC_DW_NARROW 64  /* dw_win_sum's offsets assume it */
/* Rows narrower than this keep the pixel-by-pixel loop where copied one channel at a time (in_c
 * not a multiple of 4; dw_narrow_quads takes the others): there the window loop's per-channel
 * set-up (dw_win_block) and dw_copy_u cost more than its pixels saved (DS-CNN's 5-column rows,
 * +1.7% lx106 instructions on the model) */
#define DW_WIN_MIN_W 6

#if HCC_XTENSA_KERNELS
/* acc (+)= w9[k] u of window byte off */
#define DW_WIN_TAP(k, off, first)                                                 \
    "l8ui %[t], %[q], " #off "\n\t"                                               \
    "l32i %[u], %[wp], 4*" #k "\n\t"                                              \
    first
#endif

/* sum w u over the 3x3 taps at r of a window of u = x + 128 bytes, HCC_DW_NARROW a row (offsets
 * as immediates: 4 lx106 instructions a tap, dw_sum_3x3's 6) */
static inline uint32_t dw_win_sum(const uint8_t *r, const int32_t *w9) {
#if HCC_XTENSA_KERNELS
    uint32_t acc, t, u;
    __asm__ volatile(
        DW_WIN_TAP(0, 0, DW_FIRST) DW_WIN_TAP(1, 1, DW_NEXT) DW_WIN_TAP(2, 2, DW_NEXT)
        DW_WIN_TAP(3, 64, DW_NEXT) DW_WIN_TAP(4, 65, DW_NEXT) DW_WIN_TAP(5, 66, DW_NEXT)
        DW_WIN_TAP(6, 128, DW_NEXT) DW_WIN_TAP(7, 129, DW_NEXT) DW_WIN_TAP(8, 130, DW_NEXT)
        : [acc] "=&r"(acc), [t] "=&r"(t), [u] "=&r"(u)
        : [q] "r"(r), [wp] "r"(w9)
        : "memory");
    return acc;
#else
    const uint8_t *r1 = r + HCC_DW_NARROW, *r2 = r1 + HCC_DW_NARROW;
    return (uint32_t)(w9[0] * r[0] + w9[1] * r[1] + w9[2] * r[2] + w9[3] * r1[0] + w9[4] * r1[1] + w9[5] * r1[2] +
                      w9[6] * r2[0] + w9[7] * r2[1] + w9[8] * r2[2]);
#endif
}

/* The columns of a narrow row's window (span, padding included) and [j0, j1), those on the
 * input: window column j is input column j - pad_left. */
static int32_t narrow_columns(const hcc_conv2d_params_t *p, int32_t *j0, int32_t *j1) {
    const int32_t span = (p->out_w - 1) * p->stride_w + 3;
    *j0 = p->pad_left < span ? p->pad_left : span;
    *j1 = p->pad_left + p->in_w < span ? p->pad_left + p->in_w : span;
    return span;
}

/* Four channels a window (dw_narrow_quads): in_c a multiple of 4, a word-aligned input, the
 * output clamp not empty. Per output row and four channels its three input rows are copied into
 * a stack window as the NHWC input holds them, a word (four channel bytes) at a time, u = x + 128
 * by one xor (dw_quad_copy: 1.5 lx106 instructions for four bytes, where dw_copy_u costs 4.5 a
 * byte and GCC's loop 6), the columns and rows off the input as z_in + 128; then dw_win_row runs
 * each channel over it at a column pitch of 4 (sums and requantization in one asm loop), on rows
 * of any width: with the copy four channels at once its per-channel set-up (dw_win_block) costs
 * less than the pixel loop's dw_win_sum and hcc_requant_word_s8 (DS-CNN's 5-column rows: 700 ->
 * ~400 instructions a channel row). A channel dw_win_block refuses takes C sums over the same
 * window. At most DW_NARROW_QUAD words a window row (mini-Xception's 44-column rows: 46), 576
 * bytes of stack in all; wider rows copy one channel at a time. */
#define DW_NARROW_QUAD 48

static int dw_narrow_quads_fit(const hcc_conv2d_params_t *p, const int8_t *input) {
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    return (p->in_c & 3) == 0 && ((uintptr_t)input & 3u) == 0 && lo <= hi && p->stride_w <= 2 &&
           (p->out_w - 1) * p->stride_w + 3 <= DW_NARROW_QUAD;
}

HCC_OUT_OF_LINE void dw_narrow_quads(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                            int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, cs = p->in_c, sw = p->stride_w, row_size = p->out_w * p->out_c;
    int32_t j0, j1;
    const int32_t span = narrow_columns(p, &j0, &j1), zu = p->z_in + 128;
    const uint32_t zz = (uint32_t)(uint8_t)zu * 0x01010101u;  /* z_in as u, four channels */
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    /* HCC_WEIGHTS_DW_BLOCKS: every channel's block, after the biases */
    const int32_t *const blocks = p->weight_pairs == HCC_WEIGHTS_DW_BLOCKS ? bias + channels : NULL;
    const dw_row_t g = dw_row_geom(4 * span, 4, 3, sw, p->out_w, channels, lo, hi);
    const int32_t tap_rows = p->dilation_h * p->in_w * cs;  /* bytes between the kernel rows on the input */
    uint32_t win[3 * DW_NARROW_QUAD];
    int32_t blk[DW_BLK_WORDS];
    int32_t oy, ox, c, q, ky, kx, j;
    /* the columns off the input, the same in every window row: written once a call */
    for (j = 0; j < 3 * span; ++j) win[j] = zz;
    for (c = 0; c < channels; c += 4) {
        for (oy = row_begin; oy < row_end; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int8_t *const y = out_rows + (oy - row_begin) * row_size + c;
            /* window column j is input column j - pad_left: [j0, j1) on the input */
            int32_t at = (iy0 * p->in_w + j0 - p->pad_left) * cs + c;  /* an offset: iy0 may be above the input */
            for (ky = 0; ky < 3; ++ky, at += tap_rows) {
                const int32_t iy = iy0 + ky * p->dilation_h;
                uint32_t *const d = win + ky * span;
                if (iy < 0 || iy >= p->in_h) {
                    for (j = j0; j < j1; ++j) d[j] = zz;
                } else if (j1 > j0) {
                    dw_quad_copy((const uint8_t *)input + at, cs, d + j0, j1 - j0, 1);
                }
            }
            if (blocks != NULL) {  /* the compiler's blocks: no set-up */
                const int32_t *blk_c = blocks + c * DW_BLK_WORDS;
                for (q = 0; q < 4; ++q, blk_c += DW_BLK_WORDS) dw_win_row((const uint8_t *)win + q, blk_c, y + q, &g);
                continue;
            }
            for (q = 0; q < 4; ++q) {
                const int8_t *const w = weights + (c + q) * 9;
                const int32_t wm = mult[c + q], ws = shift[c + q], b = bias ? bias[c + q] : 0;
                const uint8_t *const u = (const uint8_t *)win + q;
                uint32_t w_sum = 0u;
                if (dw_win_block(blk, w, 9, b, hcc_word_m(wm, ws), hcc_word_s(ws), p)) {
                    dw_win_row(u, blk, y + q, &g);
                    continue;
                }
                for (j = 0; j < 9; ++j) w_sum += (uint32_t)(int32_t)w[j];
                for (ox = 0; ox < p->out_w; ++ox) {  /* a refused channel: C, sum w u + b - (z_in + 128) sum w */
                    uint32_t sum = (uint32_t)b - (uint32_t)zu * w_sum;
                    for (ky = 0; ky < 3; ++ky) {
                        for (kx = 0; kx < 3; ++kx) sum += (uint32_t)(w[3 * ky + kx] * u[4 * (ky * span + ox * sw + kx)]);
                    }
                    y[q + ox * channels] = hcc_requant_word_s8((int32_t)sum, wm, ws, p->z_out, lo, hi, p->act_min,
                                                               p->act_max);
                }
            }
        }
    }
}

/* Stride 1 on the compiler's blocks (dw_ring_quads, HCC_WEIGHTS_DW_BLOCKS, dilation_h 1 or 2):
 * dw_narrow_quads' window, but each column one 12-byte record of its three window rows (slot r:
 * the word of four channel bytes at 4 r), so that the nine taps of two outputs lie at immediate
 * offsets of one pointer, and the rows held as a ring: an input row goes to slot iy mod 3 once
 * and stays while the next output rows read it (one row copied an output row instead of three);
 * the kernel rows are matched to the slots by passing their weights in the slots' order. Per
 * channel and output row, dw_ring_sums keeps eight of the nine weights in registers and loads
 * each window byte once for the two outputs that read it (4 loads, 6 `mull`, 6 adds a kernel row
 * and pair: ~27 lx106 instructions an output, the first row's products starting the sums where
 * b_u is 0), into an int32 row; dw_ring_requant then requantizes the row with the channel's
 * terms in registers (the near form, two outputs a pass: 12 an output; else the three-multiply
 * form, exact for |acc| < 2^20 as dw_win_block proved: 19). An odd count computes one more sum
 * off the last column's neighbour (the window's extra column), never requantized. */
#define DW_RING_COLS (DW_NARROW_QUAD + 1)
/* Narrower rows keep dw_narrow_quads: the two passes' per-channel set-up (~60 lx106 instructions
 * a channel row) outweighs the ~8 an output saved (mini-Xception's 11 columns +0.5%, 6 columns
 * +4%; 22 and 44 columns -7% and -11%) */
#define DW_RING_MIN_W 12
#define DW_RING_NONE (-2)  /* a slot that holds no row yet */
#define DW_RING_PAD (-1)   /* a slot of padding (z_in + 128): every row off the input */

#if HCC_XTENSA_KERNELS
/* a0 (output x) and a1 (output x + 1) += the kernel row (WX, WY, WZ) over slot OFF's bytes of
 * columns x .. x + 3 (q: column x's record), each byte loaded once */
#define DW_RING_ROW(OFF, WX, WY, WZ) DW_RING_ROW_F(OFF, WX, WY, WZ, DW_RING_ADD(a0, WX), DW_RING_ADD(a1, WX))
/* the same for the first kernel row of sums that start at 0: its products start a0 and a1 */
#define DW_RING_ROW0(OFF, WX, WY, WZ) DW_RING_ROW_F(OFF, WX, WY, WZ, DW_RING_SET(a0, WX), DW_RING_SET(a1, WX))
/* %[a] += %[t] times weight W, or %[a] = it */
#define DW_RING_ADD(a, W) "mull %[t], %[t], %[" #W "]\n\t" "add %[" #a "], %[" #a "], %[t]\n\t"
#define DW_RING_SET(a, W) "mull %[" #a "], %[t], %[" #W "]\n\t"
#define DW_RING_ROW_F(OFF, WX, WY, WZ, F0, F1)                                    \
    "l8ui %[t], %[q], " #OFF "\n\t"                                               \
    F0                                                                            \
    "l8ui %[t], %[q], " #OFF "+12\n\t"                                            \
    "mull %[u], %[t], %[" #WY "]\n\t"                                             \
    "add %[a0], %[a0], %[u]\n\t"                                                  \
    F1                                                                            \
    "l8ui %[t], %[q], " #OFF "+24\n\t"                                            \
    WZ("u")                                                                       \
    "add %[a0], %[a0], %[u]\n\t"                                                  \
    "mull %[t], %[t], %[" #WY "]\n\t"                                             \
    "add %[a1], %[a1], %[t]\n\t"                                                  \
    "l8ui %[t], %[q], " #OFF "+36\n\t"                                            \
    WZ("t")                                                                       \
    "add %[a1], %[a1], %[t]\n\t"
/* %[d] = %[t] times the row's third weight: in a register (rows 0 and 1), from memory (row 2:
 * the fourteen registers are taken) */
#define DW_RING_Z0(d) "mull %[" d "], %[t], %[k2]\n\t"
#define DW_RING_Z1(d) "mull %[" d "], %[t], %[k5]\n\t"
#define DW_RING_Z2(d) "l32i %[u], %[k8]\n\t" "mull %[" d "], %[t], %[u]\n\t"
#endif

/* sums[i] = b_u (block word DW_T_B) + sum over the slots r of kernel row wo[r] / 3's weights . (slot r's bytes of
 * columns i .. i + 2), for i < 2 pairs (pairs >= 1): column i's record at q + 12 i, block blk. */
HCC_OUT_OF_LINE void dw_ring_sums(const uint8_t *q, const int32_t *blk, const int32_t *wo, int32_t *sums,
                                  int32_t pairs) {
#if HCC_XTENSA_KERNELS
    int32_t *volatile end = sums + 2 * pairs;
    volatile int32_t bm = blk[DW_T_B], k8 = dw_blk_w(blk, wo[2] + 2);
    const int32_t k0 = dw_blk_w(blk, wo[0]), k1 = dw_blk_w(blk, wo[0] + 1), k2 = dw_blk_w(blk, wo[0] + 2);
    const int32_t k3 = dw_blk_w(blk, wo[1]), k4 = dw_blk_w(blk, wo[1] + 1), k5 = dw_blk_w(blk, wo[1] + 2);
    const int32_t k6 = dw_blk_w(blk, wo[2]), k7 = dw_blk_w(blk, wo[2] + 1);
    uint32_t a0, a1, t, u;
#define DW_RING_LOOP(START, ROW0)                                                 \
    __asm__ volatile(                                                             \
        "1:\n\t"                                                                  \
        START                                                                     \
        ROW0(0, k0, k1, DW_RING_Z0)                                               \
        DW_RING_ROW(4, k3, k4, DW_RING_Z1)                                        \
        DW_RING_ROW(8, k6, k7, DW_RING_Z2)                                        \
        "s32i %[a0], %[s], 0\n\t"                                                 \
        "s32i %[a1], %[s], 4\n\t"                                                 \
        "addi %[s], %[s], 8\n\t"                                                  \
        "addi %[q], %[q], 24\n\t"                                                 \
        "l32i %[t], %[endm]\n\t"                                                  \
        "bne %[s], %[t], 1b\n\t"                                                  \
        : [q] "+r"(q), [s] "+r"(sums), [a0] "=&r"(a0), [a1] "=&r"(a1), [t] "=&r"(t), [u] "=&r"(u) \
        : [k0] "r"(k0), [k1] "r"(k1), [k2] "r"(k2), [k3] "r"(k3), [k4] "r"(k4), [k5] "r"(k5), [k6] "r"(k6), \
          [k7] "r"(k7), [k8] "m"(k8), [bm] "m"(bm), [endm] "m"(end)              \
        : "memory")
    /* b_u 0 (the near form's blocks hold it in their terms): the first kernel row's products
     * start the sums, 2 lx106 instructions an output fewer */
    if (blk[DW_T_B] == 0) DW_RING_LOOP("", DW_RING_ROW0);
    else DW_RING_LOOP("l32i %[a0], %[bm]\n\t" "mov %[a1], %[a0]\n\t", DW_RING_ROW);
#undef DW_RING_LOOP
#else
    int32_t i, r, k;
    for (i = 0; i < 2 * pairs; ++i) {
        uint32_t a = (uint32_t)blk[DW_T_B];
        for (r = 0; r < 3; ++r) {
            for (k = 0; k < 3; ++k) a += (uint32_t)(dw_blk_w(blk, wo[r] + k) * q[12 * (i + k) + 4 * r]);
        }
        sums[i] = (int32_t)a;
    }
#endif
}

#if HCC_XTENSA_KERNELS
/* y = the near form of the sum at s + OFF (dw_ring_requant: its terms in registers); y += ystep */
#define DW_RING_NEAR(OFF)                                                         \
    "l32i %[a], %[s], " #OFF "\n\t"                                               \
    DW_CLAMP(a, a1, a2)                                                           \
    "mull %[u], %[a], %[nl]\n\t"                                                  \
    "srai %[u], %[u], 14\n\t"                                                     \
    "mull %[a], %[a], %[mh]\n\t"                                                  \
    "add %[a], %[a], %[u]\n\t"                                                    \
    "add %[a], %[a], %[c]\n\t"                                                    \
    "sra %[a], %[a]\n\t"                                                          \
    DW_STORE(a)
#endif

/* y[i ystep] = the requantized sums[i] (block blk's terms: dw_blk_out), clamped to [lo, hi], i < count */
HCC_OUT_OF_LINE void dw_ring_requant(const int32_t *sums, const int32_t *blk, int8_t *y, int32_t count, int32_t ystep,
                                     int32_t lo, int32_t hi) {
#if HCC_XTENSA_KERNELS
    const int32_t *const end = sums + count;
    const int32_t ml = blk[DW_T_ML], mm = blk[DW_T_MM], mh = blk[DW_T_MH], c = blk[DW_T_C], sh = blk[DW_T_SH];
    int32_t a, t, u;
    if (sh & DW_NEAR_FLAG) {  /* acc clamped to [a1, a2] = [ml, mm], two multiplies: 12 an output */
        const int32_t nl = dw_blk_w(blk, DW_NEAR_ML);
        const int32_t *const end2 = sums + (count & ~(int32_t)1);
        /* two outputs a pass (not three: a sum past count would store past the row) */
        __asm__ volatile(
            "ssr %[sh]\n\t"
            "beq %[s], %[end2], 2f\n\t"
            "1:\n\t"
            DW_RING_NEAR(0)
            DW_RING_NEAR(4)
            "addi %[s], %[s], 8\n\t"
            "bne %[s], %[end2], 1b\n\t"
            "2:\n\t"
            "beq %[s], %[end], 3f\n\t"
            DW_RING_NEAR(0)
            "3:\n\t"
            : [s] "+r"(sums), [y] "+r"(y), [a] "=&r"(a), [u] "=&r"(u)
            : [nl] "r"(nl), [a1] "r"(ml), [a2] "r"(mm), [mh] "r"(mh), [c] "r"(c), [sh] "r"(sh), [ystep] "r"(ystep),
              [end] "r"(end), [end2] "r"(end2)
            : "memory");
        (void)t; (void)lo; (void)hi;
        return;
    }
    __asm__ volatile(
        "ssr %[sh]\n\t"
        "1:\n\t"
        "l32i %[a], %[s], 0\n\t"
        "mull %[u], %[a], %[ml]\n\t"
        "srai %[u], %[u], 10\n\t"
        "mull %[t], %[a], %[mm]\n\t"
        "add %[t], %[t], %[u]\n\t"
        "srai %[t], %[t], 11\n\t"
        "mull %[a], %[a], %[mh]\n\t"
        "add %[a], %[a], %[t]\n\t"
        "add %[a], %[a], %[c]\n\t"
        "sra %[a], %[a]\n\t"
        "bge %[a], %[lo], 8f\n\t"
        "mov %[a], %[lo]\n\t"
        "8:\n\t"
        "bge %[hi], %[a], 9f\n\t"
        "mov %[a], %[hi]\n\t"
        "9:\n\t"
        "s8i %[a], %[y], 0\n\t"
        "add %[y], %[y], %[ystep]\n\t"
        "addi %[s], %[s], 4\n\t"
        "bne %[s], %[end], 1b\n\t"
        : [s] "+r"(sums), [y] "+r"(y), [a] "=&r"(a), [t] "=&r"(t), [u] "=&r"(u)
        : [ml] "r"(ml), [mm] "r"(mm), [mh] "r"(mh), [c] "r"(c), [sh] "r"(sh), [lo] "r"(lo), [hi] "r"(hi),
          [ystep] "r"(ystep), [end] "r"(end)
        : "memory");
#else
    int32_t i;
    for (i = 0; i < count; ++i, y += ystep) *y = dw_blk_out(sums[i], blk, lo, hi);
#endif
}

/* The four channels of an output row over the ring window win (channel q's bytes at win + q),
 * the blocks at blk, slot r's kernel row's weights from weight wo[r] on (g: count, ystep, lo,
 * hi). One call for the four: a call a channel cost ~25 lx106 instructions more. */
HCC_OUT_OF_LINE void dw_ring_channels(const uint8_t *win, const int32_t *blk, const int32_t *wo, int8_t *y,
                                      const dw_row_t *g) {
    int32_t sums[DW_RING_COLS];
    int32_t q;
    for (q = 0; q < 4; ++q, blk += DW_BLK_WORDS) {
        dw_ring_sums(win + q, blk, wo, sums, (g->count + 1) >> 1);
        dw_ring_requant(sums, blk, y + q, g->count, g->ystep, g->lo, g->hi);
    }
}

/* a mod 3 for any a, no division (the lx106 has none) */
static int32_t dw_mod3(int32_t a) {
    while (a < 0) a += 3 << 10;
    while (a >= 3 << 10) a -= 3 << 10;
    while (a >= 48) a -= 48;
    while (a >= 3) a -= 3;
    return a;
}

/* dw_narrow_quads' convs with stride_w 1, dilation_h 1 or 2 and the compiler's blocks (every
 * channel's, after the biases), through the ring window (above). */
HCC_OUT_OF_LINE void dw_ring_quads(const hcc_conv2d_params_t *p, const int8_t *input, const int32_t *blocks,
                                   int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, cs = p->in_c, row_size = p->out_w * channels;
    const int32_t dil = p->dilation_h, d3 = dw_mod3(dil), s3 = dw_mod3(p->stride_h);
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    const uint32_t zz = (uint32_t)(uint8_t)(p->z_in + 128) * 0x01010101u;  /* z_in as u, four channels */
    const dw_row_t g = dw_row_geom(12, 12, 3, 1, p->out_w, channels, lo, hi);
    int32_t j0, j1;
    const int32_t span = narrow_columns(p, &j0, &j1);
    uint32_t win[3 * DW_RING_COLS];
    int32_t held[3], wo[3];  /* per slot: the input row it holds, its kernel row's first weight */
    int32_t oy, c, ky, j;
    /* the columns off the input (and the odd count's extra one) stay z_in + 128 */
    for (j = 0; j < 3 * j0; ++j) win[j] = zz;
    for (j = 3 * j1; j < 3 * (span + 1); ++j) win[j] = zz;
    for (c = 0; c < channels; c += 4) {
        int32_t slot0 = dw_mod3(row_begin * p->stride_h - p->pad_top);  /* iy0's slot */
        held[0] = held[1] = held[2] = DW_RING_NONE;
        for (oy = row_begin; oy < row_end; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int8_t *const y = out_rows + (oy - row_begin) * row_size + c;
            int32_t slot = slot0;
            for (ky = 0; ky < 3; ++ky) {
                const int32_t iy = iy0 + ky * dil, tag = iy < 0 || iy >= p->in_h ? DW_RING_PAD : iy;
                wo[slot] = 3 * ky;
                if (held[slot] != tag) {
                    held[slot] = tag;
                    if (tag != DW_RING_PAD) {
                        if (j1 > j0) {
                            dw_quad_copy((const uint8_t *)input + (iy * p->in_w + j0 - p->pad_left) * cs + c, cs,
                                         win + 3 * j0 + slot, j1 - j0, 3);
                        }
                    } else {
                        for (j = j0; j < j1; ++j) win[3 * j + slot] = zz;
                    }
                }
                slot += d3;
                if (slot >= 3) slot -= 3;
            }
            dw_ring_channels((const uint8_t *)win, blocks + c * DW_BLK_WORDS, wo, y, &g);
            slot0 += s3;
            if (slot0 >= 3) slot0 -= 3;
        }
    }
}

static void dw_narrow_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                           const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                           int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, cs = p->in_c, sw = p->stride_w, row_size = p->out_w * p->out_c;
    int32_t j0, j1;
    const int32_t span = narrow_columns(p, &j0, &j1), zu = p->z_in + 128;
    const uint8_t zb = (uint8_t)zu;  /* z_in as u */
    uint8_t win[3 * HCC_DW_NARROW];
    int32_t oy, ox, c, ky, j;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    const dw_row_t g = dw_row_geom(HCC_DW_NARROW, 1, 3, sw, p->out_w, channels, lo, hi);
    if (dw_narrow_quads_fit(p, input)) {
        if (sw == 1 && p->out_w >= DW_RING_MIN_W && (p->dilation_h == 1 || p->dilation_h == 2) &&
            p->weight_pairs == HCC_WEIGHTS_DW_BLOCKS) {
            dw_ring_quads(p, input, bias + channels, row_begin, row_end, out_rows);
        } else {
            dw_narrow_quads(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows);
        }
        return;
    }
    for (c = 0; c < channels; ++c) {
        const int8_t *w = weights + c * 9;
        const int32_t wm = mult[c], ws = shift[c];  /* the words (blocked_requant_words) */
        int32_t w9[9], blk[DW_BLK_WORDS];
        uint32_t b_u = 0u;
        const int whole_rows = sw <= 2 && p->out_w >= DW_WIN_MIN_W && lo <= hi && dw_win_block(blk, w, 9, bias ? bias[c] : 0, hcc_word_m(wm, ws),
                                                        hcc_word_s(ws), p);
        if (!whole_rows) {
            w9[0] = w[0]; w9[1] = w[1]; w9[2] = w[2]; w9[3] = w[3]; w9[4] = w[4];
            w9[5] = w[5]; w9[6] = w[6]; w9[7] = w[7]; w9[8] = w[8];
            b_u = (bias ? (uint32_t)bias[c] : 0u) -
                  (uint32_t)zu * (uint32_t)(w9[0] + w9[1] + w9[2] + w9[3] + w9[4] + w9[5] + w9[6] + w9[7] + w9[8]);
        }
        for (oy = row_begin; oy < row_end; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int8_t *y = out_rows + (oy - row_begin) * row_size + c;
            const uint8_t *r = win;
            for (ky = 0; ky < 3; ++ky) {
                const int32_t iy = iy0 + ky * p->dilation_h;
                uint8_t *const d = win + ky * HCC_DW_NARROW;
                if (iy < 0 || iy >= p->in_h) {
                    for (j = 0; j < span; ++j) d[j] = zb;
                } else {  /* window column j is input column j - pad_left: [j0, j1) on the input */
                    const uint8_t *src = (const uint8_t *)input + (iy * p->in_w + j0 - p->pad_left) * cs + c;
                    for (j = 0; j < j0; ++j) d[j] = zb;
                    if (whole_rows) {
                        dw_copy_u(src, cs, d + j0, j1 - j0);
                    } else {  /* short rows (DS-CNN's 5 columns): GCC's loop, no call */
                        for (j = j0; j < j1; ++j, src += cs) d[j] = (uint8_t)(*src ^ 0x80u);
                    }
                    for (j = j1; j < span; ++j) d[j] = zb;
                }
            }
            if (whole_rows) {
                dw_win_row(win, blk, y, &g);
                continue;
            }
            for (ox = 0; ox < p->out_w; ++ox, r += sw, y += channels) {
                *y = hcc_requant_word_s8((int32_t)(dw_win_sum(r, w9) + b_u), wm, ws, p->z_out, lo, hi,
                                         p->act_min, p->act_max);
            }
        }
    }
}

void hcc_dwconv2d_s8_direct_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                                 int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, cs = p->in_c, kh = p->k_h, kw = p->k_w, taps = kh * kw;
    const int32_t row_size = p->out_w * p->out_c, span_w = (kw - 1) * p->dilation_w + 1;
    const int32_t step = p->stride_w * cs, tr = p->dilation_h * p->in_w * cs, tc = p->dilation_w * cs;
    const int fast = kh == 3 && kw == 3 && p->dilation_w == 1;
    const int32_t zu = p->z_in + 128;
    int32_t lo = 0, hi = p->out_w, oy, ox, c, i;
#if !HCC_XTENSA_KERNELS
    if (hcc_host_dwconv_rows(p, input, weights, bias, mult, shift, 1, row_begin, row_end, out_rows)) return;
#endif
    /* the interior columns [lo, hi): no division (none on the target), the borders are short */
    while (lo < hi && lo * p->stride_w < p->pad_left) ++lo;
    while (hi > lo && (hi - 1) * p->stride_w - p->pad_left + span_w > p->in_w) --hi;
    /* strided rows copy two input bytes an output: only where the borders dominate (measured on
     * lx106: 48 columns stride 1 -5%, 12 columns stride 2 +3%) */
    if (fast && (p->out_w - 1) * p->stride_w + 3 <= HCC_DW_NARROW && (p->stride_w <= 2 || p->out_w <= 8)) {
        dw_narrow_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows);
        return;
    }
    for (c = 0; c < channels; ++c) {
        const int8_t *w = weights + c * taps;  /* OHWI [C, KH, KW, 1] */
        /* mult / shift: the compiler's words (blocked_requant_words), read, not computed */
        const int32_t wm = mult[c], ws = shift[c], m = hcc_word_m(wm, ws), s = hcc_word_s(ws);
        const uint32_t b = bias ? (uint32_t)bias[c] : 0u;
        int32_t w9[9];
        uint32_t w_sum = 0u, b_u;
        const int hoisted = (ws & 31) != 0;
        hcc_requant_hoisted_t q;  /* read only when hoisted */
        q.bh = wm >> 16;
        q.bl = (int32_t)((uint32_t)wm << 16) >> 16;
        q.sh = ws & 31;
        q.c = ws - q.sh;
        q.lo = p->act_min > -128 ? p->act_min : -128;
        q.hi = p->act_max < 127 ? p->act_max : 127;
        if (fast) {  /* unrolled: the loop cost 8 lx106 instructions a weight, for every call's channels */
            w9[0] = w[0]; w9[1] = w[1]; w9[2] = w[2]; w9[3] = w[3]; w9[4] = w[4];
            w9[5] = w[5]; w9[6] = w[6]; w9[7] = w[7]; w9[8] = w[8];
            w_sum = (uint32_t)(w9[0] + w9[1] + w9[2] + w9[3] + w9[4] + w9[5] + w9[6] + w9[7] + w9[8]);
        } else {
            for (i = 0; i < taps; ++i) w_sum += (uint32_t)(int32_t)w[i];
        }
        b_u = b - (uint32_t)zu * w_sum;  /* an inner pixel's constant term */
        for (oy = row_begin; oy < row_end; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int8_t *const o = out_rows + (oy - row_begin) * row_size + c;
            int32_t ky0 = 0, ky1 = kh;
            int rows_in;
            while (ky0 < kh && iy0 + ky0 * p->dilation_h < 0) ++ky0;
            while (ky1 > ky0 && iy0 + (ky1 - 1) * p->dilation_h >= p->in_h) --ky1;
            rows_in = ky0 == 0 && ky1 == kh;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                int32_t kx0 = 0, kx1 = kw;
                const int8_t *r;
                if (ox >= lo && ox < hi && rows_in) {  /* every tap on the input */
                    r = input + (iy0 * p->in_w + ix0) * cs + c;
                    if (fast) {
                        int8_t *y = o + ox * channels;
                        for (; ox < hi; ++ox, r += step, y += channels) {
                            *y = dw_requant(dw_sum_3x3(r, cs, tr, w9), b_u, hoisted, &q, m, s, p);
                        }
                        --ox;
                    } else {
                        o[ox * channels] = dw_requant(dw_sum_taps(r, tc, tr, w, kw, 0, kh, 0, kw, 0), b_u, hoisted, &q,
                                                      m, s, p);
                    }
                    continue;
                }
                /* a border pixel: the taps on the input only, each w (x - z_in) */
                while (kx0 < kw && ix0 + kx0 * p->dilation_w < 0) ++kx0;
                while (kx1 > kx0 && ix0 + (kx1 - 1) * p->dilation_w >= p->in_w) --kx1;
                if (ky1 > ky0 && kx1 > kx0) {
                    r = input + ((iy0 + ky0 * p->dilation_h) * p->in_w + ix0 + kx0 * p->dilation_w) * cs + c;
                    o[ox * channels] = dw_requant(dw_sum_taps(r, tc, tr, w, kw, ky0, ky1, kx0, kx1, zu), b, hoisted, &q,
                                                  m, s, p);
                } else {
                    o[ox * channels] = dw_requant(0u, b, hoisted, &q, m, s, p);
                }
            }
        }
    }
}
