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
#if HCC_XTENSA_KERNELS
#define HCC_RNN_HOST_PARAM
#define HCC_RNN_HOST_ARG(host)
#else
#define HCC_RNN_HOST_PARAM , int host
#define HCC_RNN_HOST_ARG(host) , host
#endif

#if !HCC_XTENSA_KERNELS
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
#define HCC_RNN_HOST_BLOCKS 4  /* blocks of 16 units in flight together (their table reads overlap) */
/* The bytes of one gate of a block of 16 units over k terms (16 rows x k padded to 4) */
#define HCC_RNN_HOST_GATE_BYTES(k) (HCC_RNN_LANES * 4 * (((k) + 3) / 4))

/* The units of the block that starts at unit j0: HCC_RNN_LANES, or fewer in the last block */
static inline int32_t hcc_rnn_block_units(int32_t hidden, int32_t j0) {
    return hidden - j0 < HCC_RNN_LANES ? hidden - j0 : HCC_RNN_LANES;
}

/* 16 int32 lanes: one AVX-512 register where the compiler targets AVX-512, else an array (the
 * portable C, the same integers lane by lane). The helpers below are the scalar functions above
 * on every lane; where a lane is outside a fast form's range they store the lanes and call the
 * scalar function for each. */
#if defined(__AVX512F__)
typedef __m512i hcc_lanes_t;
#else
typedef struct {
    int32_t v[HCC_RNN_LANES];
} hcc_lanes_t;
#endif

static inline hcc_lanes_t hcc_lanes_load(const int32_t *p) {
#if defined(__AVX512F__)
    return _mm512_loadu_si512((const void *)p);
#else
    hcc_lanes_t r;
    memcpy(r.v, p, sizeof r.v);
    return r;
#endif
}

static inline void hcc_lanes_store(int32_t *p, hcc_lanes_t a) {
#if defined(__AVX512F__)
    _mm512_storeu_si512((void *)p, a);
#else
    memcpy(p, a.v, sizeof a.v);
#endif
}

/* the first n lanes from int8 / int16 values, the rest 0 (masked loads and stores with AVX-512
 * BW: element loops through the stack stall on store forwarding, a few cycles a step) */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define HCC_RNN_MASKED 1
static inline __mmask16 hcc_lanes_first(int32_t n) {
    return n >= HCC_RNN_LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
}
#endif

static inline hcc_lanes_t hcc_lanes_load_s8(const int8_t *p, int32_t n) {
#if defined(HCC_RNN_MASKED)
    return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(hcc_lanes_first(n), (const void *)p));
#else
    int32_t v[HCC_RNN_LANES], l;
    for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = l < n ? p[l] : 0;
    return hcc_lanes_load(v);
#endif
}

static inline hcc_lanes_t hcc_lanes_load_s16(const int16_t *p, int32_t n) {
#if defined(HCC_RNN_MASKED)
    return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(hcc_lanes_first(n), (const void *)p));
#else
    int32_t v[HCC_RNN_LANES], l;
    for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = l < n ? p[l] : 0;
    return hcc_lanes_load(v);
#endif
}

/* the first n lanes stored as int8 / int16 (each already in range) */
static inline void hcc_lanes_store_s8(int8_t *p, hcc_lanes_t a, int32_t n) {
#if defined(HCC_RNN_MASKED)
    _mm512_mask_cvtepi32_storeu_epi8((void *)p, hcc_lanes_first(n), a);
#else
    int32_t v[HCC_RNN_LANES], l;
    hcc_lanes_store(v, a);
    for (l = 0; l < n; ++l) p[l] = (int8_t)v[l];
#endif
}

static inline void hcc_lanes_store_s16(int16_t *p, hcc_lanes_t a, int32_t n) {
#if defined(HCC_RNN_MASKED)
    _mm512_mask_cvtepi32_storeu_epi16((void *)p, hcc_lanes_first(n), a);
#else
    int32_t v[HCC_RNN_LANES], l;
    hcc_lanes_store(v, a);
    for (l = 0; l < n; ++l) p[l] = (int16_t)v[l];
#endif
}

static inline hcc_lanes_t hcc_lanes_set(int32_t x) {
#if defined(__AVX512F__)
    return _mm512_set1_epi32(x);
#else
    hcc_lanes_t r;
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) r.v[l] = x;
    return r;
#endif
}

static inline hcc_lanes_t hcc_lanes_add(hcc_lanes_t a, hcc_lanes_t b) {
#if defined(__AVX512F__)
    return _mm512_add_epi32(a, b);
#else
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) a.v[l] += b.v[l];
    return a;
#endif
}

static inline hcc_lanes_t hcc_lanes_sub(hcc_lanes_t a, hcc_lanes_t b) {
#if defined(__AVX512F__)
    return _mm512_sub_epi32(a, b);
#else
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) a.v[l] -= b.v[l];
    return a;
#endif
}

/* a b (both within int32 where the callers use it) */
static inline hcc_lanes_t hcc_lanes_mul(hcc_lanes_t a, hcc_lanes_t b) {
#if defined(__AVX512F__)
    return _mm512_mullo_epi32(a, b);
#else
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) a.v[l] *= b.v[l];
    return a;
