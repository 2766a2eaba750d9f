/* Helpers of the host fast paths (every target but the lx106, which has its own asm paths):
 * plain C99 loops over contiguous arrays that GCC and Clang vectorize at -O3 -march=native.
 * Private to runtime_c/src; the numbers are the int8 reference's (docs/performance.md, "Host"). */
#ifndef HCC_HOST_PATHS_H
#define HCC_HOST_PATHS_H

#include <stdint.h>
#include <string.h>

#include "hcc_kernels.h"
#include "dot_u8.h"

#if !HCC_XTENSA_KERNELS
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

/* d[i] = x[i] + 128 as a byte (x ^ 0x80) for i < len: the unsigned bytes vpdpbusd takes */
static inline void hcc_host_spread(const uint8_t *x, int32_t len, uint8_t *d) {
    int32_t i = 0;
#if defined(__AVX512F__)
    for (; i + 64 <= len; i += 64) {  /* a converted input row: 64 bytes a vector */
        const __m512i v = _mm512_loadu_si512((const void *)(x + i));
        _mm512_storeu_si512((void *)(d + i), _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80)));
    }
#endif
    for (; i + 8 <= len; i += 8) {  /* eight bytes a word: in_c 3 .. 48 runs are short for the vectorizer */
        uint64_t v;
        memcpy(&v, x + i, sizeof v);
        v ^= 0x8080808080808080u;
        memcpy(d + i, &v, sizeof v);
    }
    for (; i < len; ++i) d[i] = (uint8_t)(x[i] ^ 0x80u);
}

/* Four bytes as one int32 (a vpdpbusd broadcast word), any alignment */
static inline int32_t hcc_host_u32(const uint8_t *at) {
    int32_t v;
    memcpy(&v, at, sizeof v);
    return v;
}

/* Host loops over channels take restrict pointers: an int8_t pointer may alias anything, and
 * GCC does not vectorize a loop whose stores might feed its own loads. */

/* hcc_requantize_s8(acc, m, s, z_out, act_min, act_max) for |acc| < 2^24, s in [32, 47] and
 * z_out an int8: hcc_requantize_mag24's exact 32-bit form, no branch */
static inline int8_t hcc_host_requant24(uint32_t acc, int32_t m, int32_t s, int32_t z_out, int32_t act_min,
                                        int32_t act_max) {
    const uint32_t a = (int32_t)acc < 0 ? 0u - acc : acc;
    const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
    const int32_t mag = hcc_requantize_mag24(a, b, s);
    const int32_t capped = mag > 256 ? 256 : mag;
    int32_t v = z_out + (((int32_t)acc < 0) != (m < 0) ? -capped : capped);
    v = v < -128 ? -128 : (v > 127 ? 127 : v);
    v = v < act_min ? act_min : (v > act_max ? act_max : v);
    return (int8_t)v;
}

#if defined(__AVX512F__)
/* hcc_host_requant24 in sixteen lanes: what depends only on the channels (multipliers mv,
 * shifts sv in [32, 47]) and the layer, made once per block of channels (hcc_host_rq16_make),
 * then each vector of accumulators (every |acc| < 2^24) through hcc_host_rq16: the clamped
 * outputs as int32 lanes. The two clamps are one: [-128, 127] and [act_min, act_max] meet. */
typedef struct {
    __m512i m, mh, ml, round, sh, zo, lo, hi;
} hcc_host_rq16_t;

static inline hcc_host_rq16_t hcc_host_rq16_make(__m512i mv, __m512i sv, int32_t z_out, int32_t act_min,
                                                 int32_t act_max) {
    hcc_host_rq16_t k;
    const __m512i b = _mm512_abs_epi32(mv);  /* |INT32_MIN| reads as 2^31 unsigned */
    k.m = mv;
    k.mh = _mm512_srli_epi32(b, 16);
    k.ml = _mm512_and_si512(b, _mm512_set1_epi32(0xFFFF));
    k.round = _mm512_sllv_epi32(_mm512_set1_epi32(1), _mm512_sub_epi32(sv, _mm512_set1_epi32(17)));
    k.sh = _mm512_sub_epi32(sv, _mm512_set1_epi32(32));
    k.zo = _mm512_set1_epi32(z_out);
    k.lo = _mm512_set1_epi32(act_min > -128 ? act_min : -128);
    k.hi = _mm512_set1_epi32(act_max < 127 ? act_max : 127);
    return k;
}

