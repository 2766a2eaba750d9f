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
#if HCC_XTENSA_KERNELS
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


/* Per output channel of the dense 3x3 conv and of the fully connected kernel: how its
 * outputs are requantized, its bias, and the three accumulators of the current input triple.
 * Kept in scratch, one per channel of every channel pair, so that the requantization of all
 * channels is one asm loop over one pointer (hcc_requant_records). The fields' byte offsets
 * are the asm's. */
typedef struct {
    hcc_requant_hoisted_t q;  /* 0 .. 23: hcc_requant_hoist's terms for |acc| <= 2^15; q.sh = s - 16,
                               * 0 when the channel takes the C path only */
    int32_t bias;             /* 24 */
    uint32_t acc[3];          /* 28, 32, 36 */
    uint32_t k;               /* 40: acc + k < 2^16 selects the hoisted terms (2^15, or 2^31 when
                               * hcc_requant_hoist refused: then only accumulators below
                               * -2^31 + 2^16 pass, where q's terms (c = -+2^31) give the
                               * clamp bound they saturate to) */
    uint32_t mh, ml, rnd;     /* 44, 48, 52: |m| >> 16, |m| & 0xFFFF, 2^(s-17) (|acc| < 2^16) */
    int32_t z, msign;         /* 56, 60: z_out; m (its sign) */
    uint32_t cmark;           /* 64: the asm left this channel's outputs to C */
    int32_t s;                /* 68: the shift (with msign, C's multiplier pair) */
} hcc_channel_rec_t;

/* the asm's offsets assume this size */
typedef char hcc_channel_rec_size_check[sizeof(hcc_channel_rec_t) == 72 ? 1 : -1];

/* Scratch bytes of the records of n_out channels: n_out rounded up to even (the zero channel
 * of an odd last pair has one too), then the word hcc_requant_records uses as its flag. */
#define HCC_CHANNEL_RECS_BYTES(n_out) \
    ((size_t)(((n_out) + 1) & ~1) * sizeof(hcc_channel_rec_t) + sizeof(uint32_t))

/* Where input p (0..2) of a triple starts in the buffer hcc_dot3x2_s16 reads, and the step
 * between its terms: on Xtensa the three inputs interleaved term by term, on other targets
 * (the host build) one after the other, n terms each, and a channel pair's int16 weights
 * likewise channel after channel (hcc_pack_pairs_s16), so that the host's dot products are
 * contiguous runs its compiler vectorizes. Same buffer sizes, same numbers. */
#if HCC_XTENSA_KERNELS
#define HCC_TRIPLE_AT(p, n) (p)
#define HCC_TRIPLE_STEP 3
#define HCC_PAIR_AT(j, i, n) (2 * (i) + (j)) /* term i of channel j (0, 1) of a pair of n terms */
#else
#define HCC_TRIPLE_AT(p, n) ((p) * (n))
#define HCC_TRIPLE_STEP 1
#define HCC_PAIR_AT(j, i, n) ((j) * (n) + (i))
#endif

/* Three inputs (pixels or rows) x two output channels of int16 x int16: the inner loop of
 * the dense 3x3 conv and of the fully connected kernel, whose int8 weights are unpacked to
 * int16 channel pairs once per call (hcc_pack_pairs_s16). xs interleaves the three inputs
 * term by term (xs[3i + p] input p), w the two channels (w[2i + j] channel j):
 *   r_j->acc[p] = r_j->bias + sum_i xs[3i + p] * w[2i + j]      (p = 0, 1, 2; j = 0, 1; i < n)
 * in 32-bit wrap-around. On Xtensa per term 2 weight loads, 3 input loads, 6 mul16s, 6 adds
 * (17 for 6 products; each input is loaded into x, multiplied into t for channel 0 and in
 * place for channel 1), 3 loop instructions per 8 terms: 2.90 instructions per product.
 * 13 registers: 6 accumulators, w0, w1, x, t, 2 pointers and the end. */
#if HCC_XTENSA_KERNELS
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

static inline void hcc_dot3x2_s16(const int16_t *xs, int32_t n, const int16_t *w, hcc_channel_rec_t *r0,
                                  hcc_channel_rec_t *r1) {
    uint32_t a0 = (uint32_t)r0->bias, a1 = (uint32_t)r1->bias, b0 = a0, b1 = a1, c0 = a0, c1 = a1;
#if HCC_XTENSA_KERNELS
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
    /* the host layout (HCC_TRIPLE_AT): six int16 dot products over contiguous runs, which
     * GCC / Clang vectorize (vpmaddwd / vpdpwssd); int32 partial sums: |x w| <= 255 * 128 */
    const int16_t *const x0 = xs, *const x1 = xs + n, *const x2 = xs + 2 * n, *const w0 = w, *const w1 = w + n;
    int32_t i, s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0;
    for (i = 0; i < n; ++i) {
        s00 += x0[i] * w0[i];
        s01 += x0[i] * w1[i];
        s10 += x1[i] * w0[i];
        s11 += x1[i] * w1[i];
        s20 += x2[i] * w0[i];
        s21 += x2[i] * w1[i];
    }
    a0 += (uint32_t)s00;
    a1 += (uint32_t)s01;
    b0 += (uint32_t)s10;
    b1 += (uint32_t)s11;
    c0 += (uint32_t)s20;
    c1 += (uint32_t)s21;
#endif
    r0->acc[0] = a0;
    r0->acc[1] = b0;
    r0->acc[2] = c0;
    r1->acc[0] = a1;
    r1->acc[1] = b1;
    r1->acc[2] = c1;
}


#if HCC_XTENSA_KERNELS
/* hcc_dot3x2_s16 on three inputs read where they lie instead of interleaved: kh runs of
 * `run` terms, input p's term i of run q at runs[q][i] + p P / 2 (P bytes apart: the three
 * pixels of a dense conv row in its padded int16 input rows, P = 2 in_c stride_w), the
 * weights as hcc_dot3x2_s16 reads them over the kh run terms. The same 17 instructions per
 * term, without the patch's interleaving (~25 an output of a 72-term 8-channel conv); the
 * offsets are immediates, hence one function per P (HCC_STRIDED_P: the ones there are). */
#define HCC_DOT3S_TERM(k, P)                                                      \
    "l16ui %[w0], %[wp], 4*" #k "\n\t"                                            \
    "l16ui %[w1], %[wp], 4*" #k "+2\n\t"                                          \
    HCC_DOT3X2_PIX(2*k, a0, a1)                                                   \
    HCC_DOT3X2_PIX(2*k+P, b0, b1)                                                 \
    HCC_DOT3X2_PIX(2*k+2*P, c0, c1)
#define HCC_DOT3X2_STRIDED(P)                                                                                 \
    static inline void hcc_dot3x2_p##P(const int16_t *const *runs, int32_t kh, int32_t run, const int16_t *w,  \
                                       hcc_channel_rec_t *r0, hcc_channel_rec_t *r1) {                        \
        uint32_t a0 = (uint32_t)r0->bias, a1 = (uint32_t)r1->bias, b0 = a0, b1 = a1, c0 = a0, c1 = a1;         \
        int32_t x, w0, w1, t, q, i;                                                                           \
        for (q = 0; q < kh; ++q) {                                                                            \
            const int16_t *xs = runs[q], *const end8 = xs + (run & ~(int32_t)7);                              \
            if (run >= 8) {                                                                                   \
                __asm__ volatile("1:\n\t" HCC_DOT3S_TERM(0, P) HCC_DOT3S_TERM(1, P) HCC_DOT3S_TERM(2, P)      \
                                     HCC_DOT3S_TERM(3, P) HCC_DOT3S_TERM(4, P) HCC_DOT3S_TERM(5, P)           \
                                         HCC_DOT3S_TERM(6, P) HCC_DOT3S_TERM(7, P)                            \
                                 "addi %[xs], %[xs], 16\n\t"                                                  \
                                 "addi %[wp], %[wp], 32\n\t"                                                  \
                                 "bne %[xs], %[end], 1b\n\t"                                                  \
                                 : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [c0] "+r"(c0), \
                                   [c1] "+r"(c1), [xs] "+r"(xs), [wp] "+r"(w), [x] "=&r"(x), [w0] "=&r"(w0),  \
                                   [w1] "=&r"(w1), [t] "=&r"(t)                                               \
                                 : [end] "r"(end8)                                                            \
                                 : "memory");                                                                 \
            }                                                                                                 \
            for (i = 0; i < (run & 7); ++i, ++xs, w += 2) {                                                   \
                __asm__ volatile(HCC_DOT3S_TERM(0, P)                                                         \
                                 : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [c0] "+r"(c0), \
                                   [c1] "+r"(c1), [x] "=&r"(x), [w0] "=&r"(w0), [w1] "=&r"(w1), [t] "=&r"(t)  \
                                 : [xs] "r"(xs), [wp] "r"(w)                                                  \
                                 : "memory");                                                                 \
            }                                                                                                 \
        }                                                                                                     \
        r0->acc[0] = a0;                                                                                      \
        r0->acc[1] = b0;                                                                                      \
        r0->acc[2] = c0;                                                                                      \
        r1->acc[0] = a1;                                                                                      \
        r1->acc[1] = b1;                                                                                      \
        r1->acc[2] = c1;                                                                                      \
    }