#endif
}

static inline hcc_lanes_t hcc_lanes_clamp(hcc_lanes_t a, int32_t lo, int32_t hi) {
#if defined(__AVX512F__)
    return _mm512_max_epi32(_mm512_min_epi32(a, _mm512_set1_epi32(hi)), _mm512_set1_epi32(lo));
#else
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) a.v[l] = a.v[l] < lo ? lo : (a.v[l] > hi ? hi : a.v[l]);
    return a;
#endif
}

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

/* acc[g] = offset[16 g + l] + sum_t (x[t] + 128) w_g[t, l] in lane l, for the `gates`
 * consecutive gate blocks at wb (k4 16 bytes each), in 32-bit wrap-around: sum_t w (x - z) with
 * the offsets' -(z + 128) sum w. Always inlined: the callers pass `gates` as a constant. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void hcc_rnn_host_dot(const int8_t *x, int32_t k, const int8_t *wb, int32_t gates,
                                    const int32_t *offset, hcc_lanes_t *acc) {
    const int32_t groups = (k + 3) / 4, block = groups * 64;
    int32_t g, q;
#if defined(HCC_RNN_VNNI)
    for (g = 0; g < gates; ++g) acc[g] = _mm512_loadu_si512((const void *)(offset + HCC_RNN_LANES * g));
    for (q = 0; q < groups; ++q) {
        const __m512i v = _mm512_set1_epi32((int32_t)hcc_rnn_host_word(x, k, 4 * q));
        for (g = 0; g < gates; ++g) {
            acc[g] = _mm512_dpbusd_epi32(acc[g], v, _mm512_loadu_si512((const void *)(wb + g * block + 64 * q)));
        }
    }
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
        acc[g] = hcc_lanes_load((const int32_t *)s);
    }
#endif
}

/* hcc_rnn_partial_word(acc, wm[l], ws[l]) per lane: hcc_requant_word_wide's three multiplies
 * where every lane has a word with a shift and |acc| < 2^20 */
static inline hcc_lanes_t hcc_rnn_host_partial(hcc_lanes_t acc, const int32_t *wm, const int32_t *ws) {
    int32_t v[HCC_RNN_LANES], l;
#if defined(__AVX512F__)
    const __m512i w = _mm512_loadu_si512((const void *)wm), s = _mm512_loadu_si512((const void *)ws);
    const __m512i sh = _mm512_and_si512(s, _mm512_set1_epi32(31));
    const __mmask16 bad = _mm512_cmpeq_epi32_mask(sh, _mm512_setzero_si512()) |
                          _mm512_cmpge_epu32_mask(_mm512_add_epi32(acc, _mm512_set1_epi32(0x100000)),
                                                  _mm512_set1_epi32(0x200000));
    if (!bad) {
        const __m512i m = _mm512_sub_epi32(w, _mm512_slli_epi32(_mm512_and_si512(w, _mm512_set1_epi32(0x8000)), 1));
        const __m512i m1 = _mm512_and_si512(_mm512_srai_epi32(m, 10), _mm512_set1_epi32(0x7FF));
        const __m512i m0 = _mm512_and_si512(m, _mm512_set1_epi32(0x3FF));
        __m512i x = _mm512_srai_epi32(_mm512_mullo_epi32(acc, m0), 10);
        x = _mm512_srai_epi32(_mm512_add_epi32(_mm512_mullo_epi32(acc, m1), x), 11);
        x = _mm512_add_epi32(_mm512_mullo_epi32(acc, _mm512_srai_epi32(m, 21)), x);
        x = _mm512_add_epi32(x, _mm512_srai_epi32(_mm512_sub_epi32(s, sh), 5));
        return _mm512_srav_epi32(x, _mm512_sub_epi32(sh, _mm512_set1_epi32(5)));
    }
#endif
    hcc_lanes_store(v, acc);
    for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = hcc_rnn_partial_word(v[l], wm[l], ws[l]);
    return hcc_lanes_load(v);
}

/* hcc_requantize_inline(v, m, s) per lane: its two-multiply form where s is in [17, 47] and
 * every |v| < 2^16 (the Q15 products the cells requantize) */
static inline hcc_lanes_t hcc_rnn_host_requant(hcc_lanes_t a, int32_t m, int32_t s) {
    int32_t v[HCC_RNN_LANES], l;
#if defined(__AVX512F__)
    const __m512i mag = _mm512_abs_epi32(a);
    if ((uint32_t)(s - 17) <= 30u && !_mm512_cmpge_epu32_mask(mag, _mm512_set1_epi32(0x10000))) {
        const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
        __m512i x = _mm512_srli_epi32(_mm512_mullo_epi32(mag, _mm512_set1_epi32((int32_t)(b & 0xFFFFu))), 16);
        x = _mm512_add_epi32(_mm512_mullo_epi32(mag, _mm512_set1_epi32((int32_t)(b >> 16))), x);
        x = _mm512_srli_epi32(_mm512_add_epi32(x, _mm512_set1_epi32((int32_t)((uint32_t)1u << (s - 17)))), (unsigned)(s - 16));
        __mmask16 neg = _mm512_cmplt_epi32_mask(a, _mm512_setzero_si512());
        if (m < 0) neg = (__mmask16)~neg;  /* negative where (v < 0) != (m < 0); 0 either way */
        return _mm512_mask_sub_epi32(x, neg, _mm512_setzero_si512(), x);
    }
#endif
    hcc_lanes_store(v, a);
    for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = hcc_requantize_inline(v[l], m, s);
    return hcc_lanes_load(v);
}

