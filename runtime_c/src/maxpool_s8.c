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

void hcc_maxpool_s8_row(const hcc_pool_params_t *p, const int8_t *rows, int32_t n_rows,
                        int8_t *out_row) {
    const int32_t c = p->c, rs = p->in_w * c;
    uint32_t k80 = 0x80u;
    int32_t ox, r, ix, ch;
#if !defined(__XTENSA__)
    if (hcc_host_maxpool_s8_row(p, rows, n_rows, out_row)) return;
#else
    __asm__("" : "+r"(k80));  /* the constant in a register: GCC xors with -0x80 and zero-extends */
#endif
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