/* l16ui reaches 510 bytes: 2 P + 14 of them */
HCC_DOT3X2_STRIDED(16)
HCC_DOT3X2_STRIDED(32)
HCC_DOT3X2_STRIDED(64)
HCC_DOT3X2_STRIDED(128)
#define HCC_STRIDED_P(P) ((P) == 16 || (P) == 32 || (P) == 64 || (P) == 128)

#endif

/* The int8 weights [n_out, k] as int16 channel pairs: pair q at packed + 2 k q with
 * packed[2 k q + 2 i + j] = w[2q + j][i], a zero channel past an odd n_out. */
static inline void hcc_pack_pairs_s16(const int8_t *weights, int32_t n_out, int32_t k, int16_t *packed) {
    int32_t c, i;
#if !HCC_XTENSA_KERNELS
    /* the host layout: pair q's channels one after the other, packed[2 k q + k j + i] = w[2q + j][i] */
    for (c = 0; c < n_out; ++c) {
        for (i = 0; i < k; ++i) packed[c * k + i] = weights[c * k + i];
    }
    if (n_out & 1) {
        for (i = 0; i < k; ++i) packed[n_out * k + i] = 0;
    }
    return;
#endif
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

#if HCC_XTENSA_KERNELS
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
#if HCC_XTENSA_KERNELS
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
    if (m == 4 && k >= 128) {
        /* the host: four terms x four channels per pass into 16 lanes (lane 4 t + j: channel
         * j, term i + t), which GCC vectorizes; then the lanes summed per channel. Only for long
         * rows: on short ones (a keyword LSTM's 40-64 terms) setting up and summing the lanes
         * cost more than the vector loop saves (kws_lstm.ts13 0.24 ms without, 0.55 ms with) */
        uint32_t lanes[16] = {0};
        for (i = 0; i + 4 <= k; i += 4, wb += 16) {
            for (j = 0; j < 16; ++j) lanes[j] += (uint32_t)wb[j] * ((uint8_t)x[i + (j >> 2)] ^ 0x80u);
        }
        for (j = 0; j < 16; ++j) acc[j & 3] += lanes[j];
        for (; i < k; ++i, wb += 4) {
            const uint32_t v = (uint8_t)x[i] ^ 0x80u;
            for (j = 0; j < 4; ++j) acc[j] += wb[j] * v;
        }
        if (sum) {
            for (i = 0; i < k; ++i) s += (uint8_t)x[i] ^ 0x80u;
            *sum += s;
        }
        return;
    }
    for (i = 0; i < k; ++i, wb += m) {
        const uint32_t v = (uint8_t)x[i] ^ 0x80u;
        s += v;
        for (j = 0; j < m; ++j) acc[j] += wb[j] * v;
    }
    if (sum) *sum += s;
#endif
}

/* The requantization words of the blocked kernels and the recurrent gate rows
 * (blocked_requant_words in hcc/ops/fully_connected.py, which derives the forms): shift word
 * = c + (s - 16) with c = (2 z_out + 1) 2^(s-17) (low five bits the shift), mult word = bh 2^16
 * + (bl & 0xFFFF) with m = bh 2^16 + bl, for the channels the hoisted forms serve; else shift
 * word = 32 s and mult word = m. For acc in [-2^15, 2^15) on such a channel z_out +
 * requantize(acc, m, s) (before any clamp) is two multiplies (HCC_WORD_SMALL: inline in the
 * kernels' loops); the rest (hcc_requant_word_wide: three multiplies for acc in
 * [-2^20, 2^20), floor(acc m / 2^21) from m's 11 + 11 + 10 bits; else the general path) is out
 * of line, so that the inline part stays small where GCC allocates the loop's registers. */
#define HCC_WORD_SMALL(acc, sh, wm, ws)                                                         \
    (((acc) * ((wm) >> 16) + (((acc) * ((int32_t)((uint32_t)(wm) << 16) >> 16)) >> 16) + ((ws) - (sh))) >> (sh))

/* a static function kept out of line (GCC, Clang), unused in some of the files that include it */
#if defined(__GNUC__)
#define HCC_OUT_OF_LINE static __attribute__((noinline, unused))
#else
#define HCC_OUT_OF_LINE static inline
#endif
/* kept whole: GCC's -O3 copies of a function for constant arguments (constprop) left
 * hcc_pair_block_u8's fourteen-register asm without a register for its memory operand */
#if defined(__GNUC__) && !defined(__clang__)
#define HCC_NO_CLONE __attribute__((noclone))
#else
#define HCC_NO_CLONE
#endif
#if HCC_XTENSA_KERNELS
/* an asm kernel written out where it is called (the out-of-line function around it, a block loop) */
#define HCC_ALWAYS_INLINE static inline __attribute__((always_inline, unused))
#endif

/* Three inputs (pixels) through the same blocked weights: xs[3i + q] = v_q[i] = x_q[i] + 128
 * (input q's term i as the unsigned byte, already xor'ed), k terms, wb a block of m <= 4
 * channels as hcc_row_block_u8 reads it (w + 128, the m weights of term i side by side):
 *   acc[q][j] = bias[j] - sum[q] + sum_i wb[m i + j] v_q[i]   (q < 3, j < m; 0 - sum[q] for j >= m).
 * (The accumulators start here, in the registers the asm uses, not stored by the caller first.)
 * Each weight byte is loaded once for the three inputs: on Xtensa two channels a pass (a block
 * of four in two passes), per term 3 input loads and 2 x (l8ui, 3 x (mul16u, add)), 17
 * instructions for 6 products (hcc_row_block_u8: 14 for 4), eight terms a pass; 13 registers
 * (the loop's end is read from memory), so out of line, where nothing else is live. The input
 * sums the correction needs are the caller's (it forms the bytes). Other m: C. */
#if HCC_XTENSA_KERNELS
/* %[acc] += %[t] %[x] through %[p] (%[t], the weight, kept) */
#define HCC_PX_MUL(acc, x)                                                        \
    "mul16u %[p], %[t], %[" #x "]\n\t"                                            \
    "add %[" #acc "], %[" #acc "], %[p]\n\t"
/* the last input of a term: the product in %[t] */
#define HCC_PX_LAST(acc, x)                                                       \
    "mul16u %[t], %[t], %[" #x "]\n\t"                                            \
    "add %[" #acc "], %[" #acc "], %[t]\n\t"
