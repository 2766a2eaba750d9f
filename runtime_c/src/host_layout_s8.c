/* Groups-1 convs and fully connected layers with the weights in the host layout (`hcc compile
 * --weight-layout host`, HCC_WEIGHTS_HOST; docs/performance.md "Host"): a build for a desktop or
 * server CPU, where the lx106's blocked layout (four channels side by side per term) keeps short
 * reductions scalar. The layout is the one AVX-512 VNNI's vpdpbusd consumes: the terms of a
 * channel (OHWI: k_h kernel rows of k_w in_c; a fully connected row: one of k), each kernel row
 * padded to row4 = 4 ceil(k_w in_c / 4) (n4 = k_h row4 in all; host_layout in
 * hcc/ops/fully_connected.py), the channels in blocks of 16 (the last padded with zero
 * weights), and within a block, for each group g of four terms, 16 channels x 4 terms:
 *     weights[((b n4 / 4 + g) 16 + c) 4 + t] = w[16 b + c, 4 g + t]   (int8, 0 where padded).
 * The bias is folded as in the blocked layout: bias[c] - (z_in + 128) sum_t w[c, t]; mult and
 * shift are the plain multipliers and shifts. With v = x + 128 (unsigned byte; z_in + 128 at
 * the taps off the input), exactly in 32-bit wrap-around:
 *     bias[c] + sum_t w (x - z_in) = folded[c] + sum_t v w,
 * so a pixel's accumulators are 16 channels x 4 terms per vpdpbusd, no input sum, no
 * horizontal add; then the spec's requantization. The same integers as the int8 reference. */
#include <stdint.h>
#include <string.h>

#include "hcc_kernels.h"

/* Host builds only: a host-layout model refuses to build for the lx106 (its model.c has an
 * #error there) and conv2d_pool_s8.c calls this file's rows only off the lx106, so the lx106
 * object is left empty (its libgcc lacks the division helpers this C would call). */
#if !HCC_XTENSA_KERNELS
#include "host_paths.h"
#include "host_pw_s8.h"
#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#include <immintrin.h>
#define HCC_HOST_VNNI 1
#endif

/* Pixels whose patches are gathered together (each block's weights read once for all of them),
 * and the bytes of one pixel's patch on the stack; a longer reduction takes the direct path. */
#define HCC_HOST_PIXELS 4
#define HCC_HOST_TERMS 4096
#define HCC_HOST_LANES 16

/* patch[t] = v of the pixel's term t = ky row4 + kx in_c + i (0 in each row's padding); the
 * taps of a kernel row on the input are one run when not dilated along the row */
static void host_patch(const hcc_conv2d_params_t *p, const int8_t *input, int32_t oy, int32_t ox, int32_t n4,
                       uint8_t *patch) {
    const int32_t in_c = p->in_c, kw = p->k_w, dw = p->dilation_w, row = kw * in_c, row4 = n4 / p->k_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const uint8_t zv = (uint8_t)(p->z_in + 128);
    int32_t ky, kx, kx0 = 0, kx1 = kw;
    uint8_t *d = patch;
    while (kx0 < kw && ix0 + kx0 * dw < 0) ++kx0;
    while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= p->in_w) --kx1;
    for (ky = 0; ky < p->k_h; ++ky, d += row4) {
        const int32_t iy = iy0 + ky * p->dilation_h;
        const uint8_t *x = (const uint8_t *)input + (iy * p->in_w + ix0) * in_c;
        memset(d + row, 0, (size_t)(row4 - row));
        if (iy < 0 || iy >= p->in_h || kx1 <= kx0) {
            memset(d, zv, (size_t)row);
            continue;
        }
        if (kx0 > 0) memset(d, zv, (size_t)(kx0 * in_c));
        if (kx1 < kw) memset(d + kx1 * in_c, zv, (size_t)((kw - kx1) * in_c));
        if (dw == 1) {
            hcc_host_spread(x + kx0 * in_c, (kx1 - kx0) * in_c, d + kx0 * in_c);
        } else {
            for (kx = kx0; kx < kx1; ++kx) hcc_host_spread(x + kx * dw * in_c, in_c, d + kx * in_c);
        }
    }
}

/* acc[q][c] = bias16[c] + sum_t v_q[t] wb[block term t, channel c] for np pixels
 * (np <= HCC_HOST_PIXELS) whose terms are n4 bytes at patches + q step, v = the byte ^ flip
 * (flip 0x80808080: straight from the input, x + 128; 0: a gathered patch), and one block of 16
 * channels */
static void host_block(const uint8_t *patches, int32_t step, uint32_t flip, int32_t np, int32_t n4, const int8_t *wb,
                       const uint32_t *bias16, uint32_t acc[HCC_HOST_PIXELS][HCC_HOST_LANES]) {
    const int32_t groups = n4 / 4;
    int32_t q, g;
#if defined(HCC_HOST_VNNI)
    const __m512i b = _mm512_loadu_si512((const void *)bias16);
    const int32_t f = (int32_t)flip;
    if (np == HCC_HOST_PIXELS) {
        const uint8_t *x0 = patches, *x1 = patches + step, *x2 = patches + 2 * step, *x3 = patches + 3 * step;
        __m512i a0 = b, a1 = b, a2 = b, a3 = b;
        for (g = 0; g < groups; ++g) {
            const __m512i w = _mm512_loadu_si512((const void *)(wb + 64 * g));
            a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(hcc_host_u32(x0 + 4 * g) ^ f), w);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(hcc_host_u32(x1 + 4 * g) ^ f), w);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(hcc_host_u32(x2 + 4 * g) ^ f), w);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(hcc_host_u32(x3 + 4 * g) ^ f), w);
        }
        _mm512_storeu_si512((void *)acc[0], a0);
        _mm512_storeu_si512((void *)acc[1], a1);
        _mm512_storeu_si512((void *)acc[2], a2);
        _mm512_storeu_si512((void *)acc[3], a3);
        return;
    }
    for (q = 0; q < np; ++q) {
        const uint8_t *x = patches + q * step;
        __m512i a = b;
        for (g = 0; g < groups; ++g) {
            a = _mm512_dpbusd_epi32(a, _mm512_set1_epi32(hcc_host_u32(x + 4 * g) ^ f),
                                    _mm512_loadu_si512((const void *)(wb + 64 * g)));
        }
        _mm512_storeu_si512((void *)acc[q], a);
    }
