/* int8 bilinear resize with Q11 weights and one rounding; spec: hcc/kernels/resize.py
 * (resize_linear_s8). |acc| <= 255 * 2^22 < 2^30, so int32 holds every sum. */
#include "hcc_movement.h"

#define ONE 2048  /* 1 << LINEAR_WEIGHT_BITS */

#if !HCC_XTENSA_KERNELS && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#define HOST_RESIZE 1

/* On the host with AVX-512: one output pixel's block of channels 16 a vector (masked past the
 * block), the loop below's int32 arithmetic lane by lane, hcc_round_shift_inline(acc, 22) as
 * (|acc| + 2^21) >> 22 with acc's sign. GCC's own vectorization of that loop wants 32 or 64
 * channels and left U-Net's 24 scalar. */
static void blend_block(const int8_t *ta, const int8_t *tb, const int8_t *ba, const int8_t *bb, int32_t z,
                        int32_t a1, int32_t b1, int32_t block, int8_t *out) {
    const __m512i zv = _mm512_set1_epi32(z), a1v = _mm512_set1_epi32(a1), a0v = _mm512_set1_epi32(ONE - a1);
    const __m512i b1v = _mm512_set1_epi32(b1), b0v = _mm512_set1_epi32(ONE - b1);
    const __m512i half = _mm512_set1_epi32(1 << 21), zero = _mm512_setzero_si512();
    int32_t c;
    for (c = 0; c < block; c += 16) {
        const __mmask16 live = block - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (block - c)) - 1u);
#define TAP(ptr) _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(live, (ptr) + c)), zv)
        const __m512i top = _mm512_add_epi32(_mm512_mullo_epi32(TAP(ta), a0v), _mm512_mullo_epi32(TAP(tb), a1v));
        const __m512i bottom = _mm512_add_epi32(_mm512_mullo_epi32(TAP(ba), a0v), _mm512_mullo_epi32(TAP(bb), a1v));
#undef TAP
        const __m512i acc = _mm512_add_epi32(_mm512_mullo_epi32(top, b0v), _mm512_mullo_epi32(bottom, b1v));
        __m512i v = _mm512_srli_epi32(_mm512_add_epi32(_mm512_abs_epi32(acc), half), 22);
        v = _mm512_mask_sub_epi32(v, _mm512_cmplt_epi32_mask(acc, zero), zero, v);
        _mm_mask_storeu_epi8(out + c, live, _mm512_cvtepi32_epi8(_mm512_add_epi32(v, zv)));
    }
}
#else
#define HOST_RESIZE 0
#endif


void hcc_resize_linear_s8(const hcc_resize_params_t *p, const int32_t *y0, const int32_t *y1,
                          const int16_t *wy, const int32_t *x0, const int32_t *x1,
                          const int16_t *wx, const int8_t *input, int8_t *output) {
    const int32_t z = p->z, block = p->block, row = p->in_w * block;
    int32_t o, y, x, c;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *plane = input + (size_t)o * (size_t)(p->in_h * row);
        for (y = 0; y < p->out_h; ++y) {
            const int8_t *ra = plane + y0[y] * row, *rb = plane + y1[y] * row;
            const int32_t b1 = wy[y], b0 = ONE - b1;
            for (x = 0; x < p->out_w; ++x) {
                const int32_t ca = x0[x] * block, cb = x1[x] * block;
                const int32_t a1 = wx[x], a0 = ONE - a1;
#if HOST_RESIZE
                blend_block(ra + ca, ra + cb, rb + ca, rb + cb, z, a1, b1, block, output);
                output += block;
                continue;
#endif
                for (c = 0; c < block; ++c) {
                    const int32_t top = (ra[ca + c] - z) * a0 + (ra[cb + c] - z) * a1;
                    const int32_t bottom = (rb[ca + c] - z) * a0 + (rb[cb + c] - z) * a1;
                    *output++ = (int8_t)(z + hcc_round_shift_inline(top * b0 + bottom * b1, 22));
                }
            }
        }
    }
}
