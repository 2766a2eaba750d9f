/* Pointwise (1x1, no padding) convs and fully connected layers in the host layout
 * (host_layout_s8.c's weights: 16 channels x 4 terms per vpdpbusd, the folded bias), with
 * AVX-512 VNNI. A short reduction (MobileNetV2's expansions, 8-24 input channels) makes a few
 * vpdpbusd per 16 outputs, so the requantization is the work: here from 64-bit products
 * (vpmuldq), exact for every int32 accumulator, its per-channel terms made once per block of
 * 16 channels and call, the outputs saturated by the narrowing store (docs/performance.md,
 * "Pointwise convs in the host layout"). host_layout_s8.c's row path does the rest. */
#include <stdint.h>
#include <string.h>

#include "hcc_kernels.h"
#include "host_paths.h"
#include "host_pw_s8.h"

#if !HCC_XTENSA_KERNELS
#if defined(__AVX512F__) && defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>

#define PW_BUF 4096 /* bytes of converted input (x + 128) per chunk of pixels */
#define PW_TILE 8   /* accumulator vectors per tile */

/* hcc_host_rq64 (host_paths.h) narrowed with saturation, then the activation's clamps */
typedef struct {
    hcc_host_rq64_t r;
    __m128i lo, hi; /* max(act_min, -128), min(act_max, 127), 16 bytes */
} pw_rq_t;

/* The terms of lanes m[i], s[i] (padding lanes: m 0, s 33) */
static pw_rq_t pw_rq_make(__m512i mv, __m512i sv, const hcc_conv2d_params_t *p) {
    pw_rq_t k;
    k.r = hcc_host_rq64_make(mv, sv, p->z_out);
    k.lo = _mm_set1_epi8((char)(p->act_min > -128 ? p->act_min : -128));
    k.hi = _mm_set1_epi8((char)(p->act_max < 127 ? p->act_max : 127));
    return k;
}

static inline __attribute__((always_inline)) __m128i pw_rq(__m512i acc, const pw_rq_t *k, const int general) {
    return _mm_min_epi8(_mm_max_epi8(_mm512_cvtsepi32_epi8(hcc_host_rq64(acc, &k->r, general)), k->lo), k->hi);
}

/* NP pixels (a constant after inlining: the accumulators stay in registers), k bytes apart at
 * x, times one block of 16 channels (wb, g groups of 4 terms): the outputs' first nc channels
 * (store: their mask) at out, out_c apart */
static inline __attribute__((always_inline)) void pw_tile(const uint8_t *x, int32_t k, int32_t g, const int8_t *wb,
                                                          __m512i bias, const pw_rq_t *rq, __mmask16 store,
                                                          int8_t *out, int32_t out_c, const int NP, const int general) {
    __m512i a[PW_TILE];
    int32_t q, j;
    for (q = 0; q < NP; ++q) a[q] = bias;
    for (j = 0; j < g; ++j) {
        const __m512i w = _mm512_loadu_si512((const void *)(wb + 64 * j));
        for (q = 0; q < NP; ++q) a[q] = _mm512_dpbusd_epi32(a[q], _mm512_set1_epi32(hcc_host_u32(x + q * k + 4 * j)), w);
    }
    for (q = 0; q < NP; ++q) _mm_mask_storeu_epi8((void *)(out + q * out_c), store, pw_rq(a[q], rq, general));
}

/* A block of at most 8 channels: pixel 2i in lanes 0 .. 7 and 2i + 1 in lanes 8 .. 15 (the
 * block's first 8 channels' weights, bias and terms in both halves), NP pixels in
 * (NP + 1) / 2 vectors; arguments as pw_tile's */
static inline __attribute__((always_inline)) void pw_pairs(const uint8_t *x, int32_t k, int32_t g, const int8_t *wb,
                                                           __m512i bias, const pw_rq_t *rq, __mmask16 store,
                                                           int8_t *out, int32_t out_c, const int NP, const int general) {
    __m512i a[PW_TILE];
    int32_t q, j;
    for (q = 0; 2 * q < NP; ++q) a[q] = bias;
    for (j = 0; j < g; ++j) {
        const __m512i w = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(const void *)(wb + 64 * j)));
        for (q = 0; 2 * q < NP; ++q) {
            const int32_t second = 2 * q + 1 < NP ? 2 * q + 1 : 2 * q;
            const __m512i v = _mm512_mask_set1_epi32(_mm512_set1_epi32(hcc_host_u32(x + 2 * q * k + 4 * j)), (__mmask16)0xFF00u,
                                                     hcc_host_u32(x + second * k + 4 * j));
            a[q] = _mm512_dpbusd_epi32(a[q], v, w);
        }
    }
    for (q = 0; 2 * q < NP; ++q) {
        int8_t *const o = out + 2 * q * out_c;
        const __m128i v = pw_rq(a[q], rq, general);
        if (2 * q + 1 < NP && out_c == 8 && store == 0xFF) {
            _mm_storeu_si128((__m128i *)(void *)o, v);
        } else {
            _mm_mask_storeu_epi8((void *)o, store, v);
            if (2 * q + 1 < NP) _mm_mask_storeu_epi8((void *)(o + out_c), store, _mm_bsrli_si128(v, 8));
        }
    }
}

/* np pixels of the chunk at x (k bytes each, x + 128), every pixel's outputs out_c apart at
 * out, for the block of channels c0 .. c0 + nc */
