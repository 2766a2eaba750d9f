/* int8 max pooling; the row function is shared with the streaming conv2d_pool block. */
#include "hcc_kernels.h"
#include "host_dw_s8.h"

/* The bytes are compared as v = x + 128 = u ^ 0x80 (unsigned, the order of x): no sign
 * extension on the lx106, and padding (-128, v = 0) never wins over the running max's start.
 * A channel's window is held in one register, its taps read at the pixel pitch c, instead of
 * the output bytes read and written back for every tap (~107 lx106 instructions an output of a
 * 3x3 window before, ~45 now). */
#define HCC_POOL_MAX(m, q, k80)              \
    do {                                     \
        const uint32_t v_ = *(q) ^ (k80);    \
        if (v_ > (m)) (m) = v_;              \
    } while (0)

#if defined(__GNUC__)
#define HCC_POOL_INLINE static inline __attribute__((always_inline))
#else
#define HCC_POOL_INLINE static inline
#endif

/* One output pixel of a 3x3 window inside the input: c channels at the pitch c, rows rs apart.
 * Called with c a constant (16, 32, 64) the taps are loads at immediate offsets from the three
 * row pointers (lx106: ~40 instructions an output against ~46 with an add for every tap). */
HCC_POOL_INLINE void pool3x3_pixel(const uint8_t *base, int32_t c, int32_t rs, uint8_t *out, uint32_t k80) {
    const int32_t c2 = 2 * c;
    int32_t ch;
    for (ch = 0; ch < c; ++ch) {
        const uint8_t *a = base + ch, *b = a + rs, *d = b + rs;
        uint32_t m = *a ^ k80;
        HCC_POOL_MAX(m, a + c, k80);
        HCC_POOL_MAX(m, a + c2, k80);
        HCC_POOL_MAX(m, b, k80);
        HCC_POOL_MAX(m, b + c, k80);
        HCC_POOL_MAX(m, b + c2, k80);
        HCC_POOL_MAX(m, d, k80);
        HCC_POOL_MAX(m, d + c, k80);
        HCC_POOL_MAX(m, d + c2, k80);
        out[ch] = (uint8_t)(m ^ k80);
    }
}

/* n outputs of one channel of a 3 wide, stride 2 window along a row: the window's first
 * column's max over the rows is `carry` (the last output's third column), its second and
 * third columns are at r[0] and r[c] of the three row pointers (a row repeated where the
 * window has fewer: a max over it twice is the same). Each column's max is taken once, not
 * once for each window it is in (lx106: ~28 instructions an output against ~37 with the
 * nine taps). Returns the carry after the n outputs. */
HCC_POOL_INLINE uint32_t pool3s2_run(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, int32_t c, int32_t n,
                                     uint8_t *out, uint32_t carry, uint32_t k80) {
    const int32_t c2 = 2 * c;
    const uint8_t *const end = r0 + n * c2;
    while (r0 != end) {
        uint32_t a = *r0 ^ k80, b = r0[c] ^ k80;
        HCC_POOL_MAX(a, r1, k80);
        HCC_POOL_MAX(a, r2, k80);
        HCC_POOL_MAX(b, r1 + c, k80);
        HCC_POOL_MAX(b, r2 + c, k80);
        if (a > carry) carry = a;
        if (b > carry) carry = b;
        *out = (uint8_t)(carry ^ k80);
        carry = b;
        r0 += c2;
        r1 += c2;
        r2 += c2;
        out += c;
    }
    return carry;
}

#if HCC_XTENSA_KERNELS
/* %[d] = the max over the rows of the column at byte o of the row pointers (as x + 128) */
#define POOL3S2_COL(d, o)                                                         \
    "l8ui %[" d "], %[r0], " o "\n\t"                                             \
    "l8ui %[t], %[r1], " o "\n\t"                                                 \
    "xor %[" d "], %[" d "], %[k]\n\t"                                           \
    "xor %[t], %[t], %[k]\n\t"                                                    \
    "bgeu %[" d "], %[t], 1f\n\t"                                                 \
    "mov %[" d "], %[t]\n\t"                                                      \
    "1:\n\t"                                                                     \
    "l8ui %[t], %[r2], " o "\n\t"                                                 \
    "xor %[t], %[t], %[k]\n\t"                                                    \
    "bgeu %[" d "], %[t], 1f\n\t"                                                 \
    "mov %[" d "], %[t]\n\t"                                                      \
    "1:\n\t"
/* the output max(%[m], %[x], %[y]) stored at byte o of %[out] */
#define POOL3S2_OUT(x, y, o)                                                      \
    "bgeu %[m], %[" x "], 1f\n\t"                                                 \
    "mov %[m], %[" x "]\n\t"                                                      \
    "1:\n\t"                                                                     \
    "bgeu %[m], %[" y "], 1f\n\t"                                                 \
    "mov %[m], %[" y "]\n\t"                                                      \
    "1:\n\t"                                                                     \
    "xor %[m], %[m], %[k]\n\t"                                                    \
    "s8i %[m], %[out], " o "\n\t"