static inline __m512i hcc_host_rq16(__m512i av, const hcc_host_rq16_t *k) {
    const __m512i lo16 = _mm512_set1_epi32(0xFFFF), zero = _mm512_setzero_si512();
    const __m512i a = _mm512_abs_epi32(av);
    const __m512i ah = _mm512_srli_epi32(a, 16), al = _mm512_and_si512(a, lo16);
    __m512i mid = _mm512_add_epi32(_mm512_mullo_epi32(al, k->mh), _mm512_mullo_epi32(ah, k->ml));
    __m512i v;
    mid = _mm512_add_epi32(mid, _mm512_srli_epi32(_mm512_mullo_epi32(al, k->ml), 16));
    mid = _mm512_add_epi32(mid, k->round);
    v = _mm512_add_epi32(_mm512_mullo_epi32(ah, k->mh), _mm512_srli_epi32(mid, 16));
    v = _mm512_srlv_epi32(v, k->sh);
    v = _mm512_min_epi32(v, _mm512_set1_epi32(256));
    v = _mm512_mask_sub_epi32(v, _mm512_cmplt_epi32_mask(_mm512_xor_si512(av, k->m), zero), zero, v);
    v = _mm512_add_epi32(v, k->zo);
    return _mm512_max_epi32(_mm512_min_epi32(v, k->hi), k->lo);
}

/* Requantization of 16 lanes before the clamps, hcc_requantize_s8 exactly for shifts in
 * [32, 47] and z_out an int8 (host_pw_s8.c, the stems of host_layout_s8.c): with
 * p = acc m (64-bit, |p| <= 2^62) and c = 2^(s-1) + z_out 2^s,
 *     z_out + round half away from zero (p / 2^s) = floor((p + c - [p < 0]) / 2^s),
 * |.| <= 2^30 + 128 (an int32, so requantize's int32 and +-256 saturations cannot act); the
 * even lanes' products in one vpmuldq, the odd lanes' in another. Without a tie
 * (acc m / 2^s = j + 1/2 needs v2(m) >= s - 32, as v2(acc) <= 31) the - [p < 0] changes
 * nothing, and where also s >= 33 (tie-free implies it where m != 0), c is a multiple of
 * 2^32: the result is (hi + c / 2^32) >> (s - 32), hi = floor(p / 2^32) the products' high
 * halves, in 32-bit lanes (the fast form). Else (general) 64-bit lanes, the odd ones
 * shifted by s - 32 so that their high halves are the results. */
typedef struct {
    __m512i me, mo;           /* m (even lanes as the low halves of 64-bit lanes), m odd */
    __m512i hi_idx, c32, s32; /* fast: the high halves' permutation, c / 2^32, s - 32 */
    __m512i ce, co, se, so;   /* general: c, s of the even and the odd lanes; s - 32 for the odd */
    int general;              /* some lane may tie (every lane with s = 32 and m != 0) */
} hcc_host_rq64_t;

static inline __m512i hcc_host_rq64_idx(void) {
    return _mm512_set_epi32(31, 15, 29, 13, 27, 11, 25, 9, 23, 7, 21, 5, 19, 3, 17, 1);
}

