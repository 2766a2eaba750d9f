/* Dot products of int16 activations (already minus their zero point) with int8 weights,
 * shared by the fully connected and 3x3 convolution kernels (private to runtime_c/src).
 *
 * lx106 has no sign-extending byte load (l8ui + slli + srai), but mul16s reads only the
 * low 16 bits of its operands, so a weight is used as the unsigned byte u = w + 128 (l8ui +
 * one xor) and the caller corrects the sum once: sum x' (w + 128) - 128 sum x' = sum x' w,
 * exact in 32-bit wrap-around arithmetic (unsigned accumulators, so the wrap is defined;
 * the true result fits int32 by the kernels' precondition). */
#ifndef HCC_DOT_U8_H
#define HCC_DOT_U8_H

#include <stdint.h>

#include "hcc_kernels.h"

/* acc[0..3] += sum_i xs[i] * (w_j[i] + 128) over n terms; w_j = w + j * stride. On Xtensa
 * the loop is written out (two terms per pass, n even): GCC spills and re-zero-extends
 * the xor'ed bytes, 11.5 instructions per term instead of 5. */
static inline void hcc_dot4_u8(const int16_t *xs, int32_t n, const uint8_t *w, int32_t stride, uint32_t *acc) {
    const uint8_t *w0 = w, *w1 = w + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int16_t *end = xs + n;
#if defined(__XTENSA__)
    if (n >= 2) {
        const int16_t *end2 = xs + (n & ~(int32_t)1);
        const uint32_t c80 = 0x80u;
        int32_t x, tmp;
        __asm__ volatile(
            "1:\n\t"
            "l16ui %[x], %[xs], 0\n\t"
            "l8ui %[t], %[w0], 0\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a0], %[a0], %[t]\n\t"
            "l8ui %[t], %[w1], 0\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a1], %[a1], %[t]\n\t"
            "l8ui %[t], %[w2], 0\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a2], %[a2], %[t]\n\t"
            "l8ui %[t], %[w3], 0\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a3], %[a3], %[t]\n\t"
            "l16ui %[x], %[xs], 2\n\t"
            "l8ui %[t], %[w0], 1\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a0], %[a0], %[t]\n\t"
            "l8ui %[t], %[w1], 1\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a1], %[a1], %[t]\n\t"
            "l8ui %[t], %[w2], 1\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a2], %[a2], %[t]\n\t"
            "l8ui %[t], %[w3], 1\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "mul16s %[t], %[t], %[x]\n\t"
            "add %[a3], %[a3], %[t]\n\t"
            "addi %[xs], %[xs], 4\n\t"
            "addi %[w0], %[w0], 2\n\t"
            "addi %[w1], %[w1], 2\n\t"
            "addi %[w2], %[w2], 2\n\t"
            "addi %[w3], %[w3], 2\n\t"
            "bne %[xs], %[end2], 1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xs] "+r"(xs),
              [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [x] "=&r"(x),
              [t] "=&r"(tmp)
            : [end2] "r"(end2), [c80] "r"(c80)
            : "memory");
    }
#endif
    while (xs != end) {
        const int32_t xv = *xs++;
        a0 += (uint32_t)(xv * (int32_t)(*w0++ ^ 0x80u));
        a1 += (uint32_t)(xv * (int32_t)(*w1++ ^ 0x80u));
        a2 += (uint32_t)(xv * (int32_t)(*w2++ ^ 0x80u));
        a3 += (uint32_t)(xv * (int32_t)(*w3++ ^ 0x80u));
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

static inline uint32_t hcc_dot1_u8(const int16_t *xs, int32_t n, const uint8_t *w, uint32_t acc) {
    int32_t i;
    for (i = 0; i < n; ++i) acc += (uint32_t)(xs[i] * (int32_t)(w[i] ^ 0x80u));
    return acc;
}


/* Three inputs (pixels or rows) x two output channels of int16 x int16: the inner loop of
 * the dense 3x3 conv and of the fully connected kernel, whose int8 weights are unpacked to
 * int16 channel pairs once per call (hcc_pack_pairs_s16). xs interleaves the three inputs
 * term by term (xs[3i + p] input p), w the two channels (w[2i + j] channel j):
 *   acc[2p + j] += sum_i xs[3i + p] * w[2i + j]      (p = 0, 1, 2; j = 0, 1; i < n)
 * in 32-bit wrap-around. On Xtensa per term 2 weight loads, 3 input loads, 6 mul16s, 6 adds
 * (17 for 6 products; each input is loaded into x, multiplied into t for channel 0 and in
 * place for channel 1), 3 loop instructions per 8 terms: 2.90 instructions per product.
 * 13 registers: 6 accumulators, w0, w1, x, t, 2 pointers and the end. */
#if defined(__XTENSA__)
#define HCC_DOT3X2_PIX(xo, ap, bp)                                                \
    "l16ui %[x], %[xs], " #xo "\n\t"                                              \
    "mul16s %[t], %[x], %[w0]\n\t"                                                \
    "add %[" #ap "], %[" #ap "], %[t]\n\t"                                        \
    "mul16s %[x], %[x], %[w1]\n\t"                                                \
    "add %[" #bp "], %[" #bp "], %[x]\n\t"
#define HCC_DOT3X2_TERM(xo, wo)                                                   \
    "l16ui %[w0], %[wp], " #wo "\n\t"                                             \
    "l16ui %[w1], %[wp], " #wo "+2\n\t"                                           \
    HCC_DOT3X2_PIX(xo, a0, a1)                                                    \
    HCC_DOT3X2_PIX(xo+2, b0, b1)                                                  \
    HCC_DOT3X2_PIX(xo+4, c0, c1)
#endif

static inline void hcc_dot3x2_s16(const int16_t *xs, int32_t n, const int16_t *w, uint32_t *acc) {
    uint32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3], c0 = acc[4], c1 = acc[5];
#if defined(__XTENSA__)
    const int16_t *end8 = xs + 3 * (n & ~(int32_t)7);
    int32_t x, w0, w1, t, i;
    if (n >= 8) {
        __asm__ volatile(
            "1:\n\t"
            HCC_DOT3X2_TERM(0, 0)
            HCC_DOT3X2_TERM(6, 4)
            HCC_DOT3X2_TERM(12, 8)
            HCC_DOT3X2_TERM(18, 12)
            HCC_DOT3X2_TERM(24, 16)
            HCC_DOT3X2_TERM(30, 20)
            HCC_DOT3X2_TERM(36, 24)
            HCC_DOT3X2_TERM(42, 28)
            "addi %[xs], %[xs], 48\n\t"
            "addi %[wp], %[wp], 32\n\t"
            "bne %[xs], %[end], 1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [c0] "+r"(c0), [c1] "+r"(c1),
              [xs] "+r"(xs), [wp] "+r"(w), [x] "=&r"(x), [w0] "=&r"(w0), [w1] "=&r"(w1), [t] "=&r"(t)
            : [end] "r"(end8)
            : "memory");
    }
    for (i = 0; i < (n & 7); ++i, xs += 3, w += 2) {
        __asm__ volatile(
            HCC_DOT3X2_TERM(0, 0)
            : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [c0] "+r"(c0), [c1] "+r"(c1),
              [x] "=&r"(x), [w0] "=&r"(w0), [w1] "=&r"(w1), [t] "=&r"(t)
            : [xs] "r"(xs), [wp] "r"(w)
            : "memory");
    }
#else
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t x0 = xs[3 * i], x1 = xs[3 * i + 1], x2 = xs[3 * i + 2], w0 = w[2 * i], w1 = w[2 * i + 1];
        a0 += (uint32_t)(x0 * w0);
        a1 += (uint32_t)(x0 * w1);
        b0 += (uint32_t)(x1 * w0);
        b1 += (uint32_t)(x1 * w1);
        c0 += (uint32_t)(x2 * w0);
        c1 += (uint32_t)(x2 * w1);
    }
#endif
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = b0;
    acc[3] = b1;
    acc[4] = c0;
    acc[5] = c1;
}


/* The int8 weights [n_out, k] as int16 channel pairs: pair q at packed + 2 k q with
 * packed[2 k q + 2 i + j] = w[2q + j][i], a zero channel past an odd n_out. */
static inline void hcc_pack_pairs_s16(const int8_t *weights, int32_t n_out, int32_t k, int16_t *packed) {
    int32_t c, i;
    for (c = 0; c + 1 < n_out; c += 2, weights += 2 * k) {
        const int8_t *const w1 = weights + k;
        for (i = 0; i < k; ++i, packed += 2) {
            packed[0] = weights[i];
            packed[1] = w1[i];
        }
    }
    if (c < n_out) {
        for (i = 0; i < k; ++i, packed += 2) {
            packed[0] = weights[i];
            packed[1] = 0;
        }
    }
}

#define HCC_ROW_UNROLL 8

#if defined(__XTENSA__)
#define HCC_ROW_P(j, off)                                                         \
    "l8ui %[t], %[wp], " off "\n\t"                                               \
    "mul16u %[t], %[t], %[x]\n\t"                                                 \
    "add %[a" #j "], %[a" #j "], %[t]\n\t"
#define HCC_ROW_P1(i, m) HCC_ROW_P(0, #i "*" #m)
#define HCC_ROW_P2(i, m) HCC_ROW_P1(i, m) HCC_ROW_P(1, #i "*" #m "+1")
#define HCC_ROW_P3(i, m) HCC_ROW_P2(i, m) HCC_ROW_P(2, #i "*" #m "+2")
#define HCC_ROW_P4(i, m) HCC_ROW_P3(i, m) HCC_ROW_P(3, #i "*" #m "+3")
#define HCC_ROW_SUM "add %[s], %[s], %[x]\n\t"
/* term i of a block m wide; sum: HCC_ROW_SUM or nothing */
#define HCC_ROW_TERM(i, m, sum)                                                   \
    "l8ui %[x], %[xp], " #i "\n\t"                                                \
    "xor %[x], %[x], %[c80]\n\t"                                                  \
    sum HCC_ROW_P##m(i, m)
#define HCC_ROW_OUTS                                                              \
    [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [s] "+r"(s),      \
    [xp] "+r"(xp), [wp] "+r"(wp), [x] "=&r"(xv), [t] "=&r"(tv)
/* HCC_ROW_UNROLL terms per pass while they last, then one at a time */
#define HCC_ROW_ASM(m, sum)                                                       \
    do {                                                                          \
        if (xp != end8) {                                                         \
            __asm__ volatile(                                                     \
                "1:\n\t"                                                          \
                HCC_ROW_TERM(0, m, sum) HCC_ROW_TERM(1, m, sum)                   \
                HCC_ROW_TERM(2, m, sum) HCC_ROW_TERM(3, m, sum)                   \
                HCC_ROW_TERM(4, m, sum) HCC_ROW_TERM(5, m, sum)                   \
                HCC_ROW_TERM(6, m, sum) HCC_ROW_TERM(7, m, sum)                   \
                "addi %[xp], %[xp], 8\n\t"                                        \
                "addi %[wp], %[wp], 8*" #m "\n\t"                                 \
                "bne %[xp], %[end], 1b\n\t"                                       \
                : HCC_ROW_OUTS                                                    \
                : [end] "r"(end8), [c80] "r"(c80)                                 \
                : "memory");                                                      \
        }                                                                         \
        while (xp != end) {                                                       \
            __asm__ volatile(                                                     \
                HCC_ROW_TERM(0, m, sum)                                           \
                "addi %[xp], %[xp], 1\n\t"                                        \
                "addi %[wp], %[wp], " #m "\n\t"                                   \
                : HCC_ROW_OUTS                                                    \
                : [c80] "r"(c80)                                                  \
                : "memory");                                                      \
        }                                                                         \
    } while (0)
#endif

/* acc[j] += sum_i wb[m i + j] (x[i] + 128) for j < m (1..4), i < k; with *sum (not NULL)
 * also *sum += sum_i (x[i] + 128). One block of the compiler's blocked weights (the fully
 * connected row kernel's, the recurrent kernels'): for each input i its m channels'
 * weights side by side, stored as w + 128, so that with v = x + 128
 *   sum_i w (x - z) = sum_i (w + 128) v - 128 sum_i v - (z + 128) sum_i w
 * (exact in 32-bit wrap-around), the last term a compile-time constant. On Xtensa per term
 * 2 instructions for v (l8ui, xor; one more for the sum) and 3 per channel (l8ui, mul16u,
 * add): 14 for 4 products. */
static inline void hcc_row_block_u8(const int8_t *x, int32_t k, const uint8_t *wb, int32_t m, uint32_t *sum,
                                    uint32_t *acc) {
#if defined(__XTENSA__)
    const uint8_t *xp = (const uint8_t *)x, *end = xp + k, *end8 = xp + (k & ~(int32_t)(HCC_ROW_UNROLL - 1));
    const uint8_t *wp = wb;
    const uint32_t c80 = 0x80u;
    uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], s = sum ? *sum : 0u, xv, tv;
    switch (m + (sum ? 4 : 0)) {
        case 1: HCC_ROW_ASM(1, ); break;
        case 2: HCC_ROW_ASM(2, ); break;
        case 3: HCC_ROW_ASM(3, ); break;
        case 4: HCC_ROW_ASM(4, ); break;
        case 5: HCC_ROW_ASM(1, HCC_ROW_SUM); break;
        case 6: HCC_ROW_ASM(2, HCC_ROW_SUM); break;
        case 7: HCC_ROW_ASM(3, HCC_ROW_SUM); break;
        default: HCC_ROW_ASM(4, HCC_ROW_SUM); break;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    if (sum) *sum = s;
#else
    uint32_t s = 0;
    int32_t i, j;
    for (i = 0; i < k; ++i, wb += m) {
        const uint32_t v = (uint8_t)x[i] ^ 0x80u;
        s += v;
        for (j = 0; j < m; ++j) acc[j] += wb[j] * v;
    }
    if (sum) *sum += s;
#endif
}

/* The bound on |acc| under which a channel's hoisted requantization is used: with |bh| up
 * to 2^15 (|m| < 2^31), 2^15 - 1 keeps hcc_requant_hoist's int32 check satisfiable. */
#define HCC_HOIST_BOUND 0x7FFF

/* hoisted[c] for each of n_out channels: hcc_requant_hoist's terms, or sh = 0 where it
 * refuses (a possible tie, a shift outside [17, 47]); computed once per call. */
static inline void hcc_hoist_channels(hcc_requant_hoisted_t *hoisted, const int32_t *mult, const int32_t *shift,
                                      int32_t n_out, int32_t z_out, int32_t act_min, int32_t act_max) {
    int32_t c;
    for (c = 0; c < n_out; ++c) {
        if (!hcc_requant_hoist(&hoisted[c], mult[c], shift[c], z_out, act_min, act_max, HCC_HOIST_BOUND)) {
            hoisted[c].sh = 0;
        }
    }
}

/* One output of channel c: the hoisted terms when |acc| <= HCC_HOIST_BOUND, else
 * hcc_requantize_s8_inline (the same numbers either way). */
static inline int8_t hcc_channel_requantize(const hcc_requant_hoisted_t *q, int32_t acc, int32_t m, int32_t s,
                                            int32_t z_out, int32_t act_min, int32_t act_max) {
    if (q->sh != 0 && (uint32_t)(acc + HCC_HOIST_BOUND) <= 2u * HCC_HOIST_BOUND) return hcc_requant_hoisted(q, acc);
    return hcc_requantize_s8_inline(acc, m, s, z_out, act_min, act_max);
}

/* Every channel pair of three inputs (xs as hcc_dot3x2_s16 reads it, k terms): bias, the
 * dot product, then requantization to dst[q][c] for q < 3, c < n_out (the dst rows may
 * coincide: a short last triple repeats its last input), with the channels' hoisted terms
 * (hcc_hoist_channels). */
static inline void hcc_triples_requantize(const int16_t *xs, int32_t k, const int16_t *packed, int32_t n_out,
                                          const int32_t *bias, const hcc_requant_hoisted_t *hoisted,
                                          const int32_t *mult, const int32_t *shift, int32_t z_out, int32_t act_min,
                                          int32_t act_max, int8_t *const dst[3]) {
    int32_t c, j;
    for (c = 0; c < n_out; c += 2) {
        const int32_t m = n_out - c < 2 ? 1 : 2;
        uint32_t acc[6];
        for (j = 0; j < 2; ++j) acc[j] = acc[2 + j] = acc[4 + j] = bias && j < m ? (uint32_t)bias[c + j] : 0u;
        hcc_dot3x2_s16(xs, k, packed + k * c, acc);
        for (j = 0; j < m; ++j) {
            const hcc_requant_hoisted_t *const q = &hoisted[c + j];
            const int32_t mj = mult[c + j], sj = shift[c + j];
            /* written out: GCC keeps a loop over the three here and indexes acc through memory */
            dst[0][c + j] = hcc_channel_requantize(q, (int32_t)acc[j], mj, sj, z_out, act_min, act_max);
            dst[1][c + j] = hcc_channel_requantize(q, (int32_t)acc[2 + j], mj, sj, z_out, act_min, act_max);
            dst[2][c + j] = hcc_channel_requantize(q, (int32_t)acc[4 + j], mj, sj, z_out, act_min, act_max);
        }
    }
}

/* dst[step i] = src[i] - z for i < len (int8 -> int16, every step-th int16). On Xtensa two
 * per pass in inline asm, x - z as (u ^ 0x80) - (z + 128) from the unsigned byte u: lx106
 * has no sign-extending byte load, and GCC's l8ui + slli + srai + sub loop takes 8 per
 * value where this takes 6. */
static inline void hcc_widen_s16(const int8_t *src, int32_t len, int32_t z, int16_t *dst, int32_t step) {
#if defined(__XTENSA__)
    if (len >= 2) {
        const int8_t *end = src + (len & ~(int32_t)1);
        const uint32_t c80 = 0x80u;
        const int32_t z128 = z + 128, bytes = 2 * step;
        int32_t t;
        __asm__ volatile(
            "1:\n\t"
            "l8ui %[t], %[ps], 0\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "sub %[t], %[t], %[z]\n\t"
            "s16i %[t], %[pd], 0\n\t"
            "add %[pd], %[pd], %[bytes]\n\t"
            "l8ui %[t], %[ps], 1\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "sub %[t], %[t], %[z]\n\t"
            "s16i %[t], %[pd], 0\n\t"
            "add %[pd], %[pd], %[bytes]\n\t"
            "addi %[ps], %[ps], 2\n\t"
            "bne %[ps], %[end], 1b\n\t"
            : [ps] "+r"(src), [pd] "+r"(dst), [t] "=&r"(t)
            : [end] "r"(end), [c80] "r"(c80), [z] "r"(z128), [bytes] "r"(bytes)
            : "memory");
        len &= 1;
    }
#endif
    for (; len > 0; --len, dst += step) *dst = (int16_t)(*src++ - z);
}

#endif