#else
    const uint32_t fb = flip & 0xFFu;
    for (q = 0; q < np; ++q) {
        const uint8_t *x = patches + q * step;
        uint32_t *a = acc[q];
        int32_t c, t;
        for (c = 0; c < HCC_HOST_LANES; ++c) a[c] = bias16[c];
        for (g = 0; g < groups; ++g) {
            const int8_t *w = wb + 64 * g;
            for (c = 0; c < HCC_HOST_LANES; ++c) {
                uint32_t s = 0u;
                for (t = 0; t < 4; ++t) s += (uint32_t)((int32_t)(x[4 * g + t] ^ fb) * w[4 * c + t]);
                a[c] += s;
            }
        }
    }
#endif
}

/* out[c] = requantize(acc[c], mult[c], shift[c]) for c < nc; on the host all 16 lanes at once
 * (mult and shift of a block's 16 lanes, the padding lanes' accumulators 0), then nc bytes */
static void host_requant(const uint32_t *acc, const int32_t *mult, const int32_t *shift, int32_t nc,
                         const hcc_conv2d_params_t *p, int8_t *out) {
#if !HCC_XTENSA_KERNELS
    int8_t lanes[HCC_HOST_LANES];
    hcc_host_requant_s8(acc, mult, shift, HCC_HOST_LANES, p->z_out, p->act_min, p->act_max, lanes, 1);
    memcpy(out, lanes, (size_t)nc);
#else
    int32_t c;
    for (c = 0; c < nc; ++c) {
        out[c] = hcc_requantize_s8_inline((int32_t)acc[c], mult[c], shift[c], p->z_out, p->act_min, p->act_max);
    }
#endif
}

/* One pixel straight from the input (a reduction past HCC_HOST_TERMS): the same sums, term by term. */
static void host_direct_pixel(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                              const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t oy, int32_t ox,
                              int8_t *out) {
    const int32_t in_c = p->in_c, row4 = (p->k_w * in_c + 3) & ~3, n4 = p->k_h * row4;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const uint32_t zv = (uint32_t)(p->z_in + 128);
    int32_t c0, c, ky, kx, i;
    for (c0 = 0; c0 < p->out_c; c0 += HCC_HOST_LANES) {
        const int32_t nc = p->out_c - c0 < HCC_HOST_LANES ? p->out_c - c0 : HCC_HOST_LANES;
        const int8_t *wb = weights + c0 * n4;
        uint32_t acc[HCC_HOST_LANES];
        int32_t mult16[HCC_HOST_LANES], shift16[HCC_HOST_LANES];
        for (c = nc; c < HCC_HOST_LANES; ++c) {  /* padding lanes, as in hcc_conv2d_host_s8_rows */
            acc[c] = 0u;
            mult16[c] = 0;
            shift16[c] = 32;
        }
        for (c = 0; c < nc; ++c) {
            int32_t t;
            mult16[c] = mult[c0 + c];
            shift16[c] = shift[c0 + c];
            acc[c] = (uint32_t)bias[c0 + c];
            for (ky = 0; ky < p->k_h; ++ky) {
                const int32_t iy = iy0 + ky * p->dilation_h;
                for (t = ky * row4, kx = 0; kx < p->k_w; ++kx) {
                    const int32_t ix = ix0 + kx * p->dilation_w;
                    const int on = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
                    const uint8_t *x = (const uint8_t *)input + (on ? (iy * p->in_w + ix) * in_c : 0);
                    for (i = 0; i < in_c; ++i, ++t) {
                        const uint32_t v = on ? (uint32_t)(x[i] ^ 0x80u) : zv;
                        acc[c] += v * (uint32_t)(int32_t)wb[((t >> 2) * HCC_HOST_LANES + c) * 4 + (t & 3)];
                    }
                }
            }
        }
        host_requant(acc, mult16, shift16, nc, p, out + c0);
    }
}

/* The row path: convs not dilated along the row. Per output row (a chunk of its pixels where the
 * row is long), the k_h input rows it reads are converted once to bytes v, padding included, one
 * after the other (HCC_HOST_ROWBUF bytes at most): neighbouring pixels share the bytes of their
 * kernel rows, so pixel q's terms of kernel row ky are the k_w in_c bytes at
 * rows + ky span in_c + q stride_w in_c, read as row4 / 4 words: past k_w in_c (a stem's 1 or 3
 * input channels) the next bytes meet zero weights (the layout pads each kernel row), so no
 * pixel's patch is gathered. Then HCC_HOST_TILE pixels at a time, each block of 16 channels read
 * once for them. */
#define HCC_HOST_ROWBUF (HCC_HOST_PIXELS * HCC_HOST_TERMS) /* the stack patch's bytes */
#define HCC_HOST_TILE 8
#define HCC_HOST_SLACK 4 /* the bytes past the last converted row its last words read */

/* rows[ky][j] = v of input row oy stride_h - pad_top + ky dilation_h, column
 * ox0 stride_w - pad_left + j, for j < span (z_in + 128 off the input) */
static void host_rows(const hcc_conv2d_params_t *p, const int8_t *input, int32_t oy, int32_t ox0, int32_t span,
                      uint8_t *rows) {
    const int32_t in_c = p->in_c, row = span * in_c, ix0 = ox0 * p->stride_w - p->pad_left;
    const uint8_t zv = (uint8_t)(p->z_in + 128);
    const int32_t lo = ix0 < 0 ? (-ix0 < span ? -ix0 : span) : 0;
    int32_t hi = p->in_w - ix0 < span ? p->in_w - ix0 : span, ky;
    if (hi < lo) hi = lo;
    for (ky = 0; ky < p->k_h; ++ky, rows += row) {
        const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
        if (iy < 0 || iy >= p->in_h || hi == lo) {
            memset(rows, zv, (size_t)row);
            continue;
        }
        memset(rows, zv, (size_t)(lo * in_c));
        hcc_host_spread((const uint8_t *)input + (iy * p->in_w + ix0 + lo) * in_c, (hi - lo) * in_c, rows + lo * in_c);
        memset(rows + hi * in_c, zv, (size_t)((span - hi) * in_c));
    }
}

