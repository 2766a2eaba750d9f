/* Depthwise conv on the host (every target but the lx106): NHWC, vectorized across channels.
 *
 * AVX-512 (BW): 32 channels a vector. Each tap's 32 input bytes widen to int16 minus z_in
 * (|x - z_in| <= 255, so every product (x - z_in) w fits the int16 x int16 -> int32 multiply),
 * two taps interleave (vpunpck{l,h}wd) and one vpdpwssd (AVX512-VNNI; else vpmaddwd + add) adds
 * both taps' products into 16 int32 lanes: two accumulators hold the 32 channels. The weights
 * are interleaved the same way once per call, the bias and requantization constants put in the
 * lanes' channel order, and vpackssdw puts the requantized lanes back in channel order.
 * Accumulators wrap mod 2^32 as the spec's int32. Taps off the input add nothing (the spec's
 * padding is z_in). Requantization: hcc_host_rq16 where every |acc| < 2^24 and s is
 * in [32, 47], else hcc_requantize_s8_inline lane by lane: the int8 reference's numbers.
 *
 * Elsewhere (no AVX-512): the same sums in portable C, a chunk of channels at a time.
 *
 * That path serves the lx106 layout's host builds. With --weight-layout host a depthwise conv
 * runs hcc_dwconv2d_host_s8_rows instead, its weights, bias and requantization constants in
 * lane order from the compiler (no per-call set-up), several pixels a vector at 4-16 channels. */
#include "host_dw_s8.h"

#include <string.h>

#include "host_paths.h"

#if !HCC_XTENSA_KERNELS

/* hcc_dwconv2d_host_s8_rows' vectors of several pixels (see there) */
static int dw_pixels(const hcc_conv2d_params_t *p) {
    return (p->out_c == 4 || p->out_c == 8 || p->out_c == 16) && p->stride_w <= 2;
}

#if defined(__AVX512BW__) && defined(__AVX512VL__)

/* Lane j of the low accumulator holds channel 8 (j / 4) + j % 4 of the 32, of the high one
 * that + 4: the order vpunpck{l,h}wd leaves the tap pairs in. */
static const int32_t lane_channels[2][16] = {{0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27},
                                             {4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31}};

/* One tap's 32 channels as int16 minus z_in; 0 for a tap off the input (x NULL). two: 16
 * channels of two pixels side by side, x's and x2's (either NULL: its half 0). */
static inline __m512i tap_vector(const int8_t *x, const int8_t *x2, int two, __mmask32 live, __m512i z) {
    if (two) {
        const __mmask16 l16 = (__mmask16)live;
        const __m128i a = x ? _mm_maskz_loadu_epi8(l16, x) : _mm_setzero_si128();
        const __m128i b = x2 ? _mm_maskz_loadu_epi8(l16, x2) : _mm_setzero_si128();
        const __mmask32 keep = (x ? (__mmask32)0xFFFFu : 0u) | (x2 ? (__mmask32)0xFFFF0000u : 0u);
        return _mm512_maskz_sub_epi16(keep, _mm512_cvtepi8_epi16(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1)),
                                      z);
    }
    if (!x) return _mm512_setzero_si512();
    return _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(live, x)), z);
}

static inline __m512i dot_pairs(__m512i acc, __m512i x, __m512i w) {
#if defined(__AVX512VNNI__)
    return _mm512_dpwssd_epi32(acc, x, w);
#else
    return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w));
#endif
}

/* A chunk's constants: taps interleaved in pairs, bias / multiplier / shift in lane order */
typedef struct {
    __m512i w[(HCC_HOST_DW_TAPS + 1) / 2][2];
    __m512i bias[2];
    hcc_host_rq16_t rq[2];  /* the requantization's per-channel vectors (vector_requant) */
    int32_t mq[2][16], sq[2][16];
    int vector_requant;  /* every s in [32, 47] and z_out an int8 */
} dw_chunk_t;

/* The 32 int32s at v + c0 (0 past nc) in lane order: two loads and a two-source permute */
static inline void lanes_of(const int32_t *v, int32_t c0, int32_t nc, const __m512i idx[2], __m512i out[2]) {
    const __m512i a = _mm512_maskz_loadu_epi32(nc >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nc) - 1u), v + c0);
    const __m512i b = _mm512_maskz_loadu_epi32(nc >= 32 ? (__mmask16)0xFFFF : nc <= 16 ? (__mmask16)0 :
                                               (__mmask16)((1u << (nc - 16)) - 1u), v + c0 + 16);
    out[0] = _mm512_permutex2var_epi32(a, idx[0], b);
    out[1] = _mm512_permutex2var_epi32(a, idx[1], b);
}

/* The chunk's constants in lane order (setup runs once per call, and a conv chain calls once
 * per output row: kept to a few vector instructions). Taps 4g .. 4g + 3 of each lane's channel
 * in one 32-bit gather, their bytes sign-extended to two int16 pairs (vpshufb + vpsraw): tap
 * pairs 2g and 2g + 1; where those four bytes would run past the weights (the last channel's
 * last taps), that lane set on its own. The bias, multipliers and shifts: lanes_of. */