static inline __attribute__((always_inline)) void pw_block(const uint8_t *x, int32_t np, int32_t k, const int8_t *wb,
                                                           __m512i bias, const pw_rq_t *rq, int32_t nc, int8_t *out,
                                                           int32_t out_c, const int pairs, const int general) {
    const int32_t g = k / 4, per = pairs ? 2 * PW_TILE : PW_TILE;
    const __mmask16 store = (__mmask16)((1u << nc) - 1u);
    int32_t q;
    for (q = 0; q < np; q += per, x += per * k, out += per * out_c) {
        const int32_t n = np - q < per ? np - q : per;
#define PW_TILE_CASE(N) \
    case N: pw_tile(x, k, g, wb, bias, rq, store, out, out_c, N, general); break;
#define PW_PAIRS_CASE(N) \
    case N: pw_pairs(x, k, g, wb, bias, rq, store, out, out_c, N, general); break;
        if (pairs) {
            switch (n) {
                PW_PAIRS_CASE(1) PW_PAIRS_CASE(2) PW_PAIRS_CASE(3) PW_PAIRS_CASE(4) PW_PAIRS_CASE(5) PW_PAIRS_CASE(6)
                PW_PAIRS_CASE(7) PW_PAIRS_CASE(8) PW_PAIRS_CASE(9) PW_PAIRS_CASE(10) PW_PAIRS_CASE(11)
                PW_PAIRS_CASE(12) PW_PAIRS_CASE(13) PW_PAIRS_CASE(14) PW_PAIRS_CASE(15) default:
                PW_PAIRS_CASE(16)
            }
        } else {
            switch (n) {
                PW_TILE_CASE(1) PW_TILE_CASE(2) PW_TILE_CASE(3) PW_TILE_CASE(4) PW_TILE_CASE(5) PW_TILE_CASE(6)
                PW_TILE_CASE(7) default:
                PW_TILE_CASE(8)
            }
        }
#undef PW_TILE_CASE
#undef PW_PAIRS_CASE
    }
}

int hcc_host_pw_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    const int32_t k = p->in_c, out_c = p->out_c, sw = p->stride_w, per_chunk = PW_BUF / (k > 0 ? k : 1);
    /* stride 1 over whole rows: the rows' pixels are one run */
    const int flat = sw == 1 && p->stride_h == 1 && p->in_w == p->out_w;
    const int32_t width = flat ? (row_end - row_begin) * p->out_w : p->out_w;
    uint8_t buf[PW_BUF];
    int32_t c, oy, ox0, q, c0;
    if (p->k_h != 1 || p->k_w != 1 || p->pad_top != 0 || p->pad_left != 0 || k % 4 != 0 || k > HCC_HOST_PW_TERMS ||
        p->z_out < -128 || p->z_out > 127) {
        return 0;
    }
    for (c = 0; c < out_c; ++c) {
        if ((uint32_t)(shift[c] - 32) > 15u) return 0;
    }
    for (oy = row_begin; oy < (flat ? row_begin + 1 : row_end); ++oy) {
        const int8_t *const in_row = input + oy * p->stride_h * p->in_w * k;
        int8_t *const out_row = out_rows + (oy - row_begin) * p->out_w * out_c;
        for (ox0 = 0; ox0 < width; ox0 += per_chunk) {
            const int32_t np = width - ox0 < per_chunk ? width - ox0 : per_chunk;
            /* the chunk's input is converted before any of its outputs is written (in place
             * over the input at the row path's lag stays safe) */
            if (sw == 1) {
                hcc_host_spread((const uint8_t *)in_row + ox0 * k, np * k, buf);
            } else {
                for (q = 0; q < np; ++q) hcc_host_spread((const uint8_t *)in_row + (ox0 + q) * sw * k, k, buf + q * k);
            }
            for (c0 = 0; c0 < out_c; c0 += 16) {
                const int32_t nc = out_c - c0 < 16 ? out_c - c0 : 16;
                const __mmask16 live = (__mmask16)((1u << nc) - 1u);
                const int8_t *const wb = weights + c0 * k;
                int8_t *const out = out_row + ox0 * out_c + c0;
                __m512i b = _mm512_maskz_loadu_epi32(live, (const void *)(bias + c0));
                __m512i mv = _mm512_maskz_loadu_epi32(live, (const void *)(mult + c0));
                __m512i sv = _mm512_mask_loadu_epi32(_mm512_set1_epi32(33), live, (const void *)(shift + c0));
                pw_rq_t rq;
                if (nc <= 8) { /* pairs: the first 8 lanes in both halves */
                    b = _mm512_shuffle_i64x2(b, b, 0x44);
                    mv = _mm512_shuffle_i64x2(mv, mv, 0x44);
                    sv = _mm512_shuffle_i64x2(sv, sv, 0x44);
                }
                rq = pw_rq_make(mv, sv, p);
                if (nc <= 8) {
                    if (rq.r.general) pw_block(buf, np, k, wb, b, &rq, nc, out, out_c, 1, 1);
                    else pw_block(buf, np, k, wb, b, &rq, nc, out, out_c, 1, 0);
                } else {
                    if (rq.r.general) pw_block(buf, np, k, wb, b, &rq, nc, out, out_c, 0, 1);
                    else pw_block(buf, np, k, wb, b, &rq, nc, out, out_c, 0, 0);
                }
            }
        }
    }
    return 1;
}

#else
int hcc_host_pw_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    (void)p;
    (void)input;
    (void)weights;
    (void)bias;
    (void)mult;
    (void)shift;
    (void)row_begin;
    (void)row_end;
    (void)out_rows;
    return 0;
}
#endif
#endif /* !HCC_XTENSA_KERNELS */