/* The terms of lanes m[i], s[i] (padding lanes: m 0, s 33) */
static inline hcc_host_rq64_t hcc_host_rq64_make(__m512i mv, __m512i sv, int32_t z_out) {
    const __m512i one = _mm512_set1_epi64(1), z = _mm512_set1_epi64(z_out), low = _mm512_set1_epi64(0xFFFFFFFF);
    const __m512i s_even = _mm512_and_si512(sv, low), s_odd = _mm512_srli_epi64(sv, 32);
    const __m512i s32 = _mm512_sub_epi32(sv, _mm512_set1_epi32(32)), one32 = _mm512_set1_epi32(1);
    const __m512i tie = _mm512_sub_epi32(_mm512_sllv_epi32(one32, s32), one32);
    const __mmask16 nz = _mm512_test_epi32_mask(mv, mv);
    hcc_host_rq64_t k;
    k.me = mv;
    k.mo = _mm512_srli_epi64(mv, 32);
    k.hi_idx = hcc_host_rq64_idx();
    k.c32 = _mm512_add_epi32(_mm512_srlv_epi32(_mm512_set1_epi32(1 << 14), _mm512_sub_epi32(_mm512_set1_epi32(47), sv)),
                             _mm512_sllv_epi32(_mm512_set1_epi32(z_out), s32));
    k.s32 = s32;
    k.ce = _mm512_add_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(s_even, one)), _mm512_sllv_epi64(z, s_even));
    k.co = _mm512_add_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(s_odd, one)), _mm512_sllv_epi64(z, s_odd));
    k.se = s_even;
    k.so = _mm512_sub_epi64(s_odd, _mm512_set1_epi64(32));
    /* tie-free: m has a set bit below 2^(s-32) (m == 0: p == 0); so s >= 33 where m != 0 */
    k.general = _mm512_mask_test_epi32_mask(nz, mv, tie) != nz;
    return k;
}

/* The same terms for one channel (m, s) in every lane, from scalars: a few broadcasts where
 * a conv puts pixels in the lanes (host_layout_s8.c's stems: a channel that may tie) */
static inline hcc_host_rq64_t hcc_host_rq64_one(int32_t m, int32_t s, int32_t z_out) {
    const uint32_t low = (1u << (s - 32)) - 1u;
    const int64_t c = ((int64_t)1 << (s - 1)) + (int64_t)z_out * ((int64_t)1 << s);
    hcc_host_rq64_t k;
    k.me = k.mo = _mm512_set1_epi32(m);
    k.hi_idx = hcc_host_rq64_idx();
    k.c32 = _mm512_set1_epi32((int32_t)(c >> 32)); /* exact where the fast form serves: s >= 33 */
    k.s32 = _mm512_set1_epi32(s - 32);
    k.ce = k.co = _mm512_set1_epi64(c);
    k.se = _mm512_set1_epi64(s);
    k.so = _mm512_set1_epi64(s - 32);
    k.general = m != 0 && ((uint32_t)m & low) == 0u;
    return k;
}

/* The fast form alone, from its terms (a conv with one channel in every lane broadcasts them) */
static inline __attribute__((always_inline)) __m512i hcc_host_rq64_fast(__m512i acc, __m512i me, __m512i mo,
                                                                        __m512i hi_idx, __m512i c32, __m512i s32) {
    const __m512i pe = _mm512_mul_epi32(acc, me), po = _mm512_mul_epi32(_mm512_srli_epi64(acc, 32), mo);
    return _mm512_srav_epi32(_mm512_add_epi32(_mm512_permutex2var_epi32(pe, hi_idx, po), c32), s32);
}

static inline __attribute__((always_inline)) __m512i hcc_host_rq64(__m512i acc, const hcc_host_rq64_t *k,
                                                                   const int general) {
    __m512i pe, po;
    if (!general) return hcc_host_rq64_fast(acc, k->me, k->mo, k->hi_idx, k->c32, k->s32);
    pe = _mm512_mul_epi32(acc, k->me);
    po = _mm512_mul_epi32(_mm512_srli_epi64(acc, 32), k->mo);
    pe = _mm512_add_epi64(pe, _mm512_srai_epi64(pe, 63));
    po = _mm512_add_epi64(po, _mm512_srai_epi64(po, 63));
    pe = _mm512_srav_epi64(_mm512_add_epi64(pe, k->ce), k->se);
    po = _mm512_srav_epi64(_mm512_add_epi64(po, k->co), k->so);
    return _mm512_mask_blend_epi32(0xAAAA, pe, po);
}
#endif