/* Whether every shift lies in [32, 47] (hcc_host_requant24's range) */
static int host_shifts_in_range(const int32_t *shift, int32_t n) {
    int32_t c, bad = 0;
    for (c = 0; c < n; ++c) bad |= (uint32_t)(shift[c] - 32) > 15u;
    return !bad;
}

#if defined(HCC_HOST_VNNI)
/* Pixel q's 16 outputs from its accumulators: hcc_host_rq16 where every shift is in
 * range and every |acc| < 2^24, else the spec's requantization lane by lane; nc bytes */
static __attribute__((noinline)) void host_requant_lanes(__m512i acc, const int32_t *mult, const int32_t *shift,
                                                          int32_t nc, const hcc_conv2d_params_t *p, int8_t *out) {
    int32_t a[HCC_HOST_LANES], c;
    _mm512_storeu_si512((void *)a, acc);
    for (c = 0; c < nc; ++c) out[c] = hcc_requantize_s8_inline(a[c], mult[c], shift[c], p->z_out, p->act_min, p->act_max);
}

static inline __attribute__((always_inline)) void host_requant_x16(__m512i acc, const hcc_host_rq16_t *k,
                                                                   int shifts_ok, const int32_t *mult,
                                                                   const int32_t *shift, int32_t nc,
                                                                   const hcc_conv2d_params_t *p, int8_t *out) {
    const __mmask16 big = _mm512_cmpge_epu32_mask(_mm512_abs_epi32(acc), _mm512_set1_epi32(0x1000000));
    if (shifts_ok && big == 0) {
        const __m128i v = _mm512_cvtepi32_epi8(hcc_host_rq16(acc, k));
        if (nc == HCC_HOST_LANES) {
            _mm_storeu_si128((__m128i *)(void *)out, v);
        } else {
            int8_t lanes[HCC_HOST_LANES];
            _mm_storeu_si128((__m128i *)(void *)lanes, v);
            memcpy(out, lanes, (size_t)nc);
        }
    } else {
        host_requant_lanes(acc, mult, shift, nc, p, out);
    }
}

/* NP pixels (a constant after inlining: the accumulators stay in registers) of one block of
 * 16 channels c0 .. c0 + nc: x the first pixel's bytes in the first converted row, rb the
 * bytes of a converted row, step the bytes between pixels, gr the word groups of a kernel row */
static inline __attribute__((always_inline)) void host_tile(const uint8_t *x, int32_t rb, int32_t kh, int32_t gr,
                                                            int32_t step, const int8_t *wb, const int32_t *bias,
                                                            const int32_t *mult, const int32_t *shift, int32_t nc,
                                                            int shifts_ok, const hcc_conv2d_params_t *p, int8_t *out,
                                                            const int32_t NP) {
    const __mmask16 live = (__mmask16)((1u << nc) - 1u);
    const __m512i b = _mm512_maskz_loadu_epi32(live, (const void *)bias);
    __m512i a[HCC_HOST_TILE];
    int32_t q, ky, g;
    for (q = 0; q < NP; ++q) a[q] = b;
    for (ky = 0; ky < kh; ++ky, x += rb, wb += 64 * gr) {
        for (g = 0; g < gr; ++g) {
            const __m512i w = _mm512_loadu_si512((const void *)(wb + 64 * g));
            for (q = 0; q < NP; ++q) {
                a[q] = _mm512_dpbusd_epi32(a[q], _mm512_set1_epi32(hcc_host_u32(x + q * step + 4 * g)), w);
            }
        }
    }
    {
        const __m512i mv = _mm512_maskz_loadu_epi32(live, (const void *)mult);
        const __m512i sv = _mm512_mask_loadu_epi32(_mm512_set1_epi32(32), live, (const void *)shift);
        const hcc_host_rq16_t k = hcc_host_rq16_make(mv, sv, p->z_out, p->act_min, p->act_max);
        const int32_t out_c = p->out_c;  /* read before the stores (an int8_t store may alias p) */
        for (q = 0; q < NP; ++q) host_requant_x16(a[q], &k, shifts_ok, mult, shift, nc, p, out + q * out_c);
    }
}

/* A block of at most 8 channels (out_c <= 8, or the last few): two pixels a vector, pixel 2j in
 * lanes 0 .. 7 and 2j + 1 in lanes 8 .. 15, the block's first 8 channels' weights in both
 * halves (the other 8 are padding), so a vpdpbusd and a requantization serve two pixels; the
 * same sums. Arguments as host_tile's. */
