/* Causal depthwise conv1d over tokens, int8; reference hcc/kernels/dwconv1d_causal.py. */
#include "hcc_runtime.h"
#include "ssm_fixed_point.h"

/* hcc_ssm_sat8(z_out + hcc_ssm_requantize(acc, m, s), act_min, act_max), the integers of the
 * reference. With an int8 activation range (the compiler's is [-128, 127]) that is
 * hcc_requantize_s8_inline, whose 32-bit fast paths cover this kernel's accumulators (K
 * products of 8-bit values plus the bias) without the 64-bit emulation: both requantize
 * exactly, and any result beyond +-256 saturates the same way after the zero point. */
static inline int8_t requantize_out(int32_t acc, int32_t m, int32_t s, int32_t z_out, int32_t act_min,
                                    int32_t act_max)
{
    if (act_min >= -128 && act_max <= 127 && s >= 1 && s <= 62)
        return hcc_requantize_s8_inline(acc, m, s, z_out, act_min, act_max);
    return hcc_ssm_sat8(z_out + hcc_ssm_requantize(acc, m, s), act_min, act_max);
}

/* K == 4, one channel, when hcc_requant_hoist accepts the channel's accumulator bound
 * (|bias| + sum |w| max|x - z_in|): the inputs are used as u = x + 128 (on Xtensa l8ui and
 * xor 0x80: no sign extension), so acc = bias - (z_in + 128) sum w + sum_k w[k] u[t - 3 + k],
 * positions before t = 0 reading u = z_in + 128 (x = z_in, contributing 0). Chunk by chunk,
 * pass 1 keeps the last three u in registers and writes the sums (without the constant) to
 * a stack buffer, one load per output; pass 2 adds the constant and requantizes. */
#define K4_CHUNK 48 /* a multiple of the asm loops' unrolling, 3 */

#if HCC_XTENSA_KERNELS
/* 3 floor(n / 3) for 0 <= n < 2^15 (n <= K4_CHUNK here), without a divide helper. */
static inline int32_t k4_whole_steps(int32_t n) { return 3 * ((n * 21846) >> 16); }

/* One output: u[t-3] (register a) times w0, then a <- u[t]; 11 instructions. */
#define K4_DOT(a, b, c, off)                                                      \
    "mull %[acc], %[" #a "], %[w0]\n\t"                                           \
    "l8ui %[" #a "], %[xp], 0\n\t"                                                \
    "xor %[" #a "], %[" #a "], %[c80]\n\t"                                        \
    "mull %[t], %[" #b "], %[w1]\n\t"                                             \
    "add %[acc], %[acc], %[t]\n\t"                                                \
    "mull %[t], %[" #c "], %[w2]\n\t"                                             \
    "add %[acc], %[acc], %[t]\n\t"                                                \
    "mull %[t], %[" #a "], %[w3]\n\t"                                             \
    "add %[acc], %[acc], %[t]\n\t"                                                \
    "s32i %[acc], %[bp], " #off "\n\t"                                            \
    "add %[xp], %[xp], %[d]\n\t"
/* One output of pass 2: 15 instructions. */
#define K4_OUT(off)                                                               \
    "l32i %[t], %[bp], " #off "\n\t"                                              \
    "add %[t], %[t], %[bias]\n\t"                                                 \
    HCC_REQUANT_HOISTED_ASM                                                       \
    "s8i %[t], %[yp], 0\n\t"                                                      \
    "add %[yp], %[yp], %[d]\n\t"
#endif

/* Pass 1 over n outputs (x advancing by d), the window u[t-3], u[t-2], u[t-1] in win. */
static void k4_dots(const int8_t *x, int32_t d, int32_t n, const int32_t *w, int32_t *win, int32_t *buf) {
    int32_t a = win[0], b = win[1], c = win[2], i = 0;
#if HCC_XTENSA_KERNELS
    if (n >= 3) {
        const int32_t *const end = buf + k4_whole_steps(n), c80 = 0x80;
        int32_t *bp = buf;
        int32_t acc, t;
        __asm__ volatile(
            "1:\n\t"
            K4_DOT(a, b, c, 0)
            K4_DOT(b, c, a, 4)
            K4_DOT(c, a, b, 8)
            "addi %[bp], %[bp], 12\n\t"
            "bne %[bp], %[end], 1b\n\t"
            : [xp] "+r"(x), [bp] "+r"(bp), [a] "+r"(a), [b] "+r"(b), [c] "+r"(c), [acc] "=&r"(acc), [t] "=&r"(t)
            : [end] "r"(end), [d] "r"(d), [c80] "r"(c80), [w0] "r"(w[0]), [w1] "r"(w[1]), [w2] "r"(w[2]),
              [w3] "r"(w[3])
            : "memory");
        i = k4_whole_steps(n);
    }
#endif
    for (; i < n; ++i, x += d) {
        const int32_t u = (int32_t)((uint8_t)*x ^ 0x80u);
        buf[i] = w[0] * a + w[1] * b + w[2] * c + w[3] * u;
        a = b;
        b = c;
        c = u;
    }
    win[0] = a;
    win[1] = b;
    win[2] = c;
}