static void chunk_setup(dw_chunk_t *k, const hcc_conv2d_params_t *p, const int8_t *weights, const int32_t *bias,
                        const int32_t *mult, const int32_t *shift, int words, int32_t c0, int32_t nc, int two) {
    const int32_t wrap = two ? 15 : 31;  /* two pixels: lanes 16 .. 31 repeat channels 0 .. 15 */
    const int32_t taps = p->k_h * p->k_w, last = p->out_c - 1;
    /* vpshufb's controls (byte indices within 128 bits): an int32's bytes 0 and 1 (2 and 3) to
     * the high bytes of its two int16 halves, zeros below */
    const __m512i bytes01 = _mm512_set4_epi32(0x0D800C80, 0x09800880, 0x05800480, 0x01800080);
    const __m512i bytes23 = _mm512_set4_epi32(0x0F800E80, 0x0B800A80, 0x07800680, 0x03800280);
    int32_t t, h, j, i;
    __mmask16 live[2];
    __m512i idx[2], m[2], s[2];
    for (h = 0; h < 2; ++h) {
        idx[h] = _mm512_and_si512(_mm512_loadu_si512(lane_channels[h]), _mm512_set1_epi32(wrap));
        live[h] = _mm512_cmplt_epi32_mask(idx[h], _mm512_set1_epi32(nc));
    }
    for (h = 0; h < 2; ++h) {
        const __m512i at = _mm512_mullo_epi32(idx[h], _mm512_set1_epi32(taps));
        for (t = 0; t < taps; t += 4) {
            __mmask16 safe = live[h];
            __m512i v;
            if (t + 3 >= taps && c0 + 32 > last) {  /* the four bytes would pass the array's end */
                for (j = 0; j < 16; ++j) {
                    if (c0 + (lane_channels[h][j] & wrap) == last) safe = (__mmask16)(safe & ~(1u << j));
                }
            }
            v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), safe, at, (const void *)(weights + c0 * taps + t), 1);
            if (safe != live[h]) {
                const int8_t *w = weights + last * taps + t;
                uint32_t bytes = 0u;
                for (i = 0; i < 4 && t + i < taps; ++i) bytes |= (uint32_t)(uint8_t)w[i] << (8 * i);
                v = _mm512_mask_set1_epi32(v, (__mmask16)(live[h] & ~safe), (int32_t)bytes);
            }
            /* taps past the last read the next channel's: zeroed */
            if (t + 3 >= taps) v = _mm512_and_si512(v, _mm512_set1_epi32((int32_t)(0xFFFFFFFFu >> (8 * (t + 4 - taps)))));
            k->w[t / 2][h] = _mm512_srai_epi16(_mm512_shuffle_epi8(v, bytes01), 8);
            if (t + 2 < taps) k->w[t / 2 + 1][h] = _mm512_srai_epi16(_mm512_shuffle_epi8(v, bytes23), 8);
        }
    }
    k->vector_requant = p->z_out >= -128 && p->z_out <= 127;
    lanes_of(mult, c0, nc, idx, m);
    lanes_of(shift, c0, nc, idx, s);
    if (bias) {
        lanes_of(bias, c0, nc, idx, k->bias);
    } else {
        k->bias[0] = k->bias[1] = _mm512_setzero_si512();
    }
    for (h = 0; h < 2; ++h) {
        if (words) {  /* hcc_word_m / hcc_word_s */
            const __m512i sh = _mm512_and_si512(s[h], _mm512_set1_epi32(31));
            const __mmask16 hoisted = _mm512_test_epi32_mask(sh, sh);
            m[h] = _mm512_mask_sub_epi32(m[h], hoisted, m[h],
                                         _mm512_slli_epi32(_mm512_and_si512(m[h], _mm512_set1_epi32(0x8000)), 1));
            s[h] = _mm512_mask_add_epi32(_mm512_srai_epi32(s[h], 5), hoisted, sh, _mm512_set1_epi32(16));
        }
        s[h] = _mm512_mask_mov_epi32(_mm512_set1_epi32(32), live[h], s[h]);  /* dead lanes: acc 0, m 0, s 32 */
        if (_mm512_cmpgt_epu32_mask(_mm512_sub_epi32(s[h], _mm512_set1_epi32(32)), _mm512_set1_epi32(15))) {
            k->vector_requant = 0;
        }
        k->rq[h] = hcc_host_rq16_make(m[h], s[h], p->z_out, p->act_min, p->act_max);
        _mm512_storeu_si512(k->mq[h], m[h]);
        _mm512_storeu_si512(k->sq[h], s[h]);
    }
}

/* The chunk's outputs of one pixel from its taps (xp[t], NULL off the input; xp[taps] NULL)
 * into out; two: of two pixels, 16 channels each, the second's taps xq (out2; NULL: none) */
static inline void dw_pixel(const dw_chunk_t *k, const hcc_conv2d_params_t *p, const int8_t *const *xp,
                            const int8_t *const *xq, int two, int32_t pairs, __mmask32 live, __m512i z, int32_t nc,
                            int8_t *out, int8_t *out2) {
    __m512i lo = k->bias[0], hi = k->bias[1];
    __mmask16 big;
    int32_t q;
    for (q = 0; q < pairs; ++q) {
        const __m512i a = tap_vector(xp[2 * q], two ? xq[2 * q] : NULL, two, live, z);
        const __m512i b = tap_vector(xp[2 * q + 1], two ? xq[2 * q + 1] : NULL, two, live, z);
        lo = dot_pairs(lo, _mm512_unpacklo_epi16(a, b), k->w[q][0]);
        hi = dot_pairs(hi, _mm512_unpackhi_epi16(a, b), k->w[q][1]);
    }
    big = _mm512_cmpge_epu32_mask(_mm512_abs_epi32(lo), _mm512_set1_epi32(0x1000000)) |
          _mm512_cmpge_epu32_mask(_mm512_abs_epi32(hi), _mm512_set1_epi32(0x1000000));
    if (k->vector_requant && !big) {
        __m256i r;
        lo = hcc_host_rq16(lo, &k->rq[0]);
        hi = hcc_host_rq16(hi, &k->rq[1]);
        r = _mm512_cvtepi16_epi8(_mm512_packs_epi32(lo, hi));
        if (!two) {
            _mm256_mask_storeu_epi8(out, live, r);
        } else {
            _mm_mask_storeu_epi8(out, (__mmask16)live, _mm256_castsi256_si128(r));
            if (out2) _mm_mask_storeu_epi8(out2, (__mmask16)live, _mm256_extracti128_si256(r, 1));
        }
    } else {
        int32_t acc[2][16], h, j;
        _mm512_storeu_si512(acc[0], lo);
        _mm512_storeu_si512(acc[1], hi);
        for (h = 0; h < 2; ++h) {
            for (j = 0; j < 16; ++j) {
                const int32_t ch = lane_channels[h][j];
                int8_t *const dst = two && ch >= 16 ? out2 : out;
                if (dst && (two ? ch & 15 : ch) < nc) {
                    dst[two ? ch & 15 : ch] = hcc_requantize_s8_inline(acc[h][j], k->mq[h][j], k->sq[h][j], p->z_out,
                                                                       p->act_min, p->act_max);
                }
            }
        }
    }
}

/* xp[t]: output column ox's taps (NULL off the input) in a row whose input rows are rows[ky]
 * (NULL off the input; rows_in: none is); off: an inner pixel's tap offsets from its first */
static inline void tap_pointers(const hcc_conv2d_params_t *p, const int8_t *const *rows, int rows_in,
                                const int32_t *off, int32_t ox, const int8_t **xp) {
    const int32_t kh = p->k_h, kw = p->k_w, cs = p->in_c, ix0 = ox * p->stride_w - p->pad_left;
    int32_t kx, ky;
    if (rows_in && ix0 >= 0 && ix0 + (kw - 1) * p->dilation_w < p->in_w) {  /* every tap on the input */
        const int8_t *const first = rows[0] + ix0 * cs;
        int32_t t;
        for (t = 0; t < kh * kw; ++t) xp[t] = first + off[t];
        return;
    }
    for (kx = 0; kx < kw; ++kx) {
        const int32_t ix = ix0 + kx * p->dilation_w;
        const int in = ix >= 0 && ix < p->in_w;
        for (ky = 0; ky < kh; ++ky) xp[ky * kw + kx] = in && rows[ky] ? rows[ky] + ix * cs : NULL;
    }
}

