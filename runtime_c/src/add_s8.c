/* int8 elementwise add: two 16-bit multipliers with one shift (docs/numerics.md, add). */
#include "hcc_kernels.h"

/* The fast path, constants hoisted: with acc = (a - z_a) m_a + (b - z_b) m_b,
 *   z_out + round_shift(acc, s) = (acc + c0 - [acc < 0]) >> s,   c0 = 2^(s-1) + z_out 2^s
 * (halves away from zero: for acc < 0, -((-acc + 2^(s-1)) >> s) = (acc + 2^(s-1) - 1) >> s,
 * floor shifts), exact while |acc| + |c0| + 1 < 2^31; saturating to int8 and clamping to
 * [act_min, act_max] is then one clamp to [lo, hi]. On Xtensa the bytes are used as
 * a + 128 (l8ui, xor 0x80): acc = S - k with S = (a + 128) m_a + (b + 128) m_b >= 0 and
 * k = (z_a + 128) m_a + (z_b + 128) m_b, so acc < 0 is S < k and the sum is S + (c0 - k). */
typedef struct {
    int32_t z_a, z_b, m_a, m_b, s, c0, lo, hi;
} add_fast_t;

static int add_fast_init(add_fast_t *f, const hcc_add_params_t *p) {
    const uint32_t bound = hcc_s8_max_diff(p->z_a) * (uint32_t)p->m_a + hcc_s8_max_diff(p->z_b) * (uint32_t)p->m_b;
    uint32_t c1;
    if (p->shift < 1 || p->shift > 30 || p->m_a < 0 || p->m_a > 0x8000 || p->m_b < 0 || p->m_b > 0x8000 ||
        p->z_out < -128 || p->z_out > 127 || bound > 0x1FFFFFFu)
        return 0;
    f->lo = p->act_min > -128 ? p->act_min : -128;
    f->hi = p->act_max < 127 ? p->act_max : 127;
    /* |c0| = |2 z_out + 1| 2^(s-1), |2 z_out + 1| <= 255 */
    c1 = p->z_out < 0 ? (uint32_t)(-2 * p->z_out - 1) : (uint32_t)(2 * p->z_out + 1);
    if (f->lo > f->hi || c1 > (0x7FFFFFFFu - bound - 1u) >> (p->shift - 1)) return 0;
    f->c0 = p->z_out < 0 ? -(int32_t)(c1 << (p->shift - 1)) : (int32_t)(c1 << (p->shift - 1));
    f->z_a = p->z_a;
    f->z_b = p->z_b;
    f->m_a = p->m_a;
    f->m_b = p->m_b;
    f->s = p->shift;
    return 1;
}

static inline int8_t add_one(const add_fast_t *f, int32_t a, int32_t b) {
    const int32_t acc = (a - f->z_a) * f->m_a + (b - f->z_b) * f->m_b;
    const int32_t v = (acc + f->c0 + (acc < 0 ? -1 : 0)) >> f->s;
    return (int8_t)(v < f->lo ? f->lo : (v > f->hi ? f->hi : v));
}

#if HCC_XTENSA_KERNELS
/* One element at byte offset k: 13 or 14 instructions. */
#define ADD_TERM(k)                                                               \
    "l8ui %[t], %[pa], " #k "\n\t"                                                \
    "l8ui %[u], %[pb], " #k "\n\t"                                                \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "xor %[u], %[u], %[c80]\n\t"                                                  \
    "mull %[t], %[t], %[ma]\n\t"                                                  \
    "mull %[u], %[u], %[mb]\n\t"                                                  \
    "add %[t], %[t], %[u]\n\t"                                                    \
    "bgeu %[t], %[k], 7f\n\t"                                                     \
    "addi %[t], %[t], -1\n\t"                                                     \
    "7:\n\t"                                                                      \
    "add %[t], %[t], %[ck]\n\t"                                                   \
    "sra %[t], %[t]\n\t"                                                          \
    HCC_CLAMP_ASM                                                                 \
    "s8i %[t], %[po], " #k "\n\t"
#endif

#if !HCC_XTENSA_KERNELS && defined(__AVX512BW__)
#include <immintrin.h>
/* add_one on 32 elements a pass (host): the byte pairs (a - z_a, b - z_b) as int16 into one
 * vpmaddwd with (m_a, m_b) (both below 2^15 here), then add_one's shift in 32-bit lanes,
 * narrowed with saturation and clamped on bytes. Each pass loads before it stores, so out may
 * be a or b. Returns the elements done (a multiple of 32). */