static inline __attribute__((always_inline)) void host_tile_pairs(const uint8_t *x, int32_t rb, int32_t kh,
                                                                  int32_t gr, int32_t step, const int8_t *wb,
                                                                  const int32_t *bias, const int32_t *mult,
                                                                  const int32_t *shift, int32_t nc, int shifts_ok,
                                                                  const hcc_conv2d_params_t *p, int8_t *out,
                                                                  const int32_t NP) {
    const __mmask16 live = (__mmask16)((1u << nc) - 1u);
    const __m512i b = _mm512_shuffle_i64x2(_mm512_maskz_loadu_epi32(live, (const void *)bias),
                                           _mm512_maskz_loadu_epi32(live, (const void *)bias), 0x44);
    __m512i a[HCC_HOST_TILE / 2];
    int32_t q, ky, g;
    for (q = 0; 2 * q < NP; ++q) a[q] = b;
    for (ky = 0; ky < kh; ++ky, x += rb, wb += 64 * gr) {
        for (g = 0; g < gr; ++g) {
            const __m512i w = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(const void *)(wb + 64 * g)));
            for (q = 0; 2 * q < NP; ++q) {
                const int32_t second = 2 * q + 1 < NP ? 2 * q + 1 : 2 * q;
                const __m512i v = _mm512_mask_set1_epi32(_mm512_set1_epi32(hcc_host_u32(x + 2 * q * step + 4 * g)),
                                                         (__mmask16)0xFF00u, hcc_host_u32(x + second * step + 4 * g));
                a[q] = _mm512_dpbusd_epi32(a[q], v, w);
            }
        }
    }
    {
        const __m512i m8 = _mm512_maskz_loadu_epi32(live, (const void *)mult);
        const __m512i s8 = _mm512_mask_loadu_epi32(_mm512_set1_epi32(32), live, (const void *)shift);
        const hcc_host_rq16_t k = hcc_host_rq16_make(_mm512_shuffle_i64x2(m8, m8, 0x44), _mm512_shuffle_i64x2(s8, s8, 0x44),
                                                     p->z_out, p->act_min, p->act_max);
        const int32_t out_c = p->out_c;  /* read before the stores (an int8_t store may alias p) */
        for (q = 0; 2 * q < NP; ++q) {
            int8_t *const o = out + 2 * q * out_c;
            const int both = 2 * q + 1 < NP;
            const __mmask16 big = _mm512_cmpge_epu32_mask(_mm512_abs_epi32(a[q]), _mm512_set1_epi32(0x1000000));
            if (shifts_ok && big == 0) {
                const __m128i v = _mm512_cvtepi32_epi8(hcc_host_rq16(a[q], &k));
                if (both && nc == 8 && out_c == 8) {
                    _mm_storeu_si128((__m128i *)(void *)o, v);
                } else {
                    int8_t lanes[HCC_HOST_LANES];
                    _mm_storeu_si128((__m128i *)(void *)lanes, v);
                    memcpy(o, lanes, (size_t)nc);
                    if (both) memcpy(o + out_c, lanes + 8, (size_t)nc);
                }
            } else {
                host_requant_lanes(a[q], mult, shift, nc, p, o);
                if (both) host_requant_lanes(_mm512_shuffle_i64x2(a[q], a[q], 0xEE), mult, shift, nc, p, o + out_c);
            }
        }
    }
}
#endif

/* np <= HCC_HOST_TILE pixels of the row path (see above), every block of channels: kh runs of
 * gr word groups, rb bytes apart, the pixels step bytes apart */
static void host_row_pixels(const hcc_conv2d_params_t *p, const uint8_t *x, int32_t rb, int32_t kh, int32_t gr,
                            int32_t step, int32_t np, const int8_t *weights, const int32_t *bias, const int32_t *mult,
                            const int32_t *shift, int shifts_ok, int8_t *out) {
    const int32_t out_c = p->out_c, n4 = kh * gr * 4;
    int32_t c0;
    for (c0 = 0; c0 < out_c; c0 += HCC_HOST_LANES) {
        const int32_t nc = out_c - c0 < HCC_HOST_LANES ? out_c - c0 : HCC_HOST_LANES;
        const int8_t *wb = weights + c0 * n4;
#if defined(HCC_HOST_VNNI)
        /* one copy of the tile per pixel count: a short row (DS-CNN's 5 pixels) is one tile */
#define HCC_HOST_TILE_CASE(NP) \
    case NP: host_tile(x, rb, kh, gr, step, wb, bias + c0, mult + c0, shift + c0, nc, shifts_ok, p, out + c0, NP); break;
#define HCC_HOST_PAIRS_CASE(NP) \
    case NP: host_tile_pairs(x, rb, kh, gr, step, wb, bias + c0, mult + c0, shift + c0, nc, shifts_ok, p, out + c0, NP); break;
        if (nc <= 8) {
            switch (np) {
                HCC_HOST_PAIRS_CASE(1) HCC_HOST_PAIRS_CASE(2) HCC_HOST_PAIRS_CASE(3) HCC_HOST_PAIRS_CASE(4)
                HCC_HOST_PAIRS_CASE(5) HCC_HOST_PAIRS_CASE(6) HCC_HOST_PAIRS_CASE(7) default:
                HCC_HOST_PAIRS_CASE(8)
            }
            continue;
        }
        switch (np) {
            HCC_HOST_TILE_CASE(1) HCC_HOST_TILE_CASE(2) HCC_HOST_TILE_CASE(3) HCC_HOST_TILE_CASE(4)
            HCC_HOST_TILE_CASE(5) HCC_HOST_TILE_CASE(6) HCC_HOST_TILE_CASE(7) default:
            HCC_HOST_TILE_CASE(8)
        }
#undef HCC_HOST_TILE_CASE
#undef HCC_HOST_PAIRS_CASE
#else
        uint32_t acc[HCC_HOST_LANES];
        int32_t mult16[HCC_HOST_LANES], shift16[HCC_HOST_LANES];
        int32_t q, c, ky, g, t;
        (void)shifts_ok;
        for (c = 0; c < HCC_HOST_LANES; ++c) {  /* padding lanes: accumulator 0, multiplier 0 */
            mult16[c] = c < nc ? mult[c0 + c] : 0;
            shift16[c] = c < nc ? shift[c0 + c] : 32;
        }
        for (q = 0; q < np; ++q) {
            for (c = 0; c < HCC_HOST_LANES; ++c) acc[c] = c < nc ? (uint32_t)bias[c0 + c] : 0u;
            for (ky = 0; ky < kh; ++ky) {
                const uint8_t *xr = x + ky * rb + q * step;
                const int8_t *wr = wb + 64 * gr * ky;
                for (g = 0; g < gr; ++g) {
                    for (c = 0; c < HCC_HOST_LANES; ++c) {
                        uint32_t sum = 0u;
                        for (t = 0; t < 4; ++t) sum += (uint32_t)((int32_t)xr[4 * g + t] * wr[64 * g + 4 * c + t]);
                        acc[c] += sum;
                    }
                }
            }
            host_requant(acc, mult16, shift16, nc, p, out + q * out_c + c0);
        }
#endif
    }
}