/* rows[ky]: output row oy's input row of kernel row ky from channel c0 (NULL off the input);
 * returns whether every one is on it */
static inline int input_rows(const hcc_conv2d_params_t *p, const int8_t *input, int32_t oy, int32_t c0,
                             const int8_t **rows) {
    const int32_t iy0 = oy * p->stride_h - p->pad_top;
    int32_t ky;
    int on = 1;
    for (ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = iy0 + ky * p->dilation_h;
        rows[ky] = iy < 0 || iy >= p->in_h ? NULL : input + iy * p->in_w * p->in_c + c0;
        on &= rows[ky] != NULL;
    }
    return on;
}

/* 32 channels a chunk; 16 channels or fewer: two pixels a vector */
static void dw_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                    const int32_t *mult, const int32_t *shift, int words, int32_t row_begin, int32_t row_end,
                    int8_t *out_rows) {
    const int32_t channels = p->out_c, cs = p->in_c, kh = p->k_h, kw = p->k_w, taps = kh * kw;
    const int32_t pairs = (taps + 1) / 2;
    const int two = channels <= 16;
    const __m512i z = _mm512_set1_epi16((int16_t)p->z_in);
    const int8_t *xp[HCC_HOST_DW_TAPS + 1], *xq[HCC_HOST_DW_TAPS + 1], *rows[HCC_HOST_DW_TAPS];
    int32_t off[HCC_HOST_DW_TAPS], c0, oy, ox, ky, kx;
    dw_chunk_t k;
    xp[taps] = xq[taps] = NULL;
    for (ky = 0; ky < kh; ++ky) {
        for (kx = 0; kx < kw; ++kx) off[ky * kw + kx] = (ky * p->dilation_h * p->in_w + kx * p->dilation_w) * cs;
    }
    for (c0 = 0; c0 < channels; c0 += 32) {
        const int32_t nc = channels - c0 < 32 ? channels - c0 : 32;
        const __mmask32 live = nc == 32 ? ~(__mmask32)0 : (__mmask32)((1u << nc) - 1u);
        chunk_setup(&k, p, weights, bias, mult, shift, words, c0, nc, two);
        for (oy = row_begin; oy < row_end; ++oy) {
            int8_t *const o = out_rows + (oy - row_begin) * p->out_w * channels + c0;
            const int rows_in = input_rows(p, input, oy, c0, rows);
            for (ox = 0; ox < p->out_w; ox += two ? 2 : 1) {
                const int second = two && ox + 1 < p->out_w;
                tap_pointers(p, rows, rows_in, off, ox, xp);
                if (second) tap_pointers(p, rows, rows_in, off, ox + 1, xq);
                dw_pixel(&k, p, xp, second ? xq : NULL, second, pairs, live, z, nc, o + ox * channels,
                         second ? o + (ox + 1) * channels : NULL);
            }
        }
    }
}

/* The host weight layout (HCC_WEIGHTS_HOST; host_dw_layout in hcc/ops/fused_conv2d.py): the
 * pair interleaving, lane orders and folded bias of chunk_setup made by the compiler, so a call
 * (a conv row, with in-place streaming) sets nothing up but the requantization's vectors. A
 * vector holds element e = 0 .. 31 of 32: with C = out_c in {4, 8, 16} and stride_w <= 2
 * ("pixels": HCC_HOST_DW_PIXELS) pixel e / C, channel e % C, of 32 / C neighbouring pixels,
 * whose taps are 32 contiguous input bytes at stride 1 (at stride 2, the even dwords of 64:
 * one vpermd), so no lane idles; else channel 32 k + e of one pixel (chunk k). Taps off the
 * input read z_in (pad_row's, below), which the folded bias' - z_in sum w cancels:
 * acc = bias + sum w (x - z_in) mod 2^32, the spec's. */

/* One vector's sums: acc[h] += the taps' products (tap t's input bytes at tp[t] + at, whole
 * loads; w: the chunk's pairs, 2 x 64 bytes each). wide: 32 int16 (pad_row16's rows); else
 * two_strides: 64 bytes, the even pixels' dwords kept (idx); else 32. */
static inline __m512i load_tap(const int8_t *x, int wide, int two_strides, __m512i idx) {
    if (wide) return _mm512_loadu_si512((const void *)x);
    if (two_strides) return _mm512_cvtepi8_epi16(_mm512_castsi512_si256(_mm512_permutexvar_epi32(idx, _mm512_loadu_si512(x))));
    return _mm512_cvtepi8_epi16(_mm256_loadu_si256((const void *)x));
}

/* The tap pairs' weights: two vectors a pair at w, or (wr not NULL) in wr: a 3x3 conv's ten,
 * which the caller holds in registers for the chunk (read from memory they were ten of the
 * twenty 512-bit loads a vector) */
static inline __attribute__((always_inline)) void dw_sums(const int8_t *const *tp, int32_t at, int32_t taps,
                                                         const __m512i *wr, const int8_t *w, int wide,
                                                         int two_strides, __m512i idx, __m512i acc[2]) {
    int32_t t;
    for (t = 0; t < taps; t += 2, w += 128) {
        const __m512i a = load_tap(tp[t] + at, wide, two_strides, idx);
        const __m512i b = t + 1 >= taps ? _mm512_setzero_si512() : load_tap(tp[t + 1] + at, wide, two_strides, idx);
        acc[0] = dot_pairs(acc[0], _mm512_unpacklo_epi16(a, b), wr ? wr[t] : _mm512_loadu_si512(w));
        acc[1] = dot_pairs(acc[1], _mm512_unpackhi_epi16(a, b), wr ? wr[t + 1] : _mm512_loadu_si512(w + 64));
    }
}

/* hcc_requantize_s8 in 16 lanes for every acc and every shift in [1, 62]: the magnitude
 * (|acc| |m| + 2^(s-1)) >> s in 64 bits (|acc| |m| <= 2^62: exact, as hcc_requantize), even and
 * odd lanes by vpmuludq, capped at 256 (past it every output saturates alike), signed, z_out
 * added and clamped. Two multiplies a vector where hcc_host_rq16 takes four, and no 2^24
 * bound on acc. The per-channel terms: dw_rq64_make, once per chunk.
 *
 * Where every shift is in [32, 47] (a depthwise conv's usual case) the call takes
 * hcc_host_rq64 (host_paths.h) instead: exact for every int32 acc, and where no lane may tie
 * (its fast form) six operations a vector, the results' high dwords gathered by one vpermt2d. */