#define HCC_TRI_CH(i, c, acc)                                                     \
    "l8ui %[t], %[wp], " #i "*4+" #c "\n\t"                                       \
    HCC_PX_MUL(acc##0, x0) HCC_PX_MUL(acc##1, x1) HCC_PX_LAST(acc##2, x2)
#define HCC_TRI_TERM(i)                                                           \
    "l8ui %[x0], %[xp], " #i "*3\n\t"                                             \
    "l8ui %[x1], %[xp], " #i "*3+1\n\t"                                           \
    "l8ui %[x2], %[xp], " #i "*3+2\n\t"                                           \
    HCC_TRI_CH(i, 0, a) HCC_TRI_CH(i, 1, b)
/* a pass of hcc_triple_block_u8's whole-block form: its accumulators started (channels j, j + 1
 * at byte offset o = 4 j of the bias and the accumulators; pointers read from memory) */
#define HCC_TRI_START(o)                                                          \
    "l32i %[t], %[bm]\n\t"                                                        \
    "l32i %[a0], %[t], " #o "\n\t"                                               \
    "l32i %[b0], %[t], " #o "+4\n\t"                                             \
    "l32i %[t], %[sm]\n\t"                                                        \
    "l32i %[x0], %[t], 0\n\t"                                                    \
    "l32i %[x1], %[t], 4\n\t"                                                    \
    "l32i %[x2], %[t], 8\n\t"                                                    \
    "sub %[a1], %[a0], %[x1]\n\t"                                                \
    "sub %[a2], %[a0], %[x2]\n\t"                                                \
    "sub %[a0], %[a0], %[x0]\n\t"                                                \
    "sub %[b1], %[b0], %[x1]\n\t"                                                \
    "sub %[b2], %[b0], %[x2]\n\t"                                                \
    "sub %[b0], %[b0], %[x0]\n\t"
/* n (8 or 16) terms a pass until %[xp] reaches the end (read from memory) */
#define HCC_TRI_LOOP_N(lbl, terms, n)                                             \
    #lbl ":\n\t"                                                                 \
    terms                                                                         \
    "addi %[xp], %[xp], 3*" #n "\n\t"                                            \
    "addi %[wp], %[wp], 4*" #n "\n\t"                                            \
    "l32i %[t], %[endm]\n\t"                                                      \
    "bne %[xp], %[t], " #lbl "b\n\t"
#define HCC_TRI_TERMS8                                                            \
    HCC_TRI_TERM(0) HCC_TRI_TERM(1) HCC_TRI_TERM(2) HCC_TRI_TERM(3)               \
    HCC_TRI_TERM(4) HCC_TRI_TERM(5) HCC_TRI_TERM(6) HCC_TRI_TERM(7)
#define HCC_TRI_LOOP(lbl) HCC_TRI_LOOP_N(lbl, HCC_TRI_TERMS8, 8)
#define HCC_TRI_LOOP16(lbl)                                                       \
    HCC_TRI_LOOP_N(lbl, HCC_TRI_TERMS8 HCC_TRI_TERM(8) HCC_TRI_TERM(9) HCC_TRI_TERM(10) HCC_TRI_TERM(11) \
                   HCC_TRI_TERM(12) HCC_TRI_TERM(13) HCC_TRI_TERM(14) HCC_TRI_TERM(15), 16)
#define HCC_TRI_STORE(o)                                                          \
    "l32i %[t], %[am]\n\t"                                                        \
    "s32i %[a0], %[t], " #o "\n\t"                                               \
    "s32i %[a1], %[t], 16+" #o "\n\t"                                            \
    "s32i %[a2], %[t], 32+" #o "\n\t"                                            \
    "s32i %[b0], %[t], 4+" #o "\n\t"                                             \
    "s32i %[b1], %[t], 20+" #o "\n\t"                                            \
    "s32i %[b2], %[t], 36+" #o "\n\t"
#define HCC_TRI_OUTS                                                              \
    [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), \
    [xp] "+r"(xp), [wp] "+r"(wp), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [t] "=&r"(t), [p] "=&r"(pr)
#endif

#if HCC_XTENSA_KERNELS
/* hcc_triple_block_u8 for m = 4 and k a multiple of 8, written out in the block loop of
 * conv2d_s8.c (triple_blocks). at[]: {xs + 3 k, bias, sum, acc, xs, wb}, the asm's memory
 * operands, set once for the loop: the asm moves the bias (at[1]) and the weights (at[5]) on to
 * the next block of four channels itself (GCC's stores of the six words for every block cost
 * ~15 instructions a block). */
HCC_ALWAYS_INLINE void hcc_triple_block8(const void *at[6], int32_t k) {
    /* whole passes of eight terms: both channel pairs in one asm, the accumulators
     * started and stored there, every pointer but the two it walks read from memory
     * (GCC around the loop's 13 registers spilled and reloaded ~50 instructions a pass) */
    const uint8_t *xp, *wp;
    uint32_t a0, a1, a2, b0, b1, b2, x0, x1, x2, t, pr;
#define HCC_TRI_BLOCK(LOOP)                                                       \
    __asm__ volatile(                                                             \
        "l32i %[xp], %[xm]\n\t"                                                  \
        "l32i %[wp], %[wm]\n\t"                                                  \
        HCC_TRI_START(0) LOOP(1) HCC_TRI_STORE(0)                                 \
        "l32i %[xp], %[xm]\n\t"                                                  \
        "l32i %[wp], %[wm]\n\t"                                                  \
        "addi %[wp], %[wp], 2\n\t"                                               \
        HCC_TRI_START(8) LOOP(2) HCC_TRI_STORE(8)                                 \
        "addi %[wp], %[wp], -2\n\t"                                              \
        "s32i %[wp], %[wm]\n\t"                                                  \
        "l32i %[t], %[bm]\n\t"                                                   \
        "addi %[t], %[t], 16\n\t"                                                \
        "s32i %[t], %[bm]\n\t"                                                   \
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2), \
          [xp] "=&r"(xp), [wp] "=&r"(wp), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [t] "=&r"(t), \
          [p] "=&r"(pr), [bm] "+m"(at[1]), [wm] "+m"(at[5])                         \
        : [endm] "m"(at[0]), [sm] "m"(at[2]), [am] "m"(at[3]), [xm] "m"(at[4])    \
        : "memory")
    if ((k & 15) == 0) {  /* sixteen terms a pass: half the loop's four instructions a pass */
        HCC_TRI_BLOCK(HCC_TRI_LOOP16);
    } else {
        HCC_TRI_BLOCK(HCC_TRI_LOOP);
    }
#undef HCC_TRI_BLOCK
}
#endif

HCC_OUT_OF_LINE void hcc_triple_block_u8(const uint8_t *xs, int32_t k, const uint8_t *wb, int32_t m,
                                         const int32_t *bias, const uint32_t sum[3], uint32_t acc[3][4]) {
    int32_t i, j, q;
#if HCC_XTENSA_KERNELS
    if (m == 4) {
        /* the end of the unrolled passes, read from memory: a fourteenth register is more than
         * GCC has for the asm */
        const uint8_t *volatile end8 = xs + 3 * (k & ~(int32_t)7);
        const uint8_t *const end = xs + 3 * k;
        (void)i, (void)q;
        for (j = 0; j < 4; j += 2) {
            const uint8_t *xp = xs, *wp = wb + j;
            const uint32_t ba = (uint32_t)bias[j], bb = (uint32_t)bias[j + 1];
            uint32_t a0 = ba - sum[0], a1 = ba - sum[1], a2 = ba - sum[2], b0 = bb - sum[0], b1 = bb - sum[1],
                     b2 = bb - sum[2], x0, x1, x2, t, pr;
            if (k >= 8) {
                __asm__ volatile(
                    "1:\n\t"
                    HCC_TRI_TERM(0) HCC_TRI_TERM(1) HCC_TRI_TERM(2) HCC_TRI_TERM(3)
                    HCC_TRI_TERM(4) HCC_TRI_TERM(5) HCC_TRI_TERM(6) HCC_TRI_TERM(7)
                    "addi %[xp], %[xp], 24\n\t"
                    "addi %[wp], %[wp], 32\n\t"
                    "l32i %[t], %[endm]\n\t"
                    "bne %[xp], %[t], 1b\n\t"
                    : HCC_TRI_OUTS
                    : [endm] "m"(end8)
                    : "memory");
            }
            while (xp != end) {
                __asm__ volatile(
                    HCC_TRI_TERM(0)
                    "addi %[xp], %[xp], 3\n\t"
                    "addi %[wp], %[wp], 4\n\t"
                    : HCC_TRI_OUTS
                    :
                    : "memory");
            }
            acc[0][j] = a0;
            acc[1][j] = a1;
            acc[2][j] = a2;
            acc[0][j + 1] = b0;
            acc[1][j + 1] = b1;
            acc[2][j + 1] = b2;
        }
        return;
    }
#endif
    for (q = 0; q < 3; ++q) {
        for (j = 0; j < 4; ++j) acc[q][j] = (j < m ? (uint32_t)bias[j] : 0u) - sum[q];
    }
    for (i = 0; i < k; ++i, wb += m) {
        const uint32_t v0 = xs[3 * i], v1 = xs[3 * i + 1], v2 = xs[3 * i + 2];
        for (j = 0; j < m; ++j) {
            acc[0][j] += wb[j] * v0;
            acc[1][j] += wb[j] * v1;
            acc[2][j] += wb[j] * v2;
        }
    }
}

