/* int8 elementwise product, requantized with one multiplier (docs/numerics.md, mul). */
#include "hcc_kernels.h"
#include "host_dw_s8.h"

/* From this many elements on, a scalar b goes through a 256-entry table (built in ~6K lx106
 * instructions, then ~6 an element instead of ~23). */
#define MUL_TABLE_MIN 512

/* The product p = (a - z_a)(b - z_b) has |p| <= max|a - z_a| max|b - z_b| <= 255^2 < 2^16,
 * so when hcc_requant_hoist accepts that bound every element is two subtractions, one
 * multiply and hcc_requant_hoisted. */
typedef struct {
    int32_t z_a, z_b;
    hcc_requant_hoisted_t q;
} mul_fast_t;

#if HCC_XTENSA_KERNELS
/* One element at byte offset k: the bytes as a + 128 (l8ui, xor 0x80), minus z + 128, the
 * product, then the requantization: 17 instructions. */
#define MUL_TERM(k)                                                               \
    "l8ui %[t], %[pa], " #k "\n\t"                                                \
    "l8ui %[u], %[pb], " #k "\n\t"                                                \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "xor %[u], %[u], %[c80]\n\t"                                                  \
    "sub %[t], %[t], %[za]\n\t"                                                   \
    "sub %[u], %[u], %[zb]\n\t"                                                   \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    HCC_REQUANT_HOISTED_ASM                                                       \
    "s8i %[t], %[po], " #k "\n\t"
#endif

/* n elements of a, b (both advancing) into out; out may be a or b. */
static void mul_run(const mul_fast_t *f, const int8_t *a, const int8_t *b, int32_t n, int8_t *out) {
    int32_t i;
#if HCC_XTENSA_KERNELS && !defined(__OPTIMIZE_SIZE__)  /* at -Os GCC has no register left for the asm's 14 */
    if (n >= 4) {
        const int8_t *const end = a + (n & ~(int32_t)3);
        const int32_t c80 = 0x80, za = f->z_a + 128, zb = f->z_b + 128;
        int32_t t = f->q.sh, u;
        __asm__ volatile(
            HCC_BINARY_LOOP4_ASM(MUL_TERM)
            : [pa] "+r"(a), [pb] "+r"(b), [po] "+r"(out), [t] "+&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [c80] "r"(c80), [za] "r"(za), [zb] "r"(zb), [bh] "r"(f->q.bh), [bl] "r"(f->q.bl),
              [c] "r"(f->q.c), [lo] "r"(f->q.lo), [hi] "r"(f->q.hi)
            : "memory");
        n &= 3;
    }
#endif
    for (i = 0; i < n; ++i) out[i] = hcc_requant_hoisted(&f->q, (a[i] - f->z_a) * (b[i] - f->z_b));
}

/* b broadcast per channel: channel by channel down the rows (stride `channels`), b's value
 * folded into the multiplier's halves: with bv = b - z_b, acc bh = (a - z_a)(bv bh) and acc bl =
 * (a - z_a)(bv bl) exactly (|bv| <= 255, |bh|, |bl| <= 2^15: every product below 2^31), so an
 * element is one subtraction, two multiplies and the rest of hcc_requant_hoisted, and nothing
 * is set up per row. */
#if HCC_XTENSA_KERNELS && defined(__GNUC__)
__attribute__((noinline))
#endif
static void mul_channel(const mul_fast_t *f, const int8_t *a, int32_t bv, int32_t rows, int32_t stride,
                        int8_t *out) {
    int32_t r;
#if HCC_XTENSA_KERNELS
    if (rows >= 1) {
        const int8_t *const end = a + rows * stride;
        const int32_t c80 = 0x80, za = f->z_a + 128, bh = f->q.bh * bv, bl = f->q.bl * bv;
        int32_t t = f->q.sh, u;
        __asm__ volatile(
            "ssr %[t]\n\t"
            "1:\n\t"
            "l8ui %[t], %[pa], 0\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "sub %[t], %[t], %[za]\n\t"
            HCC_REQUANT_HOISTED_ASM
            "s8i %[t], %[po], 0\n\t"
            "add %[pa], %[pa], %[st]\n\t"
            "add %[po], %[po], %[st]\n\t"
            "bne %[pa], %[end], 1b\n\t"
            : [pa] "+r"(a), [po] "+r"(out), [t] "+&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [c80] "r"(c80), [za] "r"(za), [bh] "r"(bh), [bl] "r"(bl), [c] "r"(f->q.c),
              [lo] "r"(f->q.lo), [hi] "r"(f->q.hi), [st] "r"(stride)
            : "memory");
        return;
    }
#endif
    for (r = 0; r < rows; ++r) out[r * stride] = hcc_requant_hoisted(&f->q, (a[r * stride] - f->z_a) * bv);
}

void hcc_mul_s8(const hcc_mul_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output) {
    mul_fast_t f;
    int32_t r, ch;
    f.z_a = p->z_a;
    f.z_b = p->z_b;
    if (hcc_requant_hoist(&f.q, p->mult, p->shift, p->z_out, p->act_min, p->act_max,
                          hcc_s8_max_diff(p->z_a) * hcc_s8_max_diff(p->z_b))) {
#if !HCC_XTENSA_KERNELS
        if (b_kind != HCC_BROADCAST_SCALAR &&
            hcc_host_mul_rows_s8(&f.q, p->z_a, p->z_b, a, b, rows, channels, b_kind == HCC_BROADCAST_NONE, output)) {
            return;
        }
#endif
        if (b_kind == HCC_BROADCAST_NONE) {
            mul_run(&f, a, b, rows * channels, output);
        } else if (b_kind == HCC_BROADCAST_CHANNEL && (rows >= 16 || channels <= 2 * rows)) {
            /* squeeze-excite's gate: down the columns, no per-row set-up (on lx106 ~15 instructions
             * an element and ~30 a channel, against ~17 an element and ~50 a row) */
            for (ch = 0; ch < channels; ++ch) mul_channel(&f, a + ch, b[ch] - p->z_b, rows, channels, output + ch);
        } else if (b_kind == HCC_BROADCAST_CHANNEL) {
            for (r = 0; r < rows; ++r) mul_run(&f, a + r * channels, b, channels, output + r * channels);
        } else if (rows * channels >= MUL_TABLE_MIN) {
            /* a scalar b: y depends on a alone, so its 256 values once, then a lookup */
            const int32_t bv = b[0] - p->z_b;
            int8_t table[256];
            for (ch = 0; ch < 256; ++ch) table[ch] = hcc_requant_hoisted(&f.q, (ch - 128 - p->z_a) * bv);
            hcc_lut_s8(a, rows * channels, table, output);
        } else {
            const int32_t bv = b[0] - p->z_b;
            for (ch = 0; ch < rows * channels; ++ch) output[ch] = hcc_requant_hoisted(&f.q, (a[ch] - p->z_a) * bv);
        }
        return;
    }
    for (r = 0; r < rows; ++r) {
        const int8_t *b_row = b_kind == HCC_BROADCAST_NONE ? b + r * channels : b;
        const int32_t b_step = b_kind == HCC_BROADCAST_SCALAR ? 0 : 1;
        for (ch = 0; ch < channels; ++ch) {
            const int32_t prod = (a[ch] - p->z_a) * (b_row[ch * b_step] - p->z_b);
            output[ch] = hcc_requantize_s8(prod, p->mult, p->shift, p->z_out, p->act_min, p->act_max);
        }
        a += channels;
        output += channels;
    }
}