typedef struct {
    __m512i m, b_even, b_odd, s_even, s_odd, round_even, round_odd, zo, lo, hi;
} dw_rq64_t;

static inline dw_rq64_t dw_rq64_make(__m512i mv, __m512i sv, int32_t z_out, int32_t act_min, int32_t act_max) {
    const __m512i one = _mm512_set1_epi64(1), low = _mm512_set1_epi64(0xFFFFFFFF);
    dw_rq64_t k;
    k.m = mv;
    k.b_even = _mm512_abs_epi32(mv);  /* |INT32_MIN| reads as 2^31 unsigned */
    k.b_odd = _mm512_srli_epi64(k.b_even, 32);
    k.s_even = _mm512_and_si512(sv, low);
    k.s_odd = _mm512_srli_epi64(sv, 32);
    k.round_even = _mm512_sllv_epi64(one, _mm512_sub_epi64(k.s_even, one));
    k.round_odd = _mm512_sllv_epi64(one, _mm512_sub_epi64(k.s_odd, one));
    k.zo = _mm512_set1_epi32(z_out);
    k.lo = _mm512_set1_epi32(act_min > -128 ? act_min : -128);
    k.hi = _mm512_set1_epi32(act_max < 127 ? act_max : 127);
    return k;
}

static inline __m512i dw_rq64(__m512i av, const dw_rq64_t *k) {
    const __m512i a = _mm512_abs_epi32(av), cap = _mm512_set1_epi64(256);
    __m512i even = _mm512_mul_epu32(a, k->b_even), odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), k->b_odd), v;
    even = _mm512_min_epu64(_mm512_srlv_epi64(_mm512_add_epi64(even, k->round_even), k->s_even), cap);
    odd = _mm512_min_epu64(_mm512_srlv_epi64(_mm512_add_epi64(odd, k->round_odd), k->s_odd), cap);
    v = _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, _mm512_slli_epi64(odd, 32));
    v = _mm512_mask_sub_epi32(v, _mm512_cmplt_epi32_mask(_mm512_xor_si512(av, k->m), _mm512_setzero_si512()),
                              _mm512_setzero_si512(), v);
    return _mm512_max_epi32(_mm512_min_epi32(_mm512_add_epi32(v, k->zo), k->hi), k->lo);
}

/* hcc_host_rq64's 32 results (lo: the low accumulator's lanes) narrowed with saturation,
 * clamped to the activation on bytes (lo8, hi8) and stored under `store` */
static inline __attribute__((always_inline)) void dw_rq64_store(__m512i lo, __m512i hi, const hcc_host_rq64_t *k0,
                                                               const hcc_host_rq64_t *k1, const int general,
                                                               __m256i lo8, __m256i hi8, __mmask32 store,
                                                               int8_t *dst) {
    const __m512i v = _mm512_packs_epi32(hcc_host_rq64(lo, k0, general), hcc_host_rq64(hi, k1, general));
    _mm256_mask_storeu_epi8(dst, store, _mm256_min_epi8(_mm256_max_epi8(_mm512_cvtsepi16_epi8(v), lo8), hi8));
}

/* The bits [lo, hi) of a 64-bit mask (empty where hi <= lo) */
static inline __mmask64 bit_range(int32_t lo, int32_t hi) {
    if (lo < 0) lo = 0;
    if (hi > 64) hi = 64;
    if (hi <= lo) return 0;
    return (hi - lo == 64 ? ~(__mmask64)0 : (((__mmask64)1 << (hi - lo)) - 1u)) << lo;
}

/* Input row iy (off the input: all z_in) padded into d: its columns -pad_left .. -pad_left +
 * cols - 1 (z_in off the input), `col` bytes each (a pixel's C channels, or chunk c0's 32,
 * `live` of them from the input), then 64 bytes of z_in that whole loads may read. z_in
 * columns are whole 32-byte stores. */
static void pad_row(const hcc_conv2d_params_t *p, const int8_t *input, int32_t c0, int32_t iy, int32_t cols,
                    int32_t col, __mmask32 live, int8_t *d) {
    const int on = iy >= 0 && iy < p->in_h;
    const int32_t lo = on ? (p->pad_left < cols ? p->pad_left : cols) : 0;
    const int32_t hi = on ? (p->pad_left + p->in_w < cols ? p->pad_left + p->in_w : cols) : 0;
    const int8_t *const row = on ? input + iy * p->in_w * p->in_c + c0 - p->pad_left * p->in_c : NULL;
    const __m256i fill = _mm256_set1_epi8((char)p->z_in);
    int32_t x;
    for (x = 0; x < lo * col; x += 32) _mm256_storeu_si256((void *)(d + x), fill);
    for (x = hi * col; x < cols * col + 64; x += 32) _mm256_storeu_si256((void *)(d + x), fill);
    if (col == p->in_c) {  /* whole pixels */
        if (hi > lo) memcpy(d + lo * col, row + lo * col, (size_t)((hi - lo) * col));
    } else {
        for (x = lo; x < hi; ++x) _mm256_storeu_si256((void *)(d + x * col), _mm256_mask_loadu_epi8(fill, live, row + x * p->in_c));
    }
}

/* pad_row for a chunk of 32 channels (not dw_pixels) at stride 1 as int16, 64 bytes a column:
 * each input byte widened once per call where each of a 3x3 conv's taps widened it again (9
 * vpmovsxbw an output vector, on the shuffle port beside the pairs' unpacks; at stride 2 the
 * rows' bytes are read by fewer taps, and twice the bytes copied lost what it saved); then 64
 * bytes of z_in */
static void pad_row16(const hcc_conv2d_params_t *p, const int8_t *input, int32_t c0, int32_t iy, int32_t cols,
                      __mmask32 live, int8_t *d) {
    const int on = iy >= 0 && iy < p->in_h;
    const int32_t lo = on ? (p->pad_left < cols ? p->pad_left : cols) : 0;
    const int32_t hi = on ? (p->pad_left + p->in_w < cols ? p->pad_left + p->in_w : cols) : 0;
    const int8_t *const row = on ? input + iy * p->in_w * p->in_c + c0 - p->pad_left * p->in_c : NULL;
    const __m256i fill8 = _mm256_set1_epi8((char)p->z_in);
    const __m512i fill = _mm512_set1_epi16((short)p->z_in);
    int32_t x;
    for (x = 0; x < lo; ++x) _mm512_storeu_si512((void *)(d + 64 * x), fill);
    for (x = lo; x < hi; ++x) {
        _mm512_storeu_si512((void *)(d + 64 * x), _mm512_cvtepi8_epi16(_mm256_mask_loadu_epi8(fill8, live, row + x * p->in_c)));
    }
    for (x = hi; x < cols + 1; ++x) _mm512_storeu_si512((void *)(d + 64 * x), fill);
}