/* Two inputs of the same layout (xs[3i + q], q < 2; xs[3i + 2] not read): acc[q][j] as
 * hcc_triple_block_u8's for q < 2. On Xtensa the four channels of a block in one pass: per term
 * 2 input loads and 4 x (l8ui, 2 x (mul16u, add)), 22 instructions for 8 products (two channels
 * a pass: 12 for 4, the inputs loaded twice), eight terms a pass; 14 registers, every one the
 * asm can have (a2-a15; the loop's end read from memory, the accumulators' address kept on the
 * stack by GCC), so out of line. Other m: C. */
#if HCC_XTENSA_KERNELS
#define HCC_PAIR4_CH(i, c)                                                        \
    "l8ui %[t], %[wp], " #i "*4+" #c "\n\t"                                       \
    "mul16u %[p], %[t], %[x0]\n\t"                                               \
    "add %[a" #c "], %[a" #c "], %[p]\n\t"                                         \
    "mul16u %[t], %[t], %[x1]\n\t"                                               \
    "add %[b" #c "], %[b" #c "], %[t]\n\t"
#define HCC_PAIR4_TERM(i)                                                         \
    "l8ui %[x0], %[xp], " #i "*3\n\t"                                             \
    "l8ui %[x1], %[xp], " #i "*3+1\n\t"                                           \
    HCC_PAIR4_CH(i, 0) HCC_PAIR4_CH(i, 1) HCC_PAIR4_CH(i, 2) HCC_PAIR4_CH(i, 3)
#define HCC_PAIR4_OUTS                                                            \
    [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1), \
    [b2] "+r"(b2), [b3] "+r"(b3), [xp] "+r"(xp), [wp] "+r"(wp), [x0] "=&r"(x0), [x1] "=&r"(x1), \
    [t] "=&r"(t), [p] "=&r"(pr)
#endif

HCC_OUT_OF_LINE HCC_NO_CLONE void hcc_pair_block_u8(const uint8_t *xs, int32_t k, const uint8_t *wb, int32_t m,
                                       uint32_t acc[3][4]) {
    int32_t i, j;
#if HCC_XTENSA_KERNELS
    if (m == 4) {
        const uint8_t *volatile end8 = xs + 3 * (k & ~(int32_t)7);
        const uint8_t *const end = xs + 3 * k;
        const uint8_t *xp = xs, *wp = wb;
        uint32_t a0 = acc[0][0], a1 = acc[0][1], a2 = acc[0][2], a3 = acc[0][3], b0 = acc[1][0], b1 = acc[1][1],
                 b2 = acc[1][2], b3 = acc[1][3], x0, x1, t, pr;
        if (k >= 8) {
            __asm__ volatile(
                "1:\n\t"
                HCC_PAIR4_TERM(0) HCC_PAIR4_TERM(1) HCC_PAIR4_TERM(2) HCC_PAIR4_TERM(3)
                HCC_PAIR4_TERM(4) HCC_PAIR4_TERM(5) HCC_PAIR4_TERM(6) HCC_PAIR4_TERM(7)
                "addi %[xp], %[xp], 24\n\t"
                "addi %[wp], %[wp], 32\n\t"
                "l32i %[t], %[endm]\n\t"
                "bne %[xp], %[t], 1b\n\t"
                : HCC_PAIR4_OUTS
                : [endm] "m"(end8)
                : "memory");
        }
        while (xp != end) {
            __asm__ volatile(
                HCC_PAIR4_TERM(0)
                "addi %[xp], %[xp], 3\n\t"
                "addi %[wp], %[wp], 4\n\t"
                : HCC_PAIR4_OUTS
                :
                : "memory");
        }
        acc[0][0] = a0;
        acc[0][1] = a1;
        acc[0][2] = a2;
        acc[0][3] = a3;
        acc[1][0] = b0;
        acc[1][1] = b1;
        acc[1][2] = b2;
        acc[1][3] = b3;
        (void)j;
        return;
    }
#endif
    for (i = 0; i < k; ++i, wb += m) {
        const uint32_t v0 = xs[3 * i], v1 = xs[3 * i + 1];
        for (j = 0; j < m; ++j) {
            acc[0][j] += wb[j] * v0;
            acc[1][j] += wb[j] * v1;
        }
    }
}

/* m and s back from the words (the general path) */
static inline int32_t hcc_word_m(int32_t wm, int32_t ws) {
    return (ws & 31) ? (int32_t)((uint32_t)wm - (((uint32_t)wm & 0x8000u) << 1)) : wm;
}

static inline int32_t hcc_word_s(int32_t ws) { return (ws & 31) ? (ws & 31) + 16 : ws >> 5; }

/* z_out + requantize(acc, m, s) for acc in [-2^20, 2^20) on a channel with words (*ok = 1),
 * three multiplies; else *ok = 0. */
static inline int32_t hcc_requant_word_wide(int32_t acc, int32_t wm, int32_t ws, int *ok) {
    const int32_t sh = ws & 31;
    if (sh != 0 && (uint32_t)acc + 0x100000u < 0x200000u) {
        const int32_t m = (int32_t)((uint32_t)wm - (((uint32_t)wm & 0x8000u) << 1));
        const int32_t x = acc * (m >> 21) + ((acc * ((m >> 10) & 0x7FF) + ((acc * (m & 0x3FF)) >> 10)) >> 11);
        *ok = 1;
        return (x + ((ws - sh) >> 5)) >> (sh - 5);
    }
    *ok = 0;
    return 0;
}

/* hcc_requant_word_s8 past the two-multiply form */
HCC_OUT_OF_LINE int8_t hcc_requant_word_s8_rest(int32_t acc, int32_t wm, int32_t ws, int32_t z_out,
                                                          int32_t act_min, int32_t act_max) {
    int ok;
    const int32_t v = hcc_requant_word_wide(acc, wm, ws, &ok);
    if (ok) {
        const int32_t lo = act_min > -128 ? act_min : -128, hi = act_max < 127 ? act_max : 127;
        return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
    }
    return hcc_requantize_s8_inline(acc, hcc_word_m(wm, ws), hcc_word_s(ws), z_out, act_min, act_max);
}

/* One output of the blocked kernels (hcc_fully_connected_row_s8, hcc_conv2d_blocked_s8_rows)
 * from its channel's words, clamped to [lo, hi] = [max(act_min, -128), min(act_max, 127)]: the
 * same integers as hcc_requantize_s8(acc, m, s, z_out, act_min, act_max). */
static inline int8_t hcc_requant_word_s8(int32_t acc, int32_t wm, int32_t ws, int32_t z_out, int32_t lo, int32_t hi,
                                         int32_t act_min, int32_t act_max) {
    const int32_t sh = ws & 31;
    if (sh != 0 && (uint32_t)acc + 0x8000u < 0x10000u) {
        const int32_t v = HCC_WORD_SMALL(acc, sh, wm, ws);
        return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
    }
    return hcc_requant_word_s8_rest(acc, wm, ws, z_out, act_min, act_max);
}