/* The row path over output rows [row_begin, row_end) (see above). */
static void host_row_path(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                          int32_t row_end, int8_t *out_rows, uint8_t *buf, int32_t chunk) {
    const int32_t out_w = p->out_w, out_c = p->out_c, step = p->stride_w * p->in_c;
    const int32_t gr = (p->k_w * p->in_c + 3) / 4;
    const int shifts_ok = host_shifts_in_range(shift, out_c);
    int32_t oy, ox0, q;
    for (oy = row_begin; oy < row_end; ++oy) {
        int8_t *const out_row = out_rows + (oy - row_begin) * out_w * out_c;
        for (ox0 = 0; ox0 < out_w; ox0 += chunk) {
            const int32_t np = out_w - ox0 < chunk ? out_w - ox0 : chunk;
            const int32_t span = (np - 1) * p->stride_w + p->k_w, rb = span * p->in_c;
            /* the whole chunk's input is converted before any of its outputs is written: no
             * later than the pixel-by-pixel gathering read it (in-place convs stay safe); the
             * last kernel row's words read up to 3 bytes past it (zero weights) */
            host_rows(p, input, oy, ox0, span, buf);
            memset(buf + p->k_h * rb, 0, HCC_HOST_SLACK);
            for (q = 0; q < np; q += HCC_HOST_TILE) {
                const int32_t nt = np - q < HCC_HOST_TILE ? np - q : HCC_HOST_TILE;
                host_row_pixels(p, buf + q * step, rb, p->k_h, gr, step, nt, weights, bias, mult, shift, shifts_ok,
                                out_row + (ox0 + q) * out_c);
            }
        }
    }
}

/* Stems: pixels in the lanes (HCC_WEIGHTS_HOST_PIXELS, chosen by the compiler for first convs
 * of 1-4 input channels and narrow ones of 5-8 at stride 1; the same layout and outputs as the row path, which serves where this
 * does not apply). A first conv's few terms per pixel (9 or 27 for a 3x3 kernel) and few
 * channels (8, 16) leave the row path with 2-3 vpdpbusd per 16 outputs against ~20
 * instructions of requantization; here a vector holds 16 pixels of one output row and one
 * channel: per (kernel row ky, word g) the pixels' four bytes (a quad: [v(q S + 4 g + t)],
 * t < 4, S = stride_w in_c bytes apart in the converted row) come from one vpermb (S <= 4) or
 * vpermt2b (S <= 8) of the row's bytes, made once per row and read by every channel, which
 * broadcasts its weight word of (ky, g) from the layout (16 channels x 4 terms a group: the
 * word of channel c is 4 bytes). Then hcc_host_rq64 in 16 lanes of one channel (exact for any
 * accumulator), eight channels packed to bytes (vpackssdw, vpacksswb: saturating) and put in
 * NHWC order by two vpermt2b. */
#if defined(HCC_HOST_VNNI) && defined(__AVX512VBMI__) && defined(__AVX512BW__)
#define HCC_STEM_QUADS 64   /* zmm of quads per chunk: (pixels / 16) x k_h x words a kernel row */
#define HCC_STEM_BUF 8192   /* bytes of converted rows per chunk */
#define HCC_STEM_SLACK 128  /* what a vector's two 64-byte loads read past the converted rows */
#define HCC_HOST_STEM_CHANNELS 64 /* the most output channels (their terms on the stack) */

/* The kernel rows' words of one pixel and the bytes between pixels this path takes */
static int host_stem_fits(const hcc_conv2d_params_t *p) {
    const int32_t s = p->stride_w * p->in_c, gr = (p->k_w * p->in_c + 3) / 4;
    return p->groups == 1 && p->in_c <= 8 && s <= 8 && p->dilation_w == 1 && p->k_h * gr <= HCC_STEM_QUADS &&
           p->k_h * ((15 * p->stride_w + p->k_w) * p->in_c) + HCC_STEM_SLACK <= HCC_STEM_BUF && p->z_out >= -128 &&
           p->z_out <= 127;
}

/* Output rows a vector holds: 1, or where a row has at most 8 pixels (DS-CNN's stem: 5) and the
 * kernel is not dilated down the column, as many whole rows as fill the 16 lanes with every
 * lane's quad within 128 bytes of its kernel row's first byte (rows of rv output rows converted
 * together, rb bytes a row: lane (r, c) reads r stride_h rb + c stride_w in_c on) and the rows
 * within the buffer; mirrored by FusedConv2d.host_pixels */
static int32_t host_stem_rows_per_vector(const hcc_conv2d_params_t *p) {
    const int32_t sb = p->stride_w * p->in_c, rb = ((p->out_w - 1) * p->stride_w + p->k_w) * p->in_c;
    int32_t r = p->out_w <= 8 && p->dilation_h == 1 ? 16 / p->out_w : 1;
    while (r > 1 && ((r - 1) * p->stride_h * rb + (p->out_w - 1) * sb + 3 >= 128 ||
                     ((r - 1) * p->stride_h + p->k_h) * rb + HCC_STEM_SLACK > HCC_STEM_BUF)) {
        --r;
    }
    return r;
}

/* Output pixels per chunk (a multiple of 16): its quads and converted rows within the buffers */
static int32_t host_stem_chunk(const hcc_conv2d_params_t *p) {
    const int32_t q = p->k_h * ((p->k_w * p->in_c + 3) / 4);
    int32_t n = 16 * (HCC_STEM_QUADS / q);
    while (n > 16 && p->k_h * ((n - 1) * p->stride_w + p->k_w) * p->in_c + HCC_STEM_SLACK > HCC_STEM_BUF) n -= 16;
    return n;
}

/* 8 channels' 16 lanes (pixels) of int32 results as NHWC bytes: lo pixels 0 .. 7, hi 8 .. 15 */
static inline __attribute__((always_inline)) void host_stem_bytes(const __m512i v[8], __m512i lo_act,
                                                                   __m512i hi_act, const __m512i idx[2],
                                                                   __m512i *lo, __m512i *hi) {
    /* per 128-bit lane L: bytes [4 c + r] = channel c (of 4), pixel 4 L + r */
    __m512i b0 = _mm512_packs_epi16(_mm512_packs_epi32(v[0], v[1]), _mm512_packs_epi32(v[2], v[3]));
    __m512i b1 = _mm512_packs_epi16(_mm512_packs_epi32(v[4], v[5]), _mm512_packs_epi32(v[6], v[7]));
    b0 = _mm512_min_epi8(_mm512_max_epi8(b0, lo_act), hi_act);
    b1 = _mm512_min_epi8(_mm512_max_epi8(b1, lo_act), hi_act);
    *lo = _mm512_permutex2var_epi8(b0, idx[0], b1);
    *hi = _mm512_permutex2var_epi8(b0, idx[1], b1);
}