static int32_t add_vectors(const add_fast_t *f, const int8_t *a, const int8_t *b, int32_t n, int8_t *out) {
    const __m512i za = _mm512_set1_epi16((int16_t)f->z_a), zb = _mm512_set1_epi16((int16_t)f->z_b);
    const __m512i m = _mm512_set1_epi32((int32_t)((uint32_t)f->m_a | (uint32_t)f->m_b << 16)), c0 = _mm512_set1_epi32(f->c0);
    const __m256i lo = _mm256_set1_epi8((char)f->lo), hi = _mm256_set1_epi8((char)f->hi);
    const __m128i s = _mm_cvtsi32_si128(f->s);
    int32_t i;
    if (f->m_a >= 0x8000 || f->m_b >= 0x8000) return 0;
    for (i = 0; i + 32 <= n; i += 32) {
        const __m512i x = _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const void *)(a + i))), za);
        const __m512i y = _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const void *)(b + i))), zb);
        /* per 128-bit lane: elements 0 .. 3 of its 8 in acc0, 4 .. 7 in acc1 */
        const __m512i acc0 = _mm512_madd_epi16(_mm512_unpacklo_epi16(x, y), m);
        const __m512i acc1 = _mm512_madd_epi16(_mm512_unpackhi_epi16(x, y), m);
        const __m512i v0 = _mm512_sra_epi32(_mm512_add_epi32(_mm512_add_epi32(acc0, c0), _mm512_srai_epi32(acc0, 31)), s);
        const __m512i v1 = _mm512_sra_epi32(_mm512_add_epi32(_mm512_add_epi32(acc1, c0), _mm512_srai_epi32(acc1, 31)), s);
        const __m256i r = _mm512_cvtsepi16_epi8(_mm512_packs_epi32(v0, v1));
        _mm256_storeu_si256((void *)(out + i), _mm256_min_epi8(_mm256_max_epi8(r, lo), hi));
    }
    return i;
}
#endif

/* n elements of a, b (both advancing) into out; out may be a or b. */
static void add_run(const add_fast_t *f, const int8_t *a, const int8_t *b, int32_t n, int8_t *out) {
    int32_t i;
#if !HCC_XTENSA_KERNELS && defined(__AVX512BW__)
    i = add_vectors(f, a, b, n, out);
    a += i;
    b += i;
    out += i;
    n -= i;
#endif
#if HCC_XTENSA_KERNELS
    if (n >= 4) {
        const int8_t *const end = a + (n & ~(int32_t)3);
        const int32_t c80 = 0x80, k = (f->z_a + 128) * f->m_a + (f->z_b + 128) * f->m_b, ck = f->c0 - k;
        int32_t t = f->s, u;
        __asm__ volatile(
            HCC_BINARY_LOOP4_ASM(ADD_TERM)
            : [pa] "+r"(a), [pb] "+r"(b), [po] "+r"(out), [t] "+&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [c80] "r"(c80), [ma] "r"(f->m_a), [mb] "r"(f->m_b), [k] "r"(k), [ck] "r"(ck),
              [lo] "r"(f->lo), [hi] "r"(f->hi)
            : "memory");
        n &= 3;
    }
#endif
    for (i = 0; i < n; ++i) out[i] = add_one(f, a[i], b[i]);
}

void hcc_add_s8(const hcc_add_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output) {
    add_fast_t f;
    int32_t r, ch;
    if (add_fast_init(&f, p)) {
        if (b_kind == HCC_BROADCAST_NONE) {
            add_run(&f, a, b, rows * channels, output);
        } else if (b_kind == HCC_BROADCAST_CHANNEL) {
            for (r = 0; r < rows; ++r) add_run(&f, a + r * channels, b, channels, output + r * channels);
        } else {
            for (ch = 0; ch < rows * channels; ++ch) output[ch] = add_one(&f, a[ch], b[0]);
        }
        return;
    }
    for (r = 0; r < rows; ++r) {
        /* the start of b's row for this row of a: its own row, the one channel vector, or the scalar */
        const int8_t *b_row = b_kind == HCC_BROADCAST_NONE ? b + r * channels : b;
        const int32_t b_step = b_kind == HCC_BROADCAST_SCALAR ? 0 : 1;
        for (ch = 0; ch < channels; ++ch) {
            /* |(x - z) * m| < 2^24 for m <= 2^15: the sum fits in int32 */
            const int32_t acc = (a[ch] - p->z_a) * p->m_a + (b_row[ch * b_step] - p->z_b) * p->m_b;
            output[ch] = hcc_clamp_s8(p->z_out + hcc_round_shift(acc, p->shift), p->act_min,
                                      p->act_max);
        }
        a += channels;
        output += channels;
    }
}