/* Every tap a whole load from a padded copy of the input rows on the stack (pad_row): a row
 * is copied once per call and chunk, into slot iy mod `slots`, so the rows of a window, apart
 * by less than `slots` (host_dw_pad_fits in hcc/ops/fused_conv2d.py), never share one. No
 * border path: the copies' z_in columns and rows are the spec's padding. */
void hcc_dwconv2d_host_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                               const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                               int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, kh = p->k_h, kw = p->k_w, taps = kh * kw;
    const int32_t sw = p->stride_w, dw = p->dilation_w;
    const int pix = dw_pixels(p), two_strides = pix && sw == 2;
    const int32_t per = pix ? 32 / channels : 1, chunks = pix ? 1 : (channels + 31) / 32;
    const int32_t vectors = (p->out_w + per - 1) / per, wbytes = (taps + 1) / 2 * 128;
    const int32_t cols = (vectors * per - 1) * sw + (kw - 1) * dw + 1;  /* every vector's columns */
    /* a chunk's rows as int16 (pad_row16) at stride 1 where a window's rows fit the slots so
     * (host_dw_pad_fits in hcc/ops/fused_conv2d.py counts the int8 rows, the fallback) */
    const int wide = !pix && sw == 1 &&
                     HCC_HOST_DW_PAD_BYTES / ((cols * 64 + 64 + 63) / 64 * 64) > (kh - 1) * p->dilation_h;
    /* a copied row's column: a pixel's C channels, a chunk's 32, or those as int16 */
    const int32_t col = pix ? channels : wide ? 64 : 32;
    const int32_t row_bytes = (cols * col + 64 + 63) / 64 * 64;
    /* as many slots as fit, or as the call reads rows (a row a call: a window's) */
    const int32_t reads = (row_end - row_begin - 1) * p->stride_h + (kh - 1) * p->dilation_h + 1;
    const int32_t fit = HCC_HOST_DW_PAD_BYTES / row_bytes < HCC_HOST_DW_SLOTS ? HCC_HOST_DW_PAD_BYTES / row_bytes
                                                                              : HCC_HOST_DW_SLOTS;
    const int32_t slots = reads < fit ? reads : fit;
    __m512i idx = _mm512_setzero_si512();
    int32_t held[HCC_HOST_DW_SLOTS], k, oy, v, ky, kx;
    const int8_t *tp[HCC_HOST_DW_TAPS];
    int8_t pad[HCC_HOST_DW_PAD_BYTES];
    if (two_strides) {  /* dword d of the result: pixel d / (C / 4)'s, from the even pixels */
        const int32_t q = channels / 4;
        int32_t d, at[16];
        for (d = 0; d < 16; ++d) at[d] = (d / q) * 2 * q + d % q;
        idx = _mm512_loadu_si512(at);
    }
    for (k = 0; k < chunks; ++k) {
        const int32_t c0 = 32 * k, nc = pix ? 32 : (channels - c0 < 32 ? channels - c0 : 32);
        const __mmask32 live = (__mmask32)bit_range(0, nc);
        const int8_t *const w = weights + k * wbytes;
        const int32_t *const mk = mult + 32 * k, *const sk = shift + 32 * k;
        const __m512i b0 = _mm512_loadu_si512(bias + 32 * k), b1 = _mm512_loadu_si512(bias + 32 * k + 16);
        const __m512i s0 = _mm512_loadu_si512(sk), s1 = _mm512_loadu_si512(sk + 16);
        /* every shift in [1, 62] (dw_rq64's range; dead lanes 32) and z_out an int8; rq_near:
         * every shift in [32, 47] (hcc_host_rq64's range; a dead lane has m 0, so never ties) */
        const int vector_requant = p->z_out >= -128 && p->z_out <= 127 &&
                                   !_mm512_cmpgt_epu32_mask(_mm512_sub_epi32(s0, _mm512_set1_epi32(1)),
                                                            _mm512_set1_epi32(61)) &&
                                   !_mm512_cmpgt_epu32_mask(_mm512_sub_epi32(s1, _mm512_set1_epi32(1)),
                                                            _mm512_set1_epi32(61));
        const int rq_near = vector_requant &&
                         !_mm512_cmpgt_epu32_mask(_mm512_sub_epi32(s0, _mm512_set1_epi32(32)), _mm512_set1_epi32(15)) &&
                         !_mm512_cmpgt_epu32_mask(_mm512_sub_epi32(s1, _mm512_set1_epi32(32)), _mm512_set1_epi32(15));
        const dw_rq64_t rq0 = dw_rq64_make(_mm512_loadu_si512(mk), s0, p->z_out, p->act_min, p->act_max);
        const dw_rq64_t rq1 = dw_rq64_make(_mm512_loadu_si512(mk + 16), s1, p->z_out, p->act_min, p->act_max);
        const hcc_host_rq64_t r0 = hcc_host_rq64_make(_mm512_loadu_si512(mk), s0, p->z_out);
        const hcc_host_rq64_t r1 = hcc_host_rq64_make(_mm512_loadu_si512(mk + 16), s1, p->z_out);
        const int tie = r0.general || r1.general;
        const __m256i lo8 = _mm256_set1_epi8((char)(p->act_min > -128 ? p->act_min : -128));
        const __m256i hi8 = _mm256_set1_epi8((char)(p->act_max < 127 ? p->act_max : 127));
        __m512i w9[10];
        for (v = 0; v < 10; ++v) w9[v] = taps == 9 ? _mm512_loadu_si512((const void *)(w + 64 * v)) : _mm512_setzero_si512();
        for (v = 0; v < slots; ++v) held[v] = INT32_MIN;  /* no row yet (iy > INT32_MIN) */
        for (oy = row_begin; oy < row_end; ++oy) {
            int8_t *const o = out_rows + (oy - row_begin) * p->out_w * channels + c0;
            for (ky = 0; ky < kh; ++ky) {
                const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h, slot = (iy % slots + slots) % slots;
                int8_t *const d = pad + slot * row_bytes;
                if (held[slot] != iy) {
                    if (wide) {
                        pad_row16(p, input, c0, iy, cols, live, d);
                    } else {
                        pad_row(p, input, c0, iy, cols, col, live, d);
                    }
                    held[slot] = iy;
                }
                for (kx = 0; kx < kw; ++kx) tp[ky * kw + kx] = d + kx * dw * col;
            }
            for (v = 0; v < vectors; ++v) {
                const int32_t at = v * per * sw * col, ox0 = v * per;
                const int32_t n_pix = p->out_w - ox0 < per ? p->out_w - ox0 : per;
                const __mmask32 store = pix ? (__mmask32)bit_range(0, n_pix * channels) : live;
                int8_t *const dst = o + ox0 * channels;
                __m512i acc[2];
                acc[0] = b0;
                acc[1] = b1;
                if (taps == 9 && wide) {  /* the common 3x3 unrolled */
                    dw_sums(tp, at, 9, w9, w, 1, 0, idx, acc);
                } else if (taps == 9 && !two_strides) {
                    dw_sums(tp, at, 9, w9, w, 0, 0, idx, acc);
                } else if (taps == 9) {
                    dw_sums(tp, at, 9, w9, w, 0, 1, idx, acc);
                } else {
                    dw_sums(tp, at, taps, NULL, w, wide, two_strides, idx, acc);
                }
                if (rq_near && !tie) {
                    dw_rq64_store(acc[0], acc[1], &r0, &r1, 0, lo8, hi8, store, dst);
                } else if (rq_near) {
                    dw_rq64_store(acc[0], acc[1], &r0, &r1, 1, lo8, hi8, store, dst);
                } else if (vector_requant) {
                    const __m512i lo = dw_rq64(acc[0], &rq0), hi = dw_rq64(acc[1], &rq1);
                    _mm256_mask_storeu_epi8(dst, store, _mm512_cvtepi16_epi8(_mm512_packs_epi32(lo, hi)));
                } else {
                    int32_t a[2][16], h, j;
                    _mm512_storeu_si512(a[0], acc[0]);
                    _mm512_storeu_si512(a[1], acc[1]);
                    for (h = 0; h < 2; ++h) {
                        for (j = 0; j < 16; ++j) {
                            const int32_t e = lane_channels[h][j];
                            if ((store >> e) & 1u) {
                                dst[e] = hcc_requantize_s8_inline(a[h][j], mk[16 * h + j], sk[16 * h + j], p->z_out,
                                                                  p->act_min, p->act_max);
                            }
                        }
                    }
                }
            }
        }
    }
}