/* Eight channels c0 .. c0 + 7 of one vector of 16 pixels (quads q[0 .. nq - 1]) as NHWC bytes
 * (lo: pixels 0 .. 7, hi: 8 .. 15); wb the channels' first weight word, b / m / c32 / s32 /
 * gen per channel (fast-form terms; gen: may tie, hcc_host_rq64's general form) */
static inline __attribute__((always_inline)) void host_stem_block(const __m512i *q, int32_t nq, const int8_t *wb,
                                                                   const int32_t *b, const int32_t *m,
                                                                   const int32_t *c32, const int32_t *s32,
                                                                   const int32_t *shift, const int32_t *gen,
                                                                   int general, int32_t z_out, __m512i lo_act,
                                                                   __m512i hi_act, const __m512i idx[2], __m512i *lo,
                                                                   __m512i *hi) {
    const __m512i hi_idx = hcc_host_rq64_idx();
    __m512i a[8];
    int32_t c, j;
    for (c = 0; c < 8; ++c) a[c] = _mm512_set1_epi32(b[c]);
    for (j = 0; j < nq; ++j) {
        const __m512i x = q[j];
        for (c = 0; c < 8; ++c) {
            a[c] = _mm512_dpbusd_epi32(a[c], x, _mm512_set1_epi32(hcc_host_u32((const uint8_t *)wb + 64 * j + 4 * c)));
        }
    }
    for (c = 0; c < 8; ++c) {
        if (general && gen[c]) {
            const hcc_host_rq64_t k = hcc_host_rq64_one(m[c], shift[c], z_out);
            a[c] = hcc_host_rq64(a[c], &k, 1);
        } else {
            const __m512i mv = _mm512_set1_epi32(m[c]);
            a[c] = hcc_host_rq64_fast(a[c], mv, mv, hi_idx, _mm512_set1_epi32(c32[c]), _mm512_set1_epi32(s32[c]));
        }
    }
    host_stem_bytes(a, lo_act, hi_act, idx, lo, hi);
}

static const uint8_t host_stem_nhwc[64] = {
    0,  4,  8,  12, 64, 68, 72, 76, 1,  5,  9,  13, 65, 69, 73, 77, 2,  6,  10, 14, 66, 70,
    74, 78, 3,  7,  11, 15, 67, 71, 75, 79, 16, 20, 24, 28, 80, 84, 88, 92, 17, 21, 25, 29,
    81, 85, 89, 93, 18, 22, 26, 30, 82, 86, 90, 94, 19, 23, 27, 31, 83, 87, 91, 95};

/* The first n bytes of a 64-byte store */
static __mmask64 host_stem_mask(int32_t n) {
    return n >= 64 ? ~(__mmask64)0 : n <= 0 ? (__mmask64)0 : ((__mmask64)1 << n) - 1u;
}

/* Output rows [row_begin, row_end) as the row path writes them; 0 (nothing written) where the
 * shape, out_c or a shift is outside this path. Not inlined: its buffers (rows, quads, the
 * channels' terms: 15 KiB) and the row path's 16 KiB patch are never on the stack together. */
