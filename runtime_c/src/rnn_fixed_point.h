/* Fixed-point helpers private to the int8 recurrent kernels (gru_s8.c, lstm_s8.c); each is
 * the C of a function of hcc/kernels/recurrent.py. Right shifts of negative int32 values
 * are arithmetic (implementation-defined in C99; arithmetic with GCC and Clang on every
 * target we build, as in selective_scan_s8.c). */
#ifndef HCC_RNN_FIXED_POINT_H
#define HCC_RNN_FIXED_POINT_H

#include "hcc_kernels.h"
#include "dot_u8.h"

#include <string.h>

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


/* The drivers' flag "host layout" (gru_direction, lstm_direction): absent on the lx106, which
 * never builds the host layout, so that its code is exactly what it was without it. */
#if defined(__XTENSA__)
#define HCC_RNN_HOST_PARAM
#define HCC_RNN_HOST_ARG(host)
#else
#define HCC_RNN_HOST_PARAM , int host
#define HCC_RNN_HOST_ARG(host) , host
#endif

#if !defined(__XTENSA__)
/* The host paths (`--weight-layout host`: hcc_gru_host_s8, hcc_lstm_host_s8; docs/performance.md
 * "Host"): 16 units a pass, every gate of the pass from one sweep over x and one over h, then
 * the gates' fixed point lane by lane. The layout (hcc/ops/recurrent.py, host_direction_arrays):
 * units in blocks of HCC_RNN_LANES; per block b and gate g the 16 rows g hidden + 16 b + l (zero
 * weights past hidden) as host_layout_s8.c's 16 channels x 4 terms, k padded to k4 = 4 ceil(k / 4):
 *     w[((b G + g) k4 / 4 + q) 64 + 4 l + t] = W[g hidden + 16 b + l, 4 q + t]  (int8),
 * and every per-row array (offsets, bias, mult / shift words) [b][g][l]; bias_n [b][l]. The
 * offsets are the blocked layout's, -(z + 128) sum w, for the products with v = x + 128: the
 * padding lanes have weights, offsets and bias 0 and the words (0, 6), which give 0. Lane loops
 * are plain C over int32[16] that GCC and Clang vectorize at -O3; each fixed-point step checks
 * first that every lane is inside its fast form's range, else takes the scalar function of the
 * same integers for each lane. */
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#define HCC_RNN_VNNI 1
#endif

#define HCC_RNN_LANES 16

/* the four bytes of x at i, each + 128 (x ^ 0x80), as a little-endian word; past k (a row's
 * last group) zeros */
static inline uint32_t hcc_rnn_host_word(const int8_t *x, int32_t k, int32_t i) {
    uint8_t b[4] = {0x80u, 0x80u, 0x80u, 0x80u};
    int32_t t;
    if (i + 4 <= k) {
        memcpy(b, x + i, sizeof b);
    } else {
        for (t = 0; i + t < k; ++t) b[t] = (uint8_t)x[i + t];
    }
    return ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24) ^ 0x80808080u;
}

/* acc[g][l] = offset[16 g + l] + sum_t (x[t] + 128) w_g[t, l] for the `gates` consecutive gate
 * blocks at wb (k4 16 bytes each), in 32-bit wrap-around: sum_t w (x - z) with the offsets'
 * -(z + 128) sum w. Always inlined: the callers pass `gates` as a constant. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void hcc_rnn_host_dot(const int8_t *x, int32_t k, const int8_t *wb, int32_t gates,
                                    const int32_t *offset, int32_t acc[][HCC_RNN_LANES]) {
    const int32_t groups = (k + 3) / 4, block = groups * 64;
    int32_t g, q;
#if defined(HCC_RNN_VNNI)
    __m512i a[4];
    for (g = 0; g < gates; ++g) a[g] = _mm512_loadu_si512((const void *)(offset + HCC_RNN_LANES * g));
    for (q = 0; q < groups; ++q) {
        const __m512i v = _mm512_set1_epi32((int32_t)hcc_rnn_host_word(x, k, 4 * q));
        for (g = 0; g < gates; ++g) {
            a[g] = _mm512_dpbusd_epi32(a[g], v, _mm512_loadu_si512((const void *)(wb + g * block + 64 * q)));
        }
    }
    for (g = 0; g < gates; ++g) _mm512_storeu_si512((void *)acc[g], a[g]);
#else
    int32_t l, t;
    for (g = 0; g < gates; ++g) {
        uint32_t s[HCC_RNN_LANES];
        for (l = 0; l < HCC_RNN_LANES; ++l) s[l] = (uint32_t)offset[HCC_RNN_LANES * g + l];
        for (q = 0; q < groups; ++q) {
            const uint32_t v = hcc_rnn_host_word(x, k, 4 * q);
            const int8_t *w = wb + g * block + 64 * q;
            for (l = 0; l < HCC_RNN_LANES; ++l) {
                for (t = 0; t < 4; ++t) s[l] += ((v >> (8 * t)) & 0xFFu) * (uint32_t)(int32_t)w[4 * l + t];
            }
        }
        for (l = 0; l < HCC_RNN_LANES; ++l) acc[g][l] = (int32_t)s[l];
    }
#endif
}

/* out[l] = hcc_rnn_partial_word(acc[l], wm[l], ws[l]): hcc_requant_word_wide's three multiplies
 * in every lane where each is in its range (a word with a shift, |acc| < 2^20) */