#else

/* Portable: HCC_DW_CHUNK channels at a time, the weights transposed to [tap][channel] on the
 * stack, acc[c] += (x - z_in) w per tap on the input, then the chunk requantized together. */
#define HCC_DW_CHUNK 64

static void dw_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                    const int32_t *mult, const int32_t *shift, int words, int32_t row_begin, int32_t row_end,
                    int8_t *out_rows) {
    const int32_t channels = p->out_c, kh = p->k_h, kw = p->k_w, taps = kh * kw, z = p->z_in;
    int32_t c0, c, oy, ox, ky, kx;
    for (c0 = 0; c0 < channels; c0 += HCC_DW_CHUNK) {
        const int32_t nc = channels - c0 < HCC_DW_CHUNK ? channels - c0 : HCC_DW_CHUNK;
        int16_t wt[HCC_HOST_DW_TAPS][HCC_DW_CHUNK];
        int32_t m[HCC_DW_CHUNK], s[HCC_DW_CHUNK];
        uint32_t b[HCC_DW_CHUNK], acc[HCC_DW_CHUNK];
        for (c = 0; c < nc; ++c) {
            for (ky = 0; ky < taps; ++ky) wt[ky][c] = weights[(c0 + c) * taps + ky];
            m[c] = words ? hcc_word_m(mult[c0 + c], shift[c0 + c]) : mult[c0 + c];
            s[c] = words ? hcc_word_s(shift[c0 + c]) : shift[c0 + c];
            b[c] = bias ? (uint32_t)bias[c0 + c] : 0u;
        }
        for (oy = row_begin; oy < row_end; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_top;
            int8_t *const o = out_rows + (oy - row_begin) * p->out_w * channels + c0;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_left;
                for (c = 0; c < nc; ++c) acc[c] = b[c];
                for (ky = 0; ky < kh; ++ky) {
                    const int32_t iy = iy0 + ky * p->dilation_h;
                    if (iy < 0 || iy >= p->in_h) continue;
                    for (kx = 0; kx < kw; ++kx) {
                        const int32_t ix = ix0 + kx * p->dilation_w;
                        const int8_t *x;
                        const int16_t *w = wt[ky * kw + kx];
                        if (ix < 0 || ix >= p->in_w) continue;
                        x = input + (iy * p->in_w + ix) * p->in_c + c0;
                        for (c = 0; c < nc; ++c) acc[c] += (uint32_t)((x[c] - z) * w[c]);
                    }
                }
                hcc_host_requant_s8(acc, m, s, nc, p->z_out, p->act_min, p->act_max, o + ox * channels, 1);
            }
        }
    }
}

/* hcc_dwconv2d_host_s8_rows in portable C: output by output from the same layout, element e
 * of its vector at accumulator h = e / 4 % 2, lane j = e / 8 * 4 + e % 4 (lane_channels) */
void hcc_dwconv2d_host_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                               const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                               int32_t row_end, int8_t *out_rows) {
    const int32_t channels = p->out_c, taps = p->k_h * p->k_w, wbytes = (taps + 1) / 2 * 128;
    const int pix = dw_pixels(p);
    const int32_t per = pix ? 32 / channels : 1;
    int32_t oy, ox, c, ky, kx;
    for (oy = row_begin; oy < row_end; ++oy) {
        for (ox = 0; ox < p->out_w; ++ox) {
            for (c = 0; c < channels; ++c) {
                const int32_t k = pix ? 0 : c / 32, e = pix ? ox % per * channels + c : c % 32;
                const int32_t lane = 32 * k + 16 * (e / 4 % 2) + e / 8 * 4 + e % 4;
                const uint8_t *const w = (const uint8_t *)weights + k * wbytes + (lane - 32 * k) * 4;
                uint32_t acc = (uint32_t)bias[lane];
                for (ky = 0; ky < p->k_h; ++ky) {
                    const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                    for (kx = 0; kx < p->k_w; ++kx) {
                        const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w, t = ky * p->k_w + kx;
                        const int on = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
                        const int32_t x = on ? input[(iy * p->in_w + ix) * p->in_c + c] : p->z_in;
                        /* tap t of the lane: int16 (t % 2) of pair t / 2, little-endian */
                        const uint8_t *const b = w + t / 2 * 128 + t % 2 * 2;
                        const int32_t wt = (int16_t)(uint16_t)(b[0] | b[1] << 8);
                        acc += (uint32_t)(x * wt);
                    }
                }
                out_rows[((oy - row_begin) * p->out_w + ox) * channels + c] =
                    hcc_requantize_s8_inline((int32_t)acc, mult[lane], shift[lane], p->z_out, p->act_min, p->act_max);
            }
        }
    }
}

#endif