#if HCC_XTENSA_KERNELS
/* One output of hcc_requant_words4: acc at byte o4 of %[ap], its words at o4 of %[mp] (l16si
 * reads the halves bl, bh) and %[sp], the byte at o1 of %[op]. 20 instructions when the
 * two-multiply form applies; else to label sl (HCC_WORDS_MISS). */
#define HCC_WORDS_OUT(o4, o1, sl, bk)                                             \
    "l32i %[t], %[ap], " #o4 "\n\t"                                               \
    "sub %[t], %[t], %[s128]\n\t"                                                \
    "add %[u], %[t], %[k]\n\t"                                                   \
    "bgeui %[u], 65536, " #sl "f\n\t"                                            \
    "l32i %[w], %[sp], " #o4 "\n\t"                                               \
    "extui %[u], %[w], 0, 5\n\t"                                                 \
    "beqz %[u], " #sl "f\n\t"                                                     \
    "ssr %[w]\n\t"                                                               \
    "sub %[w], %[w], %[u]\n\t"                                                   \
    "l16si %[u], %[mp], " #o4 "\n\t"                                              \
    "l16si %[v], %[mp], " #o4 "+2\n\t"                                            \
    "mull %[u], %[u], %[t]\n\t"                                                  \
    "mull %[t], %[t], %[v]\n\t"                                                  \
    "srai %[u], %[u], 16\n\t"                                                    \
    "add %[t], %[t], %[u]\n\t"                                                   \
    "add %[t], %[t], %[w]\n\t"                                                   \
    "sra %[t], %[t]\n\t"                                                         \
    HCC_CLAMP_ASM                                                                 \
    "s8i %[t], %[op], " #o1 "\n\t"                                                \
    #bk ":\n\t"
/* The other outputs of HCC_WORDS_OUT (t = acc): the three-multiply form of
 * hcc_requant_word_wide for acc in [-2^20, 2^20) on a channel with words (~36 instructions in
 * all), else the flag (C writes the output). */
#define HCC_WORDS_MISS(o4, o1, sl, bk)                                            \
    #sl ":\n\t"                                                                  \
    "l32i %[w], %[sp], " #o4 "\n\t"                                               \
    "extui %[u], %[w], 0, 5\n\t"                                                 \
    "beqz %[u], 7f\n\t"                                                          \
    "srai %[v], %[t], 20\n\t"                                                    \
    "addi %[v], %[v], 1\n\t"                                                     \
    "bgeui %[v], 2, 7f\n\t"                                                      \
    "addi %[v], %[u], -5\n\t"                                                    \
    "ssr %[v]\n\t"                                                               \
    "sub %[w], %[w], %[u]\n\t"                                                   \
    "srai %[w], %[w], 5\n\t"                                                     \
    "l16si %[u], %[mp], " #o4 "\n\t"                                              \
    "l16si %[v], %[mp], " #o4 "+2\n\t"                                            \
    "slli %[v], %[v], 16\n\t"                                                    \
    "add %[v], %[v], %[u]\n\t"                                                   \
    "srai %[u], %[v], 21\n\t"                                                    \
    "mull %[u], %[u], %[t]\n\t"                                                  \
    "add %[w], %[w], %[u]\n\t"                                                   \
    "extui %[u], %[v], 10, 11\n\t"                                               \
    "mull %[u], %[u], %[t]\n\t"                                                  \
    "extui %[v], %[v], 0, 10\n\t"                                                \
    "mull %[v], %[v], %[t]\n\t"                                                  \
    "srai %[v], %[v], 10\n\t"                                                    \
    "add %[u], %[u], %[v]\n\t"                                                   \
    "srai %[u], %[u], 11\n\t"                                                    \
    "add %[t], %[w], %[u]\n\t"                                                   \
    "sra %[t], %[t]\n\t"                                                         \
    HCC_CLAMP_ASM                                                                 \
    "s8i %[t], %[op], " #o1 "\n\t"                                                \
    "j " #bk "b\n\t"                                                              \
    "7:\n\t"                                                                     \
    "movi %[f], 1\n\t"                                                           \
    "j " #bk "b\n\t"
#endif

/* out[i] for the four channels of a block: hcc_requant_word_s8(acc[i] - s128, wm[i], ws[i], ...).
 * On Xtensa one asm block (written out for the four): 20 instructions an output with two
 * multiplies, ~36 with three (out of line); an output the words do not serve sets a flag and C
 * writes it (hcc_requant_word_s8_rest). */
static inline void hcc_requant_words4(const uint32_t *acc, uint32_t s128, const int32_t *wm, const int32_t *ws,
                                      int8_t *out, int32_t z_out, int32_t lo, int32_t hi, int32_t act_min,
                                      int32_t act_max) {
    int32_t i;
#if HCC_XTENSA_KERNELS
    int32_t f = 0, t, u, v, w;
    const int32_t k = 0x8000;
    __asm__ volatile(
        HCC_WORDS_OUT(0, 0, 11, 21)
        HCC_WORDS_OUT(4, 1, 12, 22)
        HCC_WORDS_OUT(8, 2, 13, 23)
        HCC_WORDS_OUT(12, 3, 14, 24)
        "j 30f\n\t"
        HCC_WORDS_MISS(0, 0, 11, 21)
        HCC_WORDS_MISS(4, 1, 12, 22)
        HCC_WORDS_MISS(8, 2, 13, 23)
        HCC_WORDS_MISS(12, 3, 14, 24)
        "30:\n\t"
        : [f] "+r"(f), [t] "=&r"(t), [u] "=&r"(u), [v] "=&r"(v), [w] "=&r"(w)
        : [ap] "r"(acc), [mp] "r"(wm), [sp] "r"(ws), [op] "r"(out), [s128] "r"(s128), [k] "r"(k), [lo] "r"(lo),
          [hi] "r"(hi)
        : "memory");
    if (f == 0) return;
    for (i = 0; i < 4; ++i) {
        const int32_t a = (int32_t)(acc[i] - s128);
        if ((ws[i] & 31) == 0 || (uint32_t)a + 0x100000u >= 0x200000u) {
            out[i] = hcc_requant_word_s8_rest(a, wm[i], ws[i], z_out, act_min, act_max);
        }
    }
#else
    for (i = 0; i < 4; ++i) {
        out[i] = hcc_requant_word_s8((int32_t)(acc[i] - s128), wm[i], ws[i], z_out, lo, hi, act_min, act_max);
    }
#endif
}

#if HCC_XTENSA_KERNELS
/* One output of hcc_requant_triple4: pixel q's accumulator of channel j (byte 16 q + 4 j of
 * %[ap]) with the channel's words in registers (%[bl], %[bh], %[c] = ws - sh, SAR = sh), the
 * byte at j of %[op]; then `step` (%[op] to the next pixel's outputs, or nothing). 13
 * instructions; an accumulator outside [-2^15, 2^15) goes to label 2qj (HCC_TRIPLE_MISS). */
#define HCC_TRIPLE_OUT(q, j, step)                                                \
    "l32i %[t], %[ap], 16*" #q "+4*" #j "\n\t"                                    \
    "add %[x], %[t], %[k]\n\t"                                                   \
    "bgeui %[x], 65536, 2" #q #j "f\n\t"                                          \
    "mull %[x], %[t], %[bl]\n\t"                                                 \
    "mull %[t], %[t], %[bh]\n\t"                                                 \
    "srai %[x], %[x], 16\n\t"                                                    \
    "add %[t], %[t], %[x]\n\t"                                                   \
    "add %[t], %[t], %[c]\n\t"                                                   \
    "sra %[t], %[t]\n\t"                                                         \
    HCC_CLAMP_ASM                                                                 \
    "s8i %[t], %[op], " #j "\n\t"                                                 \
    "3" #q #j ":\n\t"                                                            \
    step
/* ... past the end of the asm: marks the block (word 48 of %[ap] set to %[ap], not 0: C writes
 * the outputs the asm left) and goes back */
#define HCC_TRIPLE_MISS(q, j)                                                     \
    "2" #q #j ":\n\t"                                                            \
    "s32i %[ap], %[ap], 48\n\t"                                                  \
    "j 3" #q #j "b\n\t"