/* pool3s2_run's outputs two a pass for c = C (16, 32, 64: the byte offsets are immediates),
 * the carry in %[cr] and %[b] by turns (no move): ~24 instructions an output */
#define POOL3S2_PAIRS(C)                                                          \
    __asm__ volatile(                                                             \
        "2:\n\t"                                                                 \
        POOL3S2_COL("m", "0") POOL3S2_COL("b", #C) POOL3S2_OUT("cr", "b", "0")    \
        POOL3S2_COL("m", "2*" #C) POOL3S2_COL("cr", "3*" #C) POOL3S2_OUT("b", "cr", #C) \
        "add %[r0], %[r0], %[st]\n\t"                                            \
        "add %[r1], %[r1], %[st]\n\t"                                            \
        "add %[r2], %[r2], %[st]\n\t"                                            \
        "add %[out], %[out], %[so]\n\t"                                          \
        "bne %[r0], %[end], 2b\n\t"                                              \
        : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [out] "+r"(out), [cr] "+r"(carry), [b] "=&r"(b), \
          [m] "=&r"(m), [t] "=&r"(t)                                              \
        : [end] "r"(end), [st] "r"(4 * (C)), [so] "r"(2 * (C)), [k] "r"(k80)       \
        : "memory")

/* one output of pool3s2_run for c = C (at most 255), the pointers left as they are */
#define POOL3S2_ONE(C)                                                            \
    __asm__ volatile(                                                             \
        POOL3S2_COL("m", "0") POOL3S2_COL("b", #C) POOL3S2_OUT("cr", "b", "0")    \
        "mov %[cr], %[b]\n\t"                                                    \
        : [cr] "+r"(carry), [b] "=&r"(b), [m] "=&r"(m), [t] "=&r"(t)              \
        : [r0] "r"(r0), [r1] "r"(r1), [r2] "r"(r2), [out] "r"(out), [k] "r"(k80)  \
        : "memory")

/* pool3s2_run for c = C, 16, 32, 64 or 128, on the lx106: outputs two a pass in asm while the
 * offsets of two windows are immediates (C <= 64), the others one at a time */
HCC_POOL_INLINE uint32_t pool3s2_asm(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, int32_t C, int32_t n,
                                     uint8_t *out, uint32_t carry, uint32_t k80) {
    uint32_t b, m, t;
    if (C <= 64 && n >= 2) {
        const uint8_t *const end = r0 + (n >> 1) * 4 * C;
        switch (C) {
            case 16: POOL3S2_PAIRS(16); break;
            case 32: POOL3S2_PAIRS(32); break;
            default: POOL3S2_PAIRS(64); break;
        }
        n &= 1;
    }
    for (; n > 0; --n, r0 += 2 * C, r1 += 2 * C, r2 += 2 * C, out += C) {
        switch (C) {
            case 16: POOL3S2_ONE(16); break;
            case 32: POOL3S2_ONE(32); break;
            case 64: POOL3S2_ONE(64); break;
            default: POOL3S2_ONE(128); break;
        }
    }
    return carry;
}
#endif

/* The column col's max over the rows r0, r1, r2 (0, the padding's, outside the input). */
static uint32_t pool_col3(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, int32_t col, int32_t w, int32_t c,
                          uint32_t k80) {
    uint32_t m = 0u;
    if (col >= 0 && col < w) {
        m = r0[col * c] ^ k80;
        HCC_POOL_MAX(m, r1 + col * c, k80);
        HCC_POOL_MAX(m, r2 + col * c, k80);
    }
    return m;
}

/* pool3s2_row's channels for c = C (a constant where it is written out: the asm's offsets, the
 * pointer steps) */
HCC_POOL_INLINE void pool3s2_channels(const hcc_pool_params_t *p, const uint8_t *rows, int32_t n_rows, int32_t n,
                                      int32_t C, uint8_t *out_row, uint32_t k80) {
    const int32_t w = p->in_w, rs = w * C, pl = p->pad_left, at = (1 - pl) * C;  /* the first output's second column */
    int32_t ch, ox;
    for (ch = 0; ch < C; ++ch) {
        const uint8_t *r0 = rows + ch, *r1 = n_rows > 1 ? r0 + rs : r0, *r2 = n_rows > 2 ? r1 + rs : r1;
        uint8_t *out = out_row + ch;
        uint32_t carry = pl == 0 ? pool_col3(r0, r1, r2, 0, w, C, k80) : 0u;  /* the padding column: 0 */
#if HCC_XTENSA_KERNELS
        if (C == 16 || C == 32 || C == 64 || C == 128) {
            carry = pool3s2_asm(r0 + at, r1 + at, r2 + at, C, n, out, carry, k80);
        } else
#endif
        {
            carry = pool3s2_run(r0 + at, r1 + at, r2 + at, C, n, out, carry, k80);
        }
        for (ox = n; ox < p->out_w; ++ox) {  /* windows past the right edge */
            const int32_t ix0 = 2 * ox - pl;
            const uint32_t a = pool_col3(r0, r1, r2, ix0 + 1, w, C, k80), b = pool_col3(r0, r1, r2, ix0 + 2, w, C, k80);
            if (a > carry) carry = a;
            if (b > carry) carry = b;
            out[ox * C] = (uint8_t)(carry ^ k80);
            carry = b;
        }
    }
}

/* A row of a 3 wide, stride 2 window with one column of padding at the left or none, 1 to 3
 * input rows (mini-Xception's 3x3 / 2 pools): a channel at a time along the row, the column
 * two windows share carried from one to the next. */
static void pool3s2_row(const hcc_pool_params_t *p, const uint8_t *rows, int32_t n_rows, uint8_t *out_row,
                        uint32_t k80) {
    const int32_t w = p->in_w, pl = p->pad_left;
    /* the outputs whose second and third columns are inside: 2 ox - pl + 2 < w */
    int32_t n = (w - 3 + pl) / 2 + 1;
    if (w - 3 + pl < 0) n = 0;
    if (n > p->out_w) n = p->out_w;
    switch (p->c) {
        case 16: pool3s2_channels(p, rows, n_rows, n, 16, out_row, k80); break;
        case 32: pool3s2_channels(p, rows, n_rows, n, 32, out_row, k80); break;
        case 64: pool3s2_channels(p, rows, n_rows, n, 64, out_row, k80); break;
        case 128: pool3s2_channels(p, rows, n_rows, n, 128, out_row, k80); break;
        default: pool3s2_channels(p, rows, n_rows, n, p->c, out_row, k80); break;
    }
}

void hcc_maxpool_s8_row(const hcc_pool_params_t *p, const int8_t *rows, int32_t n_rows,
                        int8_t *out_row) {
    const int32_t c = p->c, rs = p->in_w * c;
    uint32_t k80 = 0x80u;
    int32_t ox, r, ix, ch;
#if !HCC_XTENSA_KERNELS
    if (hcc_host_maxpool_s8_row(p, rows, n_rows, out_row)) return;
#else
    __asm__("" : "+r"(k80));  /* the constant in a register: GCC xors with -0x80 and zero-extends */
#endif
    if (p->k_w == 3 && p->stride_w == 2 && (uint32_t)p->pad_left <= 1u && n_rows >= 1 && n_rows <= 3) {
        pool3s2_row(p, (const uint8_t *)rows, n_rows, (uint8_t *)out_row, k80);
        return;
    }
    for (ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const int32_t x_begin = ix0 < 0 ? 0 : ix0;
        const int32_t x_end = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
        const int32_t nx = x_end > x_begin ? x_end - x_begin : 0;
        const uint8_t *base = (const uint8_t *)rows + x_begin * c;
        uint8_t *out = (uint8_t *)out_row + ox * c;
        if (nx == 3 && n_rows == 3) {  /* the 3x3 window inside the input, written out */
            switch (c) {
                case 16: pool3x3_pixel(base, 16, rs, out, k80); break;
                case 32: pool3x3_pixel(base, 32, rs, out, k80); break;
                case 64: pool3x3_pixel(base, 64, rs, out, k80); break;
                default: pool3x3_pixel(base, c, rs, out, k80); break;
            }
            continue;
        }
        for (ch = 0; ch < c; ++ch) {
            const uint8_t *q = base + ch;
            uint32_t m = 0u;
            for (r = 0; r < n_rows; ++r, q += rs) {
                const uint8_t *t = q;
                for (ix = 0; ix < nx; ++ix, t += c) HCC_POOL_MAX(m, t, k80);
            }
            out[ch] = (uint8_t)(m ^ k80);
        }
    }
}

void hcc_maxpool_s8(const hcc_pool_params_t *p, const int8_t *input, int8_t *output) {
    int32_t oy;
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        const int32_t y_begin = iy0 < 0 ? 0 : iy0;
        const int32_t y_end = iy0 + p->k_h > p->in_h ? p->in_h : iy0 + p->k_h;
        const int32_t n_rows = y_end > y_begin ? y_end - y_begin : 0;
        hcc_maxpool_s8_row(p, input + (n_rows ? y_begin * p->in_w * p->c : 0), n_rows,
                           output + oy * p->out_w * p->c);
    }
}