/* Pass 2: y[i d] = hcc_requant_hoisted(q, buf[i] + bias) for i < n. */
static void k4_requant(const hcc_requant_hoisted_t *q, const int32_t *buf, int32_t n, int32_t bias, int32_t d,
                       int8_t *y) {
    int32_t i = 0;
#if HCC_XTENSA_KERNELS
    if (n >= 3) {
        const int32_t *const end = buf + k4_whole_steps(n);
        const int32_t *bp = buf;
        int32_t t = q->sh, u;
        __asm__ volatile(
            "ssr %[t]\n\t"
            "1:\n\t"
            K4_OUT(0)
            K4_OUT(4)
            K4_OUT(8)
            "addi %[bp], %[bp], 12\n\t"
            "bne %[bp], %[end], 1b\n\t"
            : [bp] "+r"(bp), [yp] "+r"(y), [t] "+&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [d] "r"(d), [bias] "r"(bias), [bh] "r"(q->bh), [bl] "r"(q->bl), [c] "r"(q->c),
              [lo] "r"(q->lo), [hi] "r"(q->hi)
            : "memory");
        i = k4_whole_steps(n);
    }
#endif
    for (; i < n; ++i, y += d) *y = hcc_requant_hoisted(q, buf[i] + bias);
}

/* Returns 0 (nothing written) when the channel's bound is outside hcc_requant_hoist's range. */
static int k4_channel(const int8_t *x, int8_t *y, int32_t L, int32_t D, const int8_t *w8, int32_t bias, int32_t m,
                      int32_t s, int32_t z_in, int32_t z_out, int32_t act_min, int32_t act_max) {
    const int32_t w[4] = {w8[0], w8[1], w8[2], w8[3]};
    const uint32_t sum_abs = (uint32_t)((w[0] < 0 ? -w[0] : w[0]) + (w[1] < 0 ? -w[1] : w[1]) +
                                        (w[2] < 0 ? -w[2] : w[2]) + (w[3] < 0 ? -w[3] : w[3]));
    const uint32_t abs_bias = bias < 0 ? 0u - (uint32_t)bias : (uint32_t)bias;
    hcc_requant_hoisted_t q;
    int32_t buf[K4_CHUNK], win[3], t, n;
    if (abs_bias > 0xFFFFu ||
        !hcc_requant_hoist(&q, m, s, z_out, act_min, act_max, abs_bias + sum_abs * hcc_s8_max_diff(z_in)))
        return 0;
    win[0] = win[1] = win[2] = z_in + 128;
    bias -= (z_in + 128) * (w[0] + w[1] + w[2] + w[3]);
    for (t = 0; t < L; t += n) {
        n = L - t < K4_CHUNK ? L - t : K4_CHUNK;
        k4_dots(x + t * D, D, n, w, win, buf);
        k4_requant(&q, buf, n, bias, D, y + t * D);
    }
    return 1;
}

void hcc_dwconv1d_causal_s8(const int8_t *x, int8_t *y, int L, int D, int K,
                            const int8_t *w, const int32_t *bias,
                            const int32_t *mult, const int32_t *shift,
                            int32_t z_in, int32_t z_out, int32_t act_min, int32_t act_max)
{
    int t, d, k;
    if (K == 4) {
        /* Channel by channel, the last four inputs (minus z_in) in a sliding window: one
         * load per output instead of K, the weights in registers. Positions before t = 0
         * enter the window as 0, the reference's missing taps. */
        for (d = 0; d < D; ++d) {
            const int32_t w0 = w[4 * d], w1 = w[4 * d + 1], w2 = w[4 * d + 2], w3 = w[4 * d + 3];
            const int32_t b = bias[d], m = mult[d], sh = shift[d];
            const int8_t *xp = x + d;
            int8_t *yp = y + d;
            int32_t x0 = 0, x1 = 0, x2 = 0, x3;
            if (act_min >= -128 && act_max <= 127 &&
                k4_channel(x + d, y + d, L, D, w + 4 * d, b, m, sh, z_in, z_out, act_min, act_max))
                continue;
            for (t = 0; t < L; ++t, xp += D, yp += D) {
                x3 = (int32_t)*xp - z_in;
                *yp = requantize_out(b + w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3, m, sh, z_out, act_min, act_max);
                x0 = x1;
                x1 = x2;
                x2 = x3;
            }
        }
        return;
    }
    for (t = 0; t < L; ++t) {
        /* Taps k < k0 would read positions before t = 0: they contribute 0. */
        const int k0 = t >= K - 1 ? 0 : K - 1 - t;
        /* x[t - K + 1 + k, d] for k = k0, at channel 0. */
        const int8_t *const x_first = x + (size_t)(t - K + 1 + k0) * (size_t)D;
        int8_t *const y_row = y + (size_t)t * (size_t)D;
        for (d = 0; d < D; ++d) {
            const int8_t *xp = x_first + d;
            const int8_t *wp = w + (size_t)d * (size_t)K;
            int32_t acc = bias[d];
            for (k = k0; k < K; ++k, xp += D) acc += ((int32_t)*xp - z_in) * (int32_t)wp[k];
            y_row[d] = requantize_out(acc, mult[d], shift[d], z_out, act_min, act_max);
        }
    }
}