#define HCC_OP_ADD "add %[op], %[op], %[oc]\n\t"
#define HCC_OP_SUB "sub %[op], %[op], %[oc]\n\t"
/* channel j's words (a channel without them: the mark, %[op] moved as its outputs would
 * have), then its three outputs: pixels 0, 1, 2 (fwd, %[op] left at pixel 2) or 2, 1, 0
 * (back, left at pixel 0) */
#define HCC_TRIPLE_WORDS(j, step) HCC_TRIPLE_WORDS_N(j, step step)
/* ... with `steps` the moves of %[op] past the channel's outputs but the first */
#define HCC_TRIPLE_WORDS_N(j, steps)                                              \
    "l32i %[c], %[sp], 4*" #j "\n\t"                                              \
    "extui %[x], %[c], 0, 5\n\t"                                                 \
    "bnez %[x], 5f\n\t"                                                          \
    "s32i %[ap], %[ap], 48\n\t"                                                  \
    steps                                                                         \
    "j 4f\n\t"                                                                   \
    "5:\n\t"                                                                     \
    "ssr %[c]\n\t"                                                               \
    "sub %[c], %[c], %[x]\n\t"                                                   \
    "l16si %[bl], %[mp], 4*" #j "\n\t"                                            \
    "l16si %[bh], %[mp], 4*" #j "+2\n\t"
#define HCC_TRIPLE_FWD(j)                                                         \
    HCC_TRIPLE_WORDS(j, HCC_OP_ADD)                                               \
    HCC_TRIPLE_OUT(0, j, HCC_OP_ADD) HCC_TRIPLE_OUT(1, j, HCC_OP_ADD) HCC_TRIPLE_OUT(2, j, "") \
    "4:\n\t"
#define HCC_TRIPLE_BACK(j)                                                        \
    HCC_TRIPLE_WORDS(j, HCC_OP_SUB)                                               \
    HCC_TRIPLE_OUT(2, j, HCC_OP_SUB) HCC_TRIPLE_OUT(1, j, HCC_OP_SUB) HCC_TRIPLE_OUT(0, j, "") \
    "4:\n\t"
/* the same for two pixels (hcc_requant_pair4_asm) */
#define HCC_PAIR_FWD(j)                                                           \
    HCC_TRIPLE_WORDS_N(j, HCC_OP_ADD)                                             \
    HCC_TRIPLE_OUT(0, j, HCC_OP_ADD) HCC_TRIPLE_OUT(1, j, "")                     \
    "4:\n\t"
#define HCC_PAIR_BACK(j)                                                          \
    HCC_TRIPLE_WORDS_N(j, HCC_OP_SUB)                                             \
    HCC_TRIPLE_OUT(1, j, HCC_OP_SUB) HCC_TRIPLE_OUT(0, j, "")                     \
    "4:\n\t"
#endif

#if HCC_XTENSA_KERNELS
/* the asm of hcc_requant_triple4_asm and hcc_requant_pair4_asm: CHANNELS the four channels'
 * outputs, MISSES their labels past its end */
#define HCC_REQUANT_BLOCK4_ASM(acc, wm, ws, out, out_c, lo, hi, CHANNELS, MISSES)  \
    do {                                                                          \
        int32_t t_, x_, bl_, bh_, c_;                                             \
        int8_t *op_ = (out);                                                      \
        const int32_t k_ = 0x8000;                                                \
        (acc)[3][0] = 0u;                                                         \
        __asm__ volatile(                                                         \
            CHANNELS "j 1f\n\t" MISSES "1:\n\t"                                  \
            : [op] "+r"(op_), [t] "=&r"(t_), [x] "=&r"(x_), [bl] "=&r"(bl_), [bh] "=&r"(bh_), [c] "=&r"(c_) \
            : [ap] "r"(acc), [mp] "r"(wm), [sp] "r"(ws), [oc] "r"(out_c), [k] "r"(k_), [lo] "r"(lo), \
              [hi] "r"(hi)                                                        \
            : "memory");                                                          \
    } while (0)
/* hcc_requant_triple4's asm (written where it is called: hcc_requant_triple4, and the block loop of
 * conv2d_s8.c): 13 registers, the mark of the outputs it leaves to C in acc[3][0] (not 0) */
HCC_ALWAYS_INLINE void hcc_requant_triple4_asm(uint32_t acc[4][4], const int32_t *wm, const int32_t *ws, int8_t *out,
                                               int32_t out_c, int32_t lo, int32_t hi) {
    HCC_REQUANT_BLOCK4_ASM(acc, wm, ws, out, out_c, lo, hi,
                           HCC_TRIPLE_FWD(0) HCC_TRIPLE_BACK(1) HCC_TRIPLE_FWD(2) HCC_TRIPLE_BACK(3),
                           HCC_TRIPLE_MISS(0, 0) HCC_TRIPLE_MISS(1, 0) HCC_TRIPLE_MISS(2, 0)
                           HCC_TRIPLE_MISS(0, 1) HCC_TRIPLE_MISS(1, 1) HCC_TRIPLE_MISS(2, 1)
                           HCC_TRIPLE_MISS(0, 2) HCC_TRIPLE_MISS(1, 2) HCC_TRIPLE_MISS(2, 2)
                           HCC_TRIPLE_MISS(0, 3) HCC_TRIPLE_MISS(1, 3) HCC_TRIPLE_MISS(2, 3));
}
#endif

#if HCC_XTENSA_KERNELS
/* hcc_requant_triple4_asm for two pixels (rows 0 and 1 of acc; the row tails of two pixels of
 * blocked_rows' 1x1 convs): each channel's words loaded once for both, ~16 instructions an
 * output against hcc_requant_words4's 20 */
HCC_ALWAYS_INLINE void hcc_requant_pair4_asm(uint32_t acc[4][4], const int32_t *wm, const int32_t *ws, int8_t *out,
                                             int32_t out_c, int32_t lo, int32_t hi) {
    HCC_REQUANT_BLOCK4_ASM(acc, wm, ws, out, out_c, lo, hi,
                           HCC_PAIR_FWD(0) HCC_PAIR_BACK(1) HCC_PAIR_FWD(2) HCC_PAIR_BACK(3),
                           HCC_TRIPLE_MISS(0, 0) HCC_TRIPLE_MISS(1, 0) HCC_TRIPLE_MISS(0, 1) HCC_TRIPLE_MISS(1, 1)
                           HCC_TRIPLE_MISS(0, 2) HCC_TRIPLE_MISS(1, 2) HCC_TRIPLE_MISS(0, 3) HCC_TRIPLE_MISS(1, 3));
}
#endif

/* The outputs of hcc_requant_triple4 its asm leaves (a channel without words, an accumulator
 * outside [-2^15, 2^15)), in C (hcc_requant_word_s8); on the host all twelve. np: the pixels,
 * 3 (hcc_requant_triple4_asm) or 2 (hcc_requant_pair4_asm). */
HCC_OUT_OF_LINE void hcc_requant_triple4_rest(const uint32_t acc[4][4], int32_t np, const int32_t *wm,
                                              const int32_t *ws, int8_t *out, int32_t out_c, int32_t z_out, int32_t lo,
                                              int32_t hi, int32_t act_min, int32_t act_max) {
    int32_t q, j;
    for (j = 0; j < 4; ++j) {
        for (q = 0; q < np; ++q) {
#if HCC_XTENSA_KERNELS
            if ((ws[j] & 31) != 0 && acc[q][j] + 0x8000u < 0x10000u) continue;
#endif
            out[q * out_c + j] = hcc_requant_word_s8((int32_t)acc[q][j], wm[j], ws[j], z_out, lo, hi, act_min, act_max);
        }
    }
}

/* The twelve outputs of a block of four channels over three pixels (conv_pixels):
 * out[q out_c + j] = hcc_requant_word_s8(acc[q][j], wm[j], ws[j], ...), the input sums already
 * taken from acc (rows 0-2; row 3 the asm's scratch). On Xtensa one asm block: each channel's
 * words loaded once for its three pixels, 13 instructions an output when the two-multiply form
 * applies (hcc_requant_words4: 20, the words loaded for every output); the others C
 * (hcc_requant_word_s8). */