/* out[c * stride] = hcc_requantize_s8(acc[c], m[c], s[c], z_out, act_min, act_max) for c < n.
 * Where every |acc[c]| < 2^24 and s[c] is in [32, 47] (every conv and fully connected output
 * stage seen so far), hcc_requantize_mag24's four 32-bit multiplies, exact there, lane by lane
 * without a branch, so the loop vectorizes (GCC does not vectorize the 64-bit product);
 * otherwise hcc_requantize_s8_inline for each. */
static inline void hcc_host_requant_s8(const uint32_t *restrict acc, const int32_t *restrict m,
                                       const int32_t *restrict s, int32_t n, int32_t z_out, int32_t act_min,
                                       int32_t act_max, int8_t *restrict out, int32_t stride) {
    int32_t c, c0, bad = z_out < -128 || z_out > 127;
    for (c = 0; c < n; ++c) {
        const uint32_t a = (int32_t)acc[c] < 0 ? 0u - acc[c] : acc[c];
        bad |= (a >= 0x1000000u) | ((uint32_t)(s[c] - 32) > 15u);
    }
    if (bad) {
        for (c = 0; c < n; ++c) {
            out[c * stride] = hcc_requantize_s8_inline((int32_t)acc[c], m[c], s[c], z_out, act_min, act_max);
        }
        return;
    }
    c0 = 0;
#if defined(__AVX512F__)
    for (; c0 < n; c0 += 16) {  /* hcc_host_requant24 in sixteen lanes; the last few padded (acc 0, m 0, s 32) */
        const int32_t nc = n - c0 < 16 ? n - c0 : 16;
        const __mmask16 live = (__mmask16)((1u << nc) - 1u);
        const __m512i av = _mm512_maskz_loadu_epi32(live, (const void *)(acc + c0));
        const __m512i mv = _mm512_maskz_loadu_epi32(live, (const void *)(m + c0));
        const __m512i sv = _mm512_mask_loadu_epi32(_mm512_set1_epi32(32), live, (const void *)(s + c0));
        const hcc_host_rq16_t k = hcc_host_rq16_make(mv, sv, z_out, act_min, act_max);
        const __m512i v = hcc_host_rq16(av, &k);
        if (stride == 1 && nc == 16) {
            _mm_storeu_si128((__m128i *)(void *)(out + c0), _mm512_cvtepi32_epi8(v));
        } else {
            int8_t lanes[16];
            _mm_storeu_si128((__m128i *)(void *)lanes, _mm512_cvtepi32_epi8(v));
            for (c = 0; c < nc; ++c) out[(c0 + c) * stride] = lanes[c];
        }
    }
#endif
    for (c = c0; c < n; ++c) out[c * stride] = hcc_host_requant24(acc[c], m[c], s[c], z_out, act_min, act_max);
}

/* hcc_triples_requantize on the host with the multipliers and shifts themselves (mult, shift:
 * n_out entries, the records' channels): the dot products into the records as there, then each
 * input's outputs requantized HCC_HOST_CHUNK channels at a time by hcc_host_requant_s8 instead of
 * the records' per-output branches. */
#define HCC_HOST_CHUNK 64
static inline void hcc_host_triples_requantize(const int16_t *xs, int32_t k, const int16_t *packed, int32_t n_out,
                                               hcc_channel_rec_t *recs, const int32_t *mult, const int32_t *shift,
                                               int32_t z_out, int32_t act_min, int32_t act_max,
                                               int8_t *const dst[3]) {
    uint32_t acc[HCC_HOST_CHUNK];
    int32_t c, c0, p;
    for (c = 0; c < n_out; c += 2) hcc_dot3x2_s16(xs, k, packed + k * c, &recs[c], &recs[c + 1]);
    for (p = 0; p < 3; ++p) {
        for (c0 = 0; c0 < n_out; c0 += HCC_HOST_CHUNK) {
            const int32_t nc = n_out - c0 < HCC_HOST_CHUNK ? n_out - c0 : HCC_HOST_CHUNK;
            for (c = 0; c < nc; ++c) acc[c] = recs[c0 + c].acc[p];
            hcc_host_requant_s8(acc, mult + c0, shift + c0, nc, z_out, act_min, act_max, dst[p] + c0, 1);
        }
    }
}

#endif
#endif