static __attribute__((noinline)) int host_stem_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                                                    const int8_t *weights, const int32_t *bias, const int32_t *mult,
                                                    const int32_t *shift, int32_t row_begin, int32_t row_end,
                                                    int8_t *out_rows) {
    const int32_t in_c = p->in_c, out_c = p->out_c, out_w = p->out_w, sb = p->stride_w * in_c;
    const int32_t gr = (p->k_w * in_c + 3) / 4, nq = p->k_h * gr, chunk = host_stem_chunk(p);
    const int32_t groups = (out_c + 7) / 8, rv = host_stem_rows_per_vector(p);
    const int32_t rb_rows = ((out_w - 1) * p->stride_w + p->k_w) * in_c; /* rv > 1: a whole row's bytes */
    const __m512i lo_act = _mm512_set1_epi8((char)(p->act_min > -128 ? p->act_min : -128));
    const __m512i hi_act = _mm512_set1_epi8((char)(p->act_max < 127 ? p->act_max : 127));
    uint8_t rows[HCC_STEM_BUF];
    __m512i quads[HCC_STEM_QUADS], pick, idx[2], mix[2];
    hcc_conv2d_params_t pr = *p; /* rv > 1: host_rows over the input rows of rv output rows */
    int32_t off[16], i, oy, ox0, general = 0, wide = 0;
    /* per channel (8 groups' worth past out_c: zero weights, unused results) */
    int32_t b[HCC_HOST_STEM_CHANNELS + 8], m[HCC_HOST_STEM_CHANNELS + 8], c32[HCC_HOST_STEM_CHANNELS + 8];
    int32_t s32[HCC_HOST_STEM_CHANNELS + 8], sh[HCC_HOST_STEM_CHANNELS + 8], gen[HCC_HOST_STEM_CHANNELS + 8];
    if (!host_stem_fits(p) || out_c > HCC_HOST_STEM_CHANNELS || !host_shifts_in_range(shift, out_c)) return 0;
    for (i = 0; i < 8 * groups; ++i) {
        const int32_t mi = i < out_c ? mult[i] : 0, si = i < out_c ? shift[i] : 33;
        const int64_t c = ((int64_t)1 << (si - 1)) + (int64_t)p->z_out * ((int64_t)1 << si);
        b[i] = i < out_c ? bias[i] : 0;
        m[i] = mi;
        sh[i] = si;
        c32[i] = (int32_t)(c >> 32); /* hcc_host_rq64_one's terms, kept as scalars */
        s32[i] = si - 32;
        gen[i] = mi != 0 && ((uint32_t)mi & ((1u << (si - 32)) - 1u)) == 0u;
        general |= gen[i];
    }
    /* quad byte t of lane l: off[l] + t, off[l] = l sb (pixel l of a row), or with rv rows a
     * vector r stride_h rb + c sb (pixel c of row r: l = r out_w + c; 0 in the lanes past them);
     * past 64 bytes a vpermt2b of two loads */
    for (i = 0; i < 16; ++i) {
        off[i] = rv == 1 ? i * sb : i < rv * out_w ? (i / out_w) * p->stride_h * rb_rows + (i % out_w) * sb : 0;
        wide |= off[i] + 3 >= 64;
    }
    pick = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_loadu_si512((const void *)off), _mm512_set1_epi32(0x01010101)),
                            _mm512_set1_epi32(0x03020100));
    /* output byte 8 q + c (pixel q of 0 .. 7, then 8 .. 15; channel c): host_stem_bytes' byte
     * 16 (q / 4) + 4 (c % 4) + q % 4 of b0 (c < 4) or b1 (64 + ...) */
    idx[0] = _mm512_loadu_si512((const void *)host_stem_nhwc);
    idx[1] = _mm512_add_epi8(idx[0], _mm512_set1_epi8(32));
    /* 16 channels: pixel q's bytes are channels 0 .. 7's qword q, then 8 .. 15's */
    mix[0] = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
    mix[1] = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    for (oy = row_begin; oy < row_end; oy += rv) {
        const int32_t nr = row_end - oy < rv ? row_end - oy : rv;
        int8_t *const out_row = out_rows + (oy - row_begin) * out_w * out_c;
        for (ox0 = 0; ox0 < out_w; ox0 += chunk) { /* rv > 1: once (chunk >= 16 > out_w) */
            const int32_t np = rv > 1 ? nr * out_w : out_w - ox0 < chunk ? out_w - ox0 : chunk, nv = (np + 15) / 16;
            const int32_t span = (rv > 1 ? out_w - 1 : np - 1) * p->stride_w + p->k_w, rb = span * in_c;
            int32_t v, ky, g, c0, j;
            /* the chunk's input converted before any output is written (in place stays safe: a
             * vector of rv rows reads their inputs before it writes them) */
            pr.k_h = (nr - 1) * p->stride_h + p->k_h;
            host_rows(&pr, input, oy, ox0, span, rows);
            memset(rows + pr.k_h * rb, 0, HCC_STEM_SLACK);
            for (v = 0; v < nv; ++v) {
                for (ky = 0; ky < p->k_h; ++ky) {
                    for (g = 0; g < gr; ++g) {
                        const uint8_t *x = rows + ky * rb + 16 * v * sb + 4 * g;
                        const __m512i a = _mm512_loadu_si512((const void *)x);
                        quads[(v * p->k_h + ky) * gr + g] =
                            !wide ? _mm512_permutexvar_epi8(pick, a)
                                    : _mm512_permutex2var_epi8(a, pick, _mm512_loadu_si512((const void *)(x + 64)));
                    }
                }
            }
            for (v = 0; v < nv; ++v) {
                const __m512i *const qv = quads + v * nq;
                const int32_t n = np - 16 * v < 16 ? np - 16 * v : 16;
                int8_t *const out = out_row + (ox0 + 16 * v) * out_c;
                __m512i lo, hi, lo1, hi1;
#define HCC_STEM_BLOCK(C0, LO, HI)                                                                                   \
    host_stem_block(qv, nq, weights + ((C0) / 16) * nq * 64 + ((C0) % 16) * 4, b + (C0), m + (C0), c32 + (C0),        \
                    s32 + (C0), sh + (C0), gen + (C0), general, p->z_out, lo_act, hi_act, idx, LO, HI)
                if (out_c == 8) { /* whole pixels: n x 8 bytes */
                    HCC_STEM_BLOCK(0, &lo, &hi);
                    _mm512_mask_storeu_epi8((void *)out, host_stem_mask(8 * n), lo);
                    _mm512_mask_storeu_epi8((void *)(out + 64), host_stem_mask(8 * n - 64), hi);
                } else if (out_c == 16) { /* whole pixels: n x 16 bytes, two blocks' qwords interleaved */
                    HCC_STEM_BLOCK(0, &lo, &hi);
                    HCC_STEM_BLOCK(8, &lo1, &hi1);
                    _mm512_mask_storeu_epi8((void *)out, host_stem_mask(16 * n), _mm512_permutex2var_epi64(lo, mix[0], lo1));
                    _mm512_mask_storeu_epi8((void *)(out + 64), host_stem_mask(16 * n - 64),
                                            _mm512_permutex2var_epi64(lo, mix[1], lo1));
                    _mm512_mask_storeu_epi8((void *)(out + 128), host_stem_mask(16 * n - 128),
                                            _mm512_permutex2var_epi64(hi, mix[0], hi1));
                    _mm512_mask_storeu_epi8((void *)(out + 192), host_stem_mask(16 * n - 192),
                                            _mm512_permutex2var_epi64(hi, mix[1], hi1));
                } else if (out_c % 16 == 0) { /* pixel j's 16 bytes of each pair of blocks at j out_c + c0 */
                    for (c0 = 0; c0 < out_c; c0 += 16) {
                        __m512i four[4];
                        HCC_STEM_BLOCK(c0, &lo, &hi);
                        HCC_STEM_BLOCK(c0 + 8, &lo1, &hi1);
                        four[0] = _mm512_permutex2var_epi64(lo, mix[0], lo1);
                        four[1] = _mm512_permutex2var_epi64(lo, mix[1], lo1);
                        four[2] = _mm512_permutex2var_epi64(hi, mix[0], hi1);
                        four[3] = _mm512_permutex2var_epi64(hi, mix[1], hi1);
                        for (j = 0; j < n; j += 4) {
                            int8_t *const o = out + j * out_c + c0;
                            const int32_t left = n - j;
                            _mm_storeu_si128((__m128i *)(void *)o, _mm512_castsi512_si128(four[j / 4]));
                            if (left > 1) _mm_storeu_si128((__m128i *)(void *)(o + out_c), _mm512_extracti32x4_epi32(four[j / 4], 1));
                            if (left > 2) _mm_storeu_si128((__m128i *)(void *)(o + 2 * out_c), _mm512_extracti32x4_epi32(four[j / 4], 2));
                            if (left > 3) _mm_storeu_si128((__m128i *)(void *)(o + 3 * out_c), _mm512_extracti32x4_epi32(four[j / 4], 3));
                        }
                    }
                } else {
                    for (c0 = 0; c0 < out_c; c0 += 8) {
                        const int32_t nc = out_c - c0 < 8 ? out_c - c0 : 8;
                        uint8_t tile[128];
                        HCC_STEM_BLOCK(c0, &lo, &hi);
                        _mm512_storeu_si512((void *)tile, lo);
                        _mm512_storeu_si512((void *)(tile + 64), hi);
                        for (j = 0; j < n; ++j) memcpy(out + j * out_c + c0, tile + 8 * j, (size_t)nc);
                    }
                }
#undef HCC_STEM_BLOCK
            }
        }
    }
    return 1;
}
#endif