/* hcc_round_shift_inline(v, s) per lane */
static inline hcc_lanes_t hcc_rnn_host_round_shift(hcc_lanes_t a, int32_t s) {
    int32_t v[HCC_RNN_LANES], l;
    if (s <= 0) return a;
#if defined(__AVX512F__)
    if (s <= 31) {
        /* |INT32_MIN| reads as 2^31 unsigned, as in hcc_round_shift_inline */
        const __m512i mag = _mm512_srli_epi32(_mm512_add_epi32(_mm512_abs_epi32(a),
                                                               _mm512_set1_epi32((int32_t)((uint32_t)1u << (s - 1)))),
                                              (unsigned)s);
        return _mm512_mask_sub_epi32(mag, _mm512_cmplt_epi32_mask(a, _mm512_setzero_si512()), _mm512_setzero_si512(),
                                     mag);
    }
#endif
    hcc_lanes_store(v, a);
    for (l = 0; l < HCC_RNN_LANES; ++l) v[l] = hcc_round_shift_inline(v[l], s);
    return hcc_lanes_load(v);
}

/* hcc_rnn_lookup(table, q, shift) per lane */
static inline hcc_lanes_t hcc_rnn_host_lookup(const int16_t *table, hcc_lanes_t q, int32_t shift) {
#if defined(__AVX512F__)
    __m512i u, pair, lo, hi, d;
    if (shift > 0) {
        const int32_t lim = HCC_RNN_Q15_ONE >> shift;
        q = _mm512_mullo_epi32(hcc_lanes_clamp(q, -lim, lim - 1), _mm512_set1_epi32((int32_t)1 << shift));
    }
    u = _mm512_add_epi32(q, _mm512_set1_epi32(HCC_RNN_Q15_ONE));
    /* table[i] and table[i + 1] in one 32-bit gather at 2 i bytes (i <= 255: inside the 257) */
    pair = _mm512_i32gather_epi32(_mm512_srli_epi32(u, 8), (const void *)table, 2);
    lo = _mm512_srai_epi32(_mm512_slli_epi32(pair, 16), 16);
    hi = _mm512_srai_epi32(pair, 16);
    d = _mm512_mullo_epi32(_mm512_sub_epi32(hi, lo), _mm512_and_si512(u, _mm512_set1_epi32(255)));
    return _mm512_add_epi32(lo, _mm512_srai_epi32(_mm512_add_epi32(d, _mm512_set1_epi32(128)), 8));
#else
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) q.v[l] = hcc_rnn_lookup(table, q.v[l], shift);
    return q;
#endif
}

/* hcc_rnn_mul_q15(r, v) per lane */
static inline hcc_lanes_t hcc_rnn_host_mul_q15(hcc_lanes_t r, hcc_lanes_t v) {
#if defined(__AVX512F__)
    const __m512i vh = _mm512_srai_epi32(v, 15), vl = _mm512_and_si512(v, _mm512_set1_epi32(0x7FFF));
    const __m512i low = _mm512_add_epi32(_mm512_mullo_epi32(r, vl), _mm512_set1_epi32(1 << 14));
    return _mm512_add_epi32(_mm512_mullo_epi32(r, vh), _mm512_srai_epi32(low, 15));
#else
    int32_t l;
    for (l = 0; l < HCC_RNN_LANES; ++l) v.v[l] = hcc_rnn_mul_q15(r.v[l], v.v[l]);
    return v;
#endif
}

static inline hcc_lanes_t hcc_rnn_host_sat16(hcc_lanes_t a) {
    return hcc_lanes_clamp(a, -32768, 32767);
}

/* The pre-activations' argument of gate g's table from the block's sums: saturate16(partial(x)
 * + bias + partial(h)) (o: the block's offset in the per-row arrays) */
static inline hcc_lanes_t hcc_rnn_host_gate(const hcc_rnn_direction_s8_t *dp, int32_t og, hcc_lanes_t ax,
                                            hcc_lanes_t ah) {
    const hcc_lanes_t px = hcc_rnn_host_partial(ax, dp->mult_x + og, dp->shift_x + og);
    const hcc_lanes_t ph = hcc_rnn_host_partial(ah, dp->mult_h + og, dp->shift_h + og);
    return hcc_rnn_host_sat16(hcc_lanes_add(hcc_lanes_add(px, hcc_lanes_load(dp->bias + og)), ph));
}
#endif /* !HCC_XTENSA_KERNELS */

#endif