HCC_OUT_OF_LINE void hcc_requant_triple4(uint32_t acc[4][4], const int32_t *wm, const int32_t *ws, int8_t *out,
                                         int32_t out_c, int32_t z_out, int32_t lo, int32_t hi, int32_t act_min,
                                         int32_t act_max) {
#if HCC_XTENSA_KERNELS
    hcc_requant_triple4_asm(acc, wm, ws, out, out_c, lo, hi);
    if (acc[3][0] == 0u) return;
#endif
    hcc_requant_triple4_rest((const uint32_t(*)[4])acc, 3, wm, ws, out, out_c, z_out, lo, hi, act_min, act_max);
}

/* The bound on |acc| under which a channel's hoisted requantization is used: with |bh| up
 * to 2^15 (|m| < 2^31), 2^15 keeps hcc_requant_hoist's int32 check satisfiable. The asm of
 * hcc_requant_records takes acc in [-2^15, 2^15) (acc + 2^15 < 2^16: one add, one bgeui). */
#define HCC_HOIST_BOUND 0x8000

/* recs[c] for each of n_out channels: the bias (0 without one) and how to requantize
 * (hcc_channel_rec_t); computed once per call. The magnitude terms are those of
 * hcc_requantize_s8_inline's first path (exact for |acc| < 2^16, s in [17, 47]). The zero
 * channel after an odd total (never requantized) is hcc_hoist_pad's. */
static inline void hcc_hoist_channels(hcc_channel_rec_t *recs, const int32_t *mult, const int32_t *shift,
                                      const int32_t *bias, int32_t n_out, int32_t z_out, int32_t act_min,
                                      int32_t act_max) {
    const int32_t lo = act_min > -128 ? act_min : -128, hi = act_max < 127 ? act_max : 127;
    int32_t c;
    for (c = 0; c < n_out; ++c) {
        hcc_channel_rec_t *const r = &recs[c];
        const int32_t m = mult[c], s = shift[c];
        const uint32_t um = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
        r->bias = bias ? bias[c] : 0;
        r->cmark = 0;
        if (hcc_requant_hoist(&r->q, m, s, z_out, act_min, act_max, HCC_HOIST_BOUND)) {
            r->k = HCC_HOIST_BOUND;
        } else {
            r->q.bh = r->q.bl = 0;
            r->q.c = m < 0 ? INT32_MAX : INT32_MIN;
            r->q.lo = lo;
            r->q.hi = hi;
            r->k = 0x80000000u;
        }
        /* the C path only: a shift the 32-bit terms cannot take, an empty clamp, z_out past int8 */
        r->q.sh = (uint32_t)(s - 17) <= 30u && lo <= hi && z_out >= -128 && z_out <= 127 ? s - 16 : 0;
        r->mh = um >> 16;
        r->ml = um & 0xFFFFu;
        r->rnd = r->q.sh != 0 ? (uint32_t)1u << (s - 17) : 0u;
        r->z = z_out;
        r->msign = m;
        r->s = s;
    }
}

/* The zero channel's record after an odd n_out: bias 0 (its weights are 0 too). */
static inline void hcc_hoist_pad(hcc_channel_rec_t *recs, int32_t n_out) {
    if (n_out & 1) {
        recs[n_out].bias = 0;
        recs[n_out].q.sh = 0;
    }
}

#if HCC_XTENSA_KERNELS
/* One output of hcc_requant_records: the accumulator at byte ao of the record, stored at
 * %[dp]. 12 instructions when acc + k < 2^16: load, range check (2), the hoisted
 * requantization (6), clamp (2 branches, usually not taken), store; otherwise to the
 * record's magnitude terms at label sl (HCC_RECS_SLOW), which come back to bk. */
#define HCC_RECS_OUT(ao, dp, sl, bk)                                              \
    "l32i %[t], %[r], " #ao "\n\t"                                                \
    "add %[u], %[t], %[k]\n\t"                                                    \
    "bgeui %[u], 65536, " #sl "f\n\t"                                             \
    HCC_REQUANT_HOISTED_TERMS_ASM                                                 \
    #bk ":\n\t"                                                                   \
    HCC_CLAMP_ASM                                                                 \
    "s8i %[t], %[" #dp "], 0\n\t"
/* t = acc: |acc| < 2^16 gives t = z_out + sign(acc m) ((|acc| mh + ((|acc| ml) >> 16) + rnd)
 * >> (s - 16)) (SAR is s - 16 already), using bh, bl, c as temporaries and loading them again;
 * a larger |acc| marks the channel and the flag for C (cf) and stores a dummy. */
#define HCC_RECS_SLOW(sl, bk, cf)                                                 \
    #sl ":\n\t"                                                                   \
    "abs %[u], %[t]\n\t"                                                          \
    "bgeui %[u], 65536, " #cf "f\n\t"                                             \
    "l32i %[bh], %[r], 48\n\t"                                                    \
    "mul16u %[bh], %[u], %[bh]\n\t"                                               \
    "l32i %[bl], %[r], 44\n\t"                                                    \
    "srli %[bh], %[bh], 16\n\t"                                                   \
    "mull %[u], %[u], %[bl]\n\t"                                                  \
    "l32i %[c], %[r], 52\n\t"                                                     \
    "add %[u], %[u], %[bh]\n\t"                                                   \
    "add %[u], %[u], %[c]\n\t"                                                    \
    "srl %[u], %[u]\n\t"                                                          \
    "l32i %[c], %[r], 60\n\t"                                                     \
    "neg %[bl], %[u]\n\t"                                                         \
    "xor %[c], %[c], %[t]\n\t"                                                    \
    "movltz %[u], %[bl], %[c]\n\t"                                                \
    "l32i %[bh], %[r], 56\n\t"                                                    \
    "add %[t], %[u], %[bh]\n\t"                                                   \
    "l32i %[bh], %[r], 0\n\t"                                                     \
    "l32i %[bl], %[r], 4\n\t"                                                     \
    "l32i %[c], %[r], 8\n\t"                                                      \
    "j " #bk "b\n\t"                                                              \
    #cf ":\n\t"                                                                   \
    "movi %[u], 1\n\t"                                                            \
    "s32i %[u], %[r], 64\n\t"                                                     \
    "s32i %[u], %[end], 0\n\t"                                                    \
    "j " #bk "b\n\t"
#endif

/* dst[p][c] = the requantized recs[c].acc[p] for p < 3, c < n_out (the dst rows may
 * coincide: a short last triple repeats its last input). On Xtensa one asm loop over the
 * records (13 registers): per channel its terms into registers (SAR = s - 16; the clamp
 * bounds are the same for every channel), then per
 * output 12 instructions with the hoisted terms when |acc| <= 2^15 (HCC_RECS_OUT), else
 * hcc_requantize_s8_inline's first path from the record (|acc| < 2^16, out of line); a
 * larger accumulator or a channel with q.sh = 0 marks the record and sets the flag (the word
 * at recs + n_out: the zero channel's record after an odd n_out, else the word after the
 * records), and C writes those channels' outputs again (hcc_requantize_s8_inline). The
 * portable C computes the same integers the same ways. */
/* always inlined on Xtensa: with two calls in a file (conv2d_3x3_s8.c) GCC would make it a
 * function, and every dense conv's triple would pay the call */