static inline void hcc_rnn_host_partial(const int32_t *acc, const int32_t *wm, const int32_t *ws, int32_t *out) {
    int32_t l, ok = 1;
    for (l = 0; l < HCC_RNN_LANES; ++l) ok &= ((ws[l] & 31) != 0) & ((uint32_t)acc[l] + 0x100000u < 0x200000u);
    if (!ok) {
        for (l = 0; l < HCC_RNN_LANES; ++l) out[l] = hcc_rnn_partial_word(acc[l], wm[l], ws[l]);
        return;
    }
    for (l = 0; l < HCC_RNN_LANES; ++l) {
        const int32_t sh = ws[l] & 31, a = acc[l];
        const int32_t m = (int32_t)((uint32_t)wm[l] - (((uint32_t)wm[l] & 0x8000u) << 1));
        const int32_t x = a * (m >> 21) + ((a * ((m >> 10) & 0x7FF) + ((a * (m & 0x3FF)) >> 10)) >> 11);
        out[l] = (x + ((ws[l] - sh) >> 5)) >> (sh - 5);
    }
}

/* out[l] = hcc_requantize_inline(v[l], m, s): its two-multiply form where every |v| < 2^16
 * and s is in [17, 47] (the Q15 products the cells requantize) */
static inline void hcc_rnn_host_requant(const int32_t *v, int32_t m, int32_t s, int32_t *out) {
    const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
    int32_t l, ok = (uint32_t)(s - 17) <= 30u;
    for (l = 0; l < HCC_RNN_LANES; ++l) ok &= (uint32_t)v[l] + 0xFFFFu < 0x1FFFFu;
    if (!ok) {
        for (l = 0; l < HCC_RNN_LANES; ++l) out[l] = hcc_requantize_inline(v[l], m, s);
        return;
    }
    for (l = 0; l < HCC_RNN_LANES; ++l) {
        const uint32_t a = v[l] < 0 ? 0u - (uint32_t)v[l] : (uint32_t)v[l];
        const int32_t mag = hcc_requantize_mag16(a, b, s);
        out[l] = (v[l] < 0) != (m < 0) ? -mag : mag;
    }
}

/* v[l] = hcc_round_shift_inline(v[l], s) */
static inline void hcc_rnn_host_round_shift(int32_t *v, int32_t s) {
    int32_t l;
    if (s <= 0) return;
    if (s > 31) {
        for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = hcc_round_shift_inline(v[l], s);
        return;
    }
    for (l = 0; l < HCC_RNN_LANES; ++l) {
        const uint32_t mag = ((v[l] < 0 ? 0u - (uint32_t)v[l] : (uint32_t)v[l]) + ((uint32_t)1u << (s - 1))) >> s;
        v[l] = v[l] < 0 ? -(int32_t)mag : (int32_t)mag;
    }
}

/* out[l] = hcc_rnn_lookup(table, q[l], shift) */
static inline void hcc_rnn_host_lookup(const int16_t *table, const int32_t *q, int32_t shift, int32_t *out) {
    int32_t l, u[HCC_RNN_LANES];
    for (l = 0; l < HCC_RNN_LANES; ++l) {
        int32_t v = q[l];
        if (shift > 0) {
            const int32_t lim = HCC_RNN_Q15_ONE >> shift;
            v = v < -lim ? -lim : (v > lim - 1 ? lim - 1 : v);
            v *= (int32_t)1 << shift;
        }
        u[l] = v + HCC_RNN_Q15_ONE;
    }
#if defined(__AVX512F__)
    {
        /* table[i] and table[i + 1] in one 32-bit gather at 2 i bytes (i <= 255: inside the 257) */
        const __m512i uv = _mm512_loadu_si512((const void *)u);
        const __m512i pair = _mm512_i32gather_epi32(_mm512_srli_epi32(uv, 8), (const void *)table, 2);
        const __m512i lo = _mm512_srai_epi32(_mm512_slli_epi32(pair, 16), 16), hi = _mm512_srai_epi32(pair, 16);
        const __m512i f = _mm512_and_si512(uv, _mm512_set1_epi32(255));
        const __m512i d = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_sub_epi32(hi, lo), f), _mm512_set1_epi32(128));
        _mm512_storeu_si512((void *)out, _mm512_add_epi32(lo, _mm512_srai_epi32(d, 8)));
    }
#else
    for (l = 0; l < HCC_RNN_LANES; ++l) {
        const int32_t lo = table[u[l] >> 8];
        out[l] = lo + ((((int32_t)table[(u[l] >> 8) + 1] - lo) * (u[l] & 255) + 128) >> 8);
    }
#endif
}

/* v[l] = hcc_rnn_mul_q15(r[l], v[l]) */
static inline void hcc_rnn_host_mul_q15(const int32_t *r, int32_t *v) {
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = hcc_rnn_mul_q15(r[l], v[l]);
}

static inline int32_t hcc_rnn_sat8(int32_t v) {
    return v < -128 ? -128 : (v > 127 ? 127 : v);
}

/* v[l] = saturate16(v[l]) */
static inline void hcc_rnn_host_sat16(int32_t *v) {
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = hcc_rnn_sat16(v[l]);
}
#endif /* !__XTENSA__ */

#endif