int hcc_host_dwconv_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int words, int32_t row_begin, int32_t row_end,
                         int8_t *out_rows) {
    if (p->k_h * p->k_w > HCC_HOST_DW_TAPS) return 0;
    dw_rows(p, input, weights, bias, mult, shift, words, row_begin, row_end, out_rows);
    return 1;
}

/* The [m, k] matrix of b-byte blocks at data transposed to [k, m] in place by following its
 * cycles, one block carried in scratch (memcpy; a few dozen blocks). 0: too many blocks to
 * mark on the stack. */
#define TRANSPOSE_MAX_BLOCKS 4096
static int transpose_blocks(int8_t *data, uint32_t m, uint32_t k, uint32_t b, uint8_t *scratch) {
    const uint32_t nblocks = m * k;
    uint8_t moved[TRANSPOSE_MAX_BLOCKS / 8];
    uint32_t start, cur;
    if (nblocks > TRANSPOSE_MAX_BLOCKS) return 0;
    memset(moved, 0, (nblocks + 7u) / 8u);
    /* block (r, j) at r k + j goes to j m + r; the block that lands on cur comes from
     * (cur % m) k + cur / m */
    for (start = 1; start + 1 < nblocks; ++start) {
        if (moved[start >> 3] & (1u << (start & 7u))) continue;
        memcpy(scratch, data + start * b, b);
        cur = start;
        for (;;) {
            const uint32_t from = (cur % m) * k + cur / m;
            moved[cur >> 3] = (uint8_t)(moved[cur >> 3] | (1u << (cur & 7u)));
            if (from == start) {
                memcpy(data + cur * b, scratch, b);
                break;
            }
            memcpy(data + cur * b, data + from * b, b);
            cur = from;
        }
    }
    return 1;
}

/* [r, c] bytes at data (r c <= the scratch) to [c, r] through a copy in scratch: writes in order. */
static void transpose_through(int8_t *data, uint32_t r, uint32_t c, uint8_t *scratch) {
    const int8_t *const src = (const int8_t *)scratch;
    uint32_t i, j;
    memcpy(scratch, data, r * c);
    if (r == 3) { /* NCHW RGB inputs */
        for (j = 0; j < c; ++j) {
            data[3 * j] = src[j];
            data[3 * j + 1] = src[c + j];
            data[3 * j + 2] = src[2 * c + j];
        }
    } else {
        for (j = 0; j < c; ++j) {
            for (i = 0; i < r; ++i) data[j * r + i] = src[i * c + j];
        }
    }
}

/* The largest divisor b of n with b times other <= room (0 if none). */
static uint32_t block_size(uint32_t n, uint32_t other, uint32_t room) {
    uint32_t b = 0, d;
    for (d = 1; d * d <= n; ++d) {
        if (n % d) continue;
        if (d > b && other * d <= room) b = d;
        if (n / d > b && other * (n / d) <= room) b = n / d;
    }
    return b;
}

/* In-place transpose of [rows, cols] bytes to [cols, rows] in two passes of block copies
 * within the cycle walker's scratch (n / 8 bytes), where cols or rows has a divisor b of at
 * least 8 whose blocks fit it:
 * - cols = K b (an NCHW -> NHWC input): 1. the [rows, K] matrix of b-byte blocks transposed
 *   (transpose_blocks); 2. each of the K groups, now [rows, b] contiguous, transposed through
 *   scratch;
 * - else rows = K b (an NHWC -> NCHW output of few channels, U-Net's [4096, 3]): 1. each group
 *   of b rows, [b, cols], transposed through scratch to [cols, b]; 2. the [K, cols] matrix of
 *   b-byte blocks transposed.
 * Returns 0 where neither applies (then the cycle walker). */
int hcc_host_transpose_inplace_s8(int8_t *data, int32_t rows, int32_t cols, uint8_t *scratch) {
    const uint32_t r = (uint32_t)rows, c = (uint32_t)cols, room = (r * c + 7u) / 8u;
    uint32_t b = block_size(c, r, room), g;
    if (b >= 8u) {
        if (!transpose_blocks(data, r, c / b, b, scratch)) return 0;
        for (g = 0; g < c / b; ++g) transpose_through(data + g * b * r, r, b, scratch);
        return 1;
    }
    b = block_size(r, c, room);
    if (b < 8u || (r / b) * c > TRANSPOSE_MAX_BLOCKS) return 0;
    for (g = 0; g < r / b; ++g) transpose_through(data + g * b * c, b, c, scratch);
    return transpose_blocks(data, r / b, c, b, scratch);
}

/* Max pooling of a whole row with several pixels a vector, where c divides 32 (64 / c pixels a
 * vector) and stride_w is 1 or 2: the column maxima of the n_rows rows into `cols` (-128 in the
 * padding columns and past the input: the identity of the max, so windows reaching past the
 * input take the max of their pixels inside it, -128 where none is), then each output vector
 * the max of k_w loads of `cols` k_w pixels apart; at stride 2 from 128 bytes, the even
 * pixels' bytes picked by one vpermt2b (byte b <- b + (b & -c): pixel b / c's 2 (b / c)). Every
 * input byte is read before any output is written. 0 where it does not apply. */
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
#define HOST_POOL_COLS 4096
static int maxpool_row_vectors(const hcc_pool_params_t *p, const int8_t *rows, int32_t n_rows, int8_t *out_row) {
    const int32_t c = p->c, sw = p->stride_w, per = c > 0 && c <= 64 ? 64 / c : 1, row_bytes = p->in_w * c;
    /* the bytes the loads reach (the last vector's window, 128 bytes at stride 2) and the row */
    const int32_t reach = ((p->out_w + per - 1) / per * per * sw + p->k_w) * c + 128;
    const int32_t span = reach > row_bytes ? reach : row_bytes;
    const __m512i low = _mm512_set1_epi8(-128);
    const __m512i iota = _mm512_set_epi64(0x3F3E3D3C3B3A3938, 0x3736353433323130, 0x2F2E2D2C2B2A2928,
                                          0x2726252423222120, 0x1F1E1D1C1B1A1918, 0x1716151413121110,
                                          0x0F0E0D0C0B0A0908, 0x0706050403020100);
    const __m512i pick = _mm512_add_epi8(iota, _mm512_and_si512(iota, _mm512_set1_epi8((char)-c)));
    int8_t cols[HOST_POOL_COLS];
    int32_t i, r, ox, kx;
    if (c <= 0 || c > 32 || 64 % c != 0 || (sw != 1 && sw != 2) || p->pad_left < 0 || p->k_w < 1 ||
        span + p->pad_left * c > HOST_POOL_COLS) {
        return 0;
    }
    for (i = 0; i < span + p->pad_left * c; i += 64) _mm512_storeu_si512((void *)(cols + i), low);
    for (i = 0; i < row_bytes; i += 64) {
        const __mmask64 live = row_bytes - i >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (row_bytes - i)) - 1u);
        __m512i m = low;
        for (r = 0; r < n_rows; ++r) m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(live, rows + r * row_bytes + i));
        _mm512_mask_storeu_epi8(cols + p->pad_left * c + i, live, m);
    }
    for (ox = 0; ox < p->out_w; ox += per) {
        const int8_t *const at = cols + ox * sw * c;
        const int32_t n = p->out_w - ox < per ? p->out_w - ox : per;
        __m512i a = _mm512_loadu_si512((const void *)at), b;
        for (kx = 1; kx < p->k_w; ++kx) a = _mm512_max_epi8(a, _mm512_loadu_si512((const void *)(at + kx * c)));
        if (sw == 2) {
            b = _mm512_loadu_si512((const void *)(at + 64));
            for (kx = 1; kx < p->k_w; ++kx) b = _mm512_max_epi8(b, _mm512_loadu_si512((const void *)(at + 64 + kx * c)));
            a = _mm512_permutex2var_epi8(a, pick, b);
        }
        _mm512_mask_storeu_epi8(out_row + ox * c, n == per ? ~(__mmask64)0 : (((__mmask64)1 << (n * c)) - 1u), a);
    }
    return 1;
}
#endif

