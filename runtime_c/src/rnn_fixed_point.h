/* Fixed-point helpers private to the int8 recurrent kernels (gru_s8.c, lstm_s8.c); each is
 * the C of a function of hcc/kernels/recurrent.py. Right shifts of negative int32 values
 * are arithmetic (implementation-defined in C99; arithmetic with GCC and Clang on every
 * target we build, as in selective_scan_s8.c). */
#ifndef HCC_RNN_FIXED_POINT_H
#define HCC_RNN_FIXED_POINT_H

#include "hcc_kernels.h"
#include "dot_u8.h"

#define HCC_RNN_Q15_ONE 32768
#define HCC_RNN_PARTIAL_BOUND ((int32_t)1 << 29)  /* PARTIAL_BOUND in recurrent_constants.py */

/* partial(): requantize(acc, m, s) clamped to +-2^29, so that two such terms (or one and a
 * Q15 product) add up inside int32. */
static inline int32_t hcc_rnn_partial(int32_t acc, int32_t m, int32_t s) {
    const int32_t v = hcc_requantize_inline(acc, m, s);
    return v < -HCC_RNN_PARTIAL_BOUND ? -HCC_RNN_PARTIAL_BOUND : (v > HCC_RNN_PARTIAL_BOUND ? HCC_RNN_PARTIAL_BOUND : v);
}

/* partial() from a row's words (blocked_requant_words with z_out = 0, hcc/ops/recurrent.py's
 * c_direction_arrays; dot_u8.h): two multiplies inline for acc in [-2^15, 2^15), three out of
 * line for [-2^20, 2^20) (|v| <= 2^20 2^31 / 2^22 = 2^29 there, so partial's clamp never acts),
 * else hcc_rnn_partial with m and s from the words. */
HCC_OUT_OF_LINE int32_t hcc_rnn_partial_word_rest(int32_t acc, int32_t wm, int32_t ws) {
    int ok;
    const int32_t v = hcc_requant_word_wide(acc, wm, ws, &ok);
    return ok ? v : hcc_rnn_partial(acc, hcc_word_m(wm, ws), hcc_word_s(ws));
}

static inline int32_t hcc_rnn_partial_word(int32_t acc, int32_t wm, int32_t ws) {
    const int32_t sh = ws & 31;
    if (sh != 0 && (uint32_t)acc + 0x8000u < 0x10000u) return HCC_WORD_SMALL(acc, sh, wm, ws);
    return hcc_rnn_partial_word_rest(acc, wm, ws);
}

static inline int32_t hcc_rnn_sat16(int32_t v) {
    return v < -32768 ? -32768 : (v > 32767 ? 32767 : v);
}

/* interp_lookup(): Q15 f(q) from a 257-entry table over q's whole int16 range; shift > 0
 * first clamps q to [-2^(15-shift), 2^(15-shift) - 1] and scales it by 2^shift. */
static inline int32_t hcc_rnn_lookup(const int16_t *table, int32_t q, int32_t shift) {
    uint32_t u;
    int32_t lo;
    if (shift > 0) {
        const int32_t lim = HCC_RNN_Q15_ONE >> shift;
        q = q < -lim ? -lim : (q > lim - 1 ? lim - 1 : q);
        q *= (int32_t)1 << shift;  /* a multiply: << of a negative value is undefined */
    }
    u = (uint32_t)(q + HCC_RNN_Q15_ONE);
    lo = table[u >> 8];
    return lo + ((((int32_t)table[(u >> 8) + 1] - lo) * (int32_t)(u & 255u) + 128) >> 8);
}

/* mul_q15(): floor((r v + 2^14) / 2^15) for a Q15 factor 0 <= r <= 2^15 and |v| <= 2^29,
 * with two 32-bit products: v = vh 2^15 + vl, 0 <= vl < 2^15 (r vh <= 2^29, r vl < 2^30). */
static inline int32_t hcc_rnn_mul_q15(int32_t r, int32_t v) {
    const int32_t vh = v >> 15, vl = v - vh * HCC_RNN_Q15_ONE;
    return r * vh + ((r * vl + (1 << 14)) >> 15);
}

/* The initial hidden state of direction d (zero: z_h). */
static inline void hcc_rnn_initial_h(const hcc_rnn_s8_params_t *p, const int8_t *h0, int32_t d, int8_t *h) {
    const int32_t hidden = p->hidden_size;
    int32_t j;
    for (j = 0; j < hidden; ++j) {
        h[j] = h0 && p->has_h0
                   ? hcc_requantize_s8((int32_t)h0[d * hidden + j] - p->h0_z_in, p->h0_m, p->h0_s, p->z_h, -128, 127)
                   : (int8_t)p->z_h;
    }
}

/* The GEMV terms of m rows (m <= 4, side by side in the blocked weights wb) over an int8
 * vector v of k codes, each requantized to its gate's pre-activation units: out[g] =
 * partial(offset[r] + sum_i w[g, i] v[i] - ..., m_r, s_r) (mult[r], shift[r]: their words,
 * hcc_rnn_partial_word) for the ONNX row
 * r = row0 + g stride, with the offsets already -(z + 128) sum_i w (hcc_row_block_u8). *sum is
 * sum_i (v[i] + 128): formed by the call that is passed first = 1, then reused. Always inlined
 * where the compiler allows it: the callers pass m and stride as constants, so the row loops
 * unroll and the block routine's switch on m folds away. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void hcc_rnn_terms(const int8_t *v, int32_t k, const uint8_t *wb, int32_t m, int32_t row0,
                                 int32_t stride, const int32_t *offset, const int32_t *mult, const int32_t *shift,
                                 int32_t first, uint32_t *sum, int32_t *out) {
    uint32_t acc[4] = {0u, 0u, 0u, 0u}, base;
    int32_t g;
    for (g = 0; g < m; ++g) acc[g] = (uint32_t)offset[row0 + g * stride];
    if (first) *sum = 0;
    hcc_row_block_u8(v, k, wb, m, first ? sum : NULL, acc);
    base = *sum << 7;
    for (g = 0; g < m; ++g) {
        const int32_t r = row0 + g * stride;
        out[g] = hcc_rnn_partial_word((int32_t)(acc[g] - base), mult[r], shift[r]);
    }
}

#endif