/* The output pixels per converted chunk of the row path, 0 where it does not apply */
static int32_t host_row_chunk(const hcc_conv2d_params_t *p) {
    const int32_t n4 = p->k_h * ((p->k_w * p->in_c + 3) & ~3), col = p->k_h * p->in_c;
    int32_t chunk;
    if (p->dilation_w != 1 || n4 > HCC_HOST_TERMS) return 0;
    /* rows k_h ((chunk - 1) stride_w + k_w) in_c within HCC_HOST_ROWBUF (a single pixel fits:
     * n4 <= HCC_HOST_TERMS) */
    chunk = (HCC_HOST_ROWBUF - col * p->k_w) / (col * p->stride_w) + 1;
    return chunk < p->out_w ? chunk : p->out_w;
}

/* The row path, the per-pixel and the direct paths (the stack patch: not inlined into
 * hcc_conv2d_host_s8_rows, so that the stem path's buffers are not on the stack beside it) */
static __attribute__((noinline)) void host_conv_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                                                     const int8_t *weights, const int32_t *bias, const int32_t *mult,
                                                     const int32_t *shift, int32_t row_begin, int32_t row_end,
                                                     int8_t *out_rows) {
    const int32_t n = p->k_h * p->k_w * p->in_c, n4 = p->k_h * ((p->k_w * p->in_c + 3) & ~3);
    const int32_t out_c = p->out_c, out_w = p->out_w;
    const int32_t first = row_begin * out_w, last = row_end * out_w;
    uint8_t patches[HCC_HOST_ROWBUF + HCC_HOST_SLACK];
    uint32_t acc[HCC_HOST_PIXELS][HCC_HOST_LANES], bias16[HCC_HOST_LANES];
    int32_t mult16[HCC_HOST_LANES], shift16[HCC_HOST_LANES];
    /* 1x1, stride 1, no padding, channels in whole words: pixel i of the output reads pixel i */
    const int direct = p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
                       p->pad_left == 0 && p->out_w == p->in_w && p->out_h <= p->in_h && n == n4 &&
                       out_c <= HCC_HOST_LANES;
    const int32_t chunk = host_row_chunk(p);
    int32_t at, q, c0, c;
    if (chunk > 0) {
        host_row_path(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows, patches, chunk);
        return;
    }
    if (n4 > HCC_HOST_TERMS) {
        for (at = first; at < last; ++at) {
            host_direct_pixel(p, input, weights, bias, mult, shift, at / out_w, at % out_w,
                              out_rows + (at - first) * out_c);
        }
        return;
    }
    /* every patch is gathered before any of its pixels' outputs is written: the input is read
     * no later than one pixel at a time would read it (in-place convs stay safe); a pointwise
     * conv of one block of channels over whole words of input channels reads its pixels where
     * they are (as x ^ 0x80), all of a group's before any of its outputs (with more blocks an
     * output written over its input could change what the next block reads: those gather) */
    for (at = first; at < last; at += HCC_HOST_PIXELS) {
        const int32_t np = last - at < HCC_HOST_PIXELS ? last - at : HCC_HOST_PIXELS;
        int8_t *const out = out_rows + (at - first) * out_c;
        const uint8_t *terms = patches;
        int32_t step = n4;
        uint32_t flip = 0u;
        if (direct) {
            terms = (const uint8_t *)input + at * n;
            step = n;
            flip = 0x80808080u;
        } else {
            for (q = 0; q < np; ++q) host_patch(p, input, (at + q) / out_w, (at + q) % out_w, n4, patches + q * n4);
        }
        for (c0 = 0; c0 < out_c; c0 += HCC_HOST_LANES) {
            const int32_t nc = out_c - c0 < HCC_HOST_LANES ? out_c - c0 : HCC_HOST_LANES;
            for (c = 0; c < HCC_HOST_LANES; ++c) {  /* padding lanes: accumulator 0, multiplier 0 */
                bias16[c] = c < nc ? (uint32_t)bias[c0 + c] : 0u;
                mult16[c] = c < nc ? mult[c0 + c] : 0;
                shift16[c] = c < nc ? shift[c0 + c] : 32;
            }
            host_block(terms, step, flip, np, n4, weights + c0 * n4, bias16, acc);
            for (q = 0; q < np; ++q) host_requant(acc[q], mult16, shift16, nc, p, out + q * out_c + c0);
        }
    }
}

void hcc_conv2d_host_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                             int32_t row_end, int8_t *out_rows) {
    if (hcc_host_pw_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows)) return;
#if defined(HCC_HOST_VNNI) && defined(__AVX512VBMI__) && defined(__AVX512BW__)
    if (p->weight_pairs == HCC_WEIGHTS_HOST_PIXELS &&
        host_stem_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows)) {
        return;
    }
#endif
    host_conv_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows);
}

void hcc_fully_connected_host_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output) {
    hcc_conv2d_params_t c;
    memset(&c, 0, sizeof c);
    c.in_h = c.out_h = 1;
    c.in_w = c.out_w = p->rows;
    c.in_c = p->k;
    c.out_c = p->n;
    c.k_h = c.k_w = c.stride_h = c.stride_w = c.dilation_h = c.dilation_w = c.groups = 1;
    c.z_in = p->z_in;
    c.z_out = p->z_out;
    c.act_min = p->act_min;
    c.act_max = p->act_max;
    c.weight_pairs = HCC_WEIGHTS_HOST;
    hcc_conv2d_host_s8_rows(&c, input, weights, bias, mult, shift, 0, 1, output);
}

#endif /* !HCC_XTENSA_KERNELS */