/* Max pooling: a row of pixels a few vectors (maxpool_row_vectors), else per output pixel, 64
 * channels a vector (masked past c), the max of the window's pixels inside the input as signed
 * bytes (vpmaxsb), -128 where none is. All of a pixel's window is read before it is written,
 * as in hcc_maxpool_s8_row. */
int hcc_host_maxpool_s8_row(const hcc_pool_params_t *p, const int8_t *rows, int32_t n_rows, int8_t *out_row) {
#if defined(__AVX512BW__)
    const int32_t c = p->c, row_bytes = p->in_w * c;
    int32_t ox, ch, r, ix;
#if defined(__AVX512VBMI__)
    if (maxpool_row_vectors(p, rows, n_rows, out_row)) return 1;
#endif
    for (ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const int32_t x_begin = ix0 < 0 ? 0 : ix0;
        const int32_t x_end = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
        for (ch = 0; ch < c; ch += 64) {
            const __mmask64 live = c - ch >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (c - ch)) - 1u);
            __m512i m = _mm512_set1_epi8(-128);
            for (r = 0; r < n_rows; ++r) {
                const int8_t *const in = rows + r * row_bytes + ch;
                for (ix = x_begin; ix < x_end; ++ix) m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(live, in + ix * c));
            }
            _mm512_mask_storeu_epi8(out_row + ox * c + ch, live, m);
        }
    }
    return 1;
#else
    (void)p;
    (void)rows;
    (void)n_rows;
    (void)out_row;
    return 0;
#endif
}

/* hcc_lut_s8 with AVX-512 VBMI: 64 elements a pass, the 256-byte table in four registers, two
 * vpermi2b (one per half of the table, seven index bits each) and a blend on the index's top
 * bit. */
int hcc_host_lut_s8(const int8_t *input, int32_t size, const int8_t *table, int8_t *output) {
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    int32_t i;
    for (i = 0; i < size; i += 64) {
        const __mmask64 live = size - i >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (size - i)) - 1u);
        const __m512i u = _mm512_xor_si512(_mm512_maskz_loadu_epi8(live, input + i), flip);  /* x + 128 */
        const __m512i low = _mm512_permutex2var_epi8(t0, u, t1), high = _mm512_permutex2var_epi8(t2, u, t3);
        _mm512_mask_storeu_epi8(output + i, live, _mm512_mask_blend_epi8(_mm512_movepi8_mask(u), low, high));
    }
    return 1;
#else
    (void)input;
    (void)size;
    (void)table;
    (void)output;
    return 0;
#endif
}

/* hcc_mul_s8's hoisted paths with b per element or per channel: out[i] =
 * hcc_requant_hoisted(q, (a[i] - z_a)(b[i] - z_b)), sixteen lanes a pass (|a - z_a| |b - z_b|
 * < 2^16 as hcc_requant_hoist checked; the int32 products and shifts those of the scalar
 * form). b_rows: b advances with the rows (no broadcast), else every row reads the same
 * channels. out may be a or b. */
int hcc_host_mul_rows_s8(const hcc_requant_hoisted_t *q, int32_t z_a, int32_t z_b, const int8_t *a, const int8_t *b,
                         int32_t rows, int32_t channels, int b_rows, int8_t *out) {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    const __m512i za = _mm512_set1_epi32(z_a), zb = _mm512_set1_epi32(z_b), bh = _mm512_set1_epi32(q->bh);
    const __m512i bl = _mm512_set1_epi32(q->bl), c = _mm512_set1_epi32(q->c), lo = _mm512_set1_epi32(q->lo);
    const __m512i hi = _mm512_set1_epi32(q->hi);
    const __m128i sh = _mm_cvtsi32_si128(q->sh);
    /* a few channels dividing 16 (squeeze-excite's gates of 8): their b repeated across the
     * lanes, the rows as one run */
    const int repeat = !b_rows && 16 % channels == 0;
    const int32_t n = b_rows || repeat ? rows * channels : channels, times = b_rows || repeat ? 1 : rows;
    int8_t pattern[16];
    int32_t r, i;
    if (repeat) {
        for (i = 0; i < 16; ++i) pattern[i] = b[i % channels];
        b = pattern;
    }
    for (r = 0; r < times; ++r, a += n, out += n) {
        for (i = 0; i < n; i += 16) {
            const __mmask16 live = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
            const __m512i x = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(live, a + i)), za);
            const __m512i y = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(live, b + (repeat ? 0 : i))),
                                               zb);
            const __m512i acc = _mm512_mullo_epi32(x, y);
            __m512i v = _mm512_add_epi32(_mm512_mullo_epi32(acc, bh), _mm512_srai_epi32(_mm512_mullo_epi32(acc, bl), 16));
            v = _mm512_sra_epi32(_mm512_add_epi32(v, c), sh);
            v = _mm512_max_epi32(_mm512_min_epi32(v, hi), lo);
            _mm_mask_storeu_epi8(out + i, live, _mm512_cvtepi32_epi8(v));
        }
    }
    return 1;
#else
    (void)q;
    (void)z_a;
    (void)z_b;
    (void)a;
    (void)b;
    (void)rows;
    (void)channels;
    (void)b_rows;
    (void)out;
    return 0;
#endif
}

#else
typedef int hcc_host_dw_s8_empty; /* ISO C: a translation unit declares something */
#endif