#if HCC_XTENSA_KERNELS
__attribute__((always_inline))
#endif
static inline void hcc_requant_records(hcc_channel_rec_t *recs, int32_t n_out, int32_t z_out, int32_t act_min,
                                       int32_t act_max, int8_t *const dst[3]) {
    int32_t c, p;
#if HCC_XTENSA_KERNELS
    hcc_channel_rec_t *r = recs, *const end = recs + n_out;
    volatile uint32_t *const flag = (volatile uint32_t *)end;
    int8_t *d0 = dst[0], *d1 = dst[1], *d2 = dst[2];
    /* every record's q.lo, q.hi */
    const int32_t lo = act_min > -128 ? act_min : -128, hi = act_max < 127 ? act_max : 127;
    int32_t bh, bl, cc, k, t, u;
    *flag = 0;
    if (n_out > 0) {
        __asm__ volatile(
            "1:\n\t"
            "l32i %[t], %[r], 12\n\t"
            "beqz %[t], 50f\n\t"
            "ssr %[t]\n\t"
            "l32i %[bh], %[r], 0\n\t"
            "l32i %[bl], %[r], 4\n\t"
            "l32i %[c], %[r], 8\n\t"
            "l32i %[k], %[r], 40\n\t"
            HCC_RECS_OUT(28, d0, 11, 21)
            HCC_RECS_OUT(32, d1, 12, 22)
            HCC_RECS_OUT(36, d2, 13, 23)
            "40:\n\t"
            "addi %[r], %[r], 72\n\t"
            "addi %[d0], %[d0], 1\n\t"
            "addi %[d1], %[d1], 1\n\t"
            "addi %[d2], %[d2], 1\n\t"
            "bne %[r], %[end], 1b\n\t"
            "j 60f\n\t"
            HCC_RECS_SLOW(11, 21, 31)
            HCC_RECS_SLOW(12, 22, 32)
            HCC_RECS_SLOW(13, 23, 33)
            "50:\n\t"
            "movi %[u], 1\n\t"
            "s32i %[u], %[r], 64\n\t"
            "s32i %[u], %[end], 0\n\t"
            "j 40b\n\t"
            "60:\n\t"
            : [r] "+r"(r), [d0] "+r"(d0), [d1] "+r"(d1), [d2] "+r"(d2), [bh] "=&r"(bh), [bl] "=&r"(bl),
              [c] "=&r"(cc), [k] "=&r"(k), [t] "=&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [lo] "r"(lo), [hi] "r"(hi)
            : "memory");
    }
    if (*flag == 0) return;
    for (c = 0; c < n_out; ++c) {
        hcc_channel_rec_t *const rc = &recs[c];
        if (!rc->cmark) continue;
        rc->cmark = 0;
        for (p = 0; p < 3; ++p) {
            dst[p][c] = hcc_requantize_s8_inline((int32_t)rc->acc[p], rc->msign, rc->s, z_out, act_min, act_max);
        }
    }
#else
    for (c = 0; c < n_out; ++c) {
        const hcc_channel_rec_t *const rc = &recs[c];
        for (p = 0; p < 3; ++p) {
            const int32_t acc = (int32_t)rc->acc[p];
            const uint32_t a = acc < 0 ? 0u - (uint32_t)acc : (uint32_t)acc;
            int32_t v;
            if (rc->q.sh == 0 || a >= 0x10000u) {
                v = hcc_requantize_s8_inline(acc, rc->msign, rc->s, z_out, act_min, act_max);
            } else if ((uint32_t)acc + rc->k < 0x10000u) {
                v = hcc_requant_hoisted(&rc->q, acc);
            } else {
                const uint32_t mag = (a * rc->mh + ((a * rc->ml) >> 16) + rc->rnd) >> rc->q.sh;
                v = rc->z + ((acc ^ rc->msign) < 0 ? -(int32_t)mag : (int32_t)mag);
                v = v < rc->q.lo ? rc->q.lo : (v > rc->q.hi ? rc->q.hi : v);
            }
            dst[p][c] = (int8_t)v;
        }
    }
#endif
}

/* Every channel pair of three inputs (xs as hcc_dot3x2_s16 reads it, k terms): the bias and
 * the dot product into the records (hcc_triples_dots), then the requantization of all n_out
 * channels to dst[p][c] (hcc_requant_records). */
static inline void hcc_triples_dots(const int16_t *xs, int32_t k, const int16_t *packed, int32_t n_out,
                                    hcc_channel_rec_t *recs) {
    int32_t c;
    for (c = 0; c < n_out; c += 2) hcc_dot3x2_s16(xs, k, packed + k * c, &recs[c], &recs[c + 1]);
}

static inline void hcc_triples_requantize(const int16_t *xs, int32_t k, const int16_t *packed, int32_t n_out,
                                          hcc_channel_rec_t *recs, int32_t z_out, int32_t act_min, int32_t act_max,
                                          int8_t *const dst[3]) {
    hcc_triples_dots(xs, k, packed, n_out, recs);
    hcc_requant_records(recs, n_out, z_out, act_min, act_max, dst);
}

#if HCC_XTENSA_KERNELS
/* The dot products of hcc_triples_dots on the three inputs in place (hcc_dot3x2_p##P, P one
 * of HCC_STRIDED_P). */
static inline void hcc_strided_triples(const int16_t *const *runs, int32_t kh, int32_t run, int32_t P,
                                       const int16_t *packed, int32_t n_out, hcc_channel_rec_t *recs) {
    const int32_t k = kh * run;
    int32_t c;
    for (c = 0; c < n_out; c += 2) {
        const int16_t *const w = packed + k * c;
        if (P == 16) {
            hcc_dot3x2_p16(runs, kh, run, w, &recs[c], &recs[c + 1]);
        } else if (P == 32) {
            hcc_dot3x2_p32(runs, kh, run, w, &recs[c], &recs[c + 1]);
        } else if (P == 64) {
            hcc_dot3x2_p64(runs, kh, run, w, &recs[c], &recs[c + 1]);
        } else {
            hcc_dot3x2_p128(runs, kh, run, w, &recs[c], &recs[c + 1]);
        }
    }
}
#endif

#if HCC_XTENSA_KERNELS
/* one value of hcc_widen_s16: byte k of %[ps] to int16 k of the destination, its byte offset k * step * 2 */
#define HCC_WIDEN_TERM(k, off)                                                    \
    "l8ui %[t], %[ps], " #k "\n\t"                                                \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "sub %[t], %[t], %[z]\n\t"                                                    \
    "s16i %[t], %[pd], " #off "\n\t"
#define HCC_WIDEN_LOOP(o)                                                         \
    "1:\n\t"                                                                      \
    HCC_WIDEN_TERM(0, 0) HCC_WIDEN_TERM(1, o) HCC_WIDEN_TERM(2, 2*o) HCC_WIDEN_TERM(3, 3*o) \
    HCC_WIDEN_TERM(4, 4*o) HCC_WIDEN_TERM(5, 5*o) HCC_WIDEN_TERM(6, 6*o) HCC_WIDEN_TERM(7, 7*o) \
    "addi %[ps], %[ps], 8\n\t"                                                    \
    "addi %[pd], %[pd], 8*" #o "\n\t"                                             \
    "bne %[ps], %[end], 1b\n\t"
#endif

/* dst[step i] = src[i] - z for i < len (int8 -> int16, every step-th int16). On Xtensa for step
 * 1 and 3 (the conv's rows, the interleaved triples) eight per pass in inline asm with the
 * destination offsets as immediates, x - z as (u ^ 0x80) - (z + 128) from the unsigned byte
 * u: 4.4 instructions per value (lx106 has no sign-extending byte load; GCC's loop takes 8). */
static inline void hcc_widen_s16(const int8_t *src, int32_t len, int32_t z, int16_t *dst, int32_t step) {
#if HCC_XTENSA_KERNELS
    if (len >= 8 && (step == 1 || step == 3)) {
        const int8_t *end = src + (len & ~(int32_t)7);
        const uint32_t c80 = 0x80u;
        const int32_t z128 = z + 128;
        int32_t t;
        if (step == 1) {
            __asm__ volatile(HCC_WIDEN_LOOP(2)
                             : [ps] "+r"(src), [pd] "+r"(dst), [t] "=&r"(t)
                             : [end] "r"(end), [c80] "r"(c80), [z] "r"(z128)
                             : "memory");
        } else {
            __asm__ volatile(HCC_WIDEN_LOOP(6)
                             : [ps] "+r"(src), [pd] "+r"(dst), [t] "=&r"(t)
                             : [end] "r"(end), [c80] "r"(c80), [z] "r"(z128)
                             : "memory");
        }
        len &= 7;
    }
#endif
    for (; len > 0; --len, dst += step) *dst = (int16_t)(*src++ - z);
}

#endif
