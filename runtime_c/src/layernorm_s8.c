/* Int8 layer normalization over the last axis; see hcc/kernels/layernorm.py (the spec). */
#include "hcc_runtime.h"
#include "hcc_kernels.h"

/* floor(sqrt(v)) for v in [2^28, 2^30), bit by bit: exact, no libm. The first step (bit
 * 2^28, always taken in that range) is done, the other fourteen written out so that each
 * bit is a constant. */
#define LN_ISQRT_STEP(b)                                                          \
    do {                                                                          \
        const uint32_t t = root + ((uint32_t)1u << (b));                          \
        root >>= 1;                                                               \
        if (v >= t) {                                                             \
            v -= t;                                                               \
            root += (uint32_t)1u << (b);                                          \
        }                                                                         \
    } while (0)
static uint32_t isqrt_2p28(uint32_t v) {
    uint32_t root = (uint32_t)1u << 28;
    v -= (uint32_t)1u << 28;
    LN_ISQRT_STEP(26); LN_ISQRT_STEP(24); LN_ISQRT_STEP(22); LN_ISQRT_STEP(20); LN_ISQRT_STEP(18);
    LN_ISQRT_STEP(16); LN_ISQRT_STEP(14); LN_ISQRT_STEP(12); LN_ISQRT_STEP(10); LN_ISQRT_STEP(8);
    LN_ISQRT_STEP(6); LN_ISQRT_STEP(4); LN_ISQRT_STEP(2); LN_ISQRT_STEP(0);
    return root;
}

/* floor(2^29 / r) for r in [2^14, 2^15] (so the quotient is below 2^16): restoring
 * division with the divisor pre-shifted, 16 steps of compare / subtract written out. */
#define LN_DIV_STEP(k)                                                            \
    do {                                                                          \
        const uint32_t d = r << (k);                                              \
        if (rem >= d) {                                                           \
            rem -= d;                                                             \
            q |= (uint32_t)1u << (k);                                             \
        }                                                                         \
    } while (0)
static uint32_t div_2p29(uint32_t r) {
    uint32_t rem = (uint32_t)1u << 29, q = 0;
    LN_DIV_STEP(15); LN_DIV_STEP(14); LN_DIV_STEP(13); LN_DIV_STEP(12); LN_DIV_STEP(11); LN_DIV_STEP(10);
    LN_DIV_STEP(9); LN_DIV_STEP(8); LN_DIV_STEP(7); LN_DIV_STEP(6); LN_DIV_STEP(5); LN_DIV_STEP(4);
    LN_DIV_STEP(3); LN_DIV_STEP(2); LN_DIV_STEP(1); LN_DIV_STEP(0);
    return q;
}

/* |n_i| < LN_N_BOUND for C <= 128: |d_i| <= sqrt(C (W - E)) and r >= sqrt(W 2^e) - 1 >= 2^14 - 1
 * give |d_i q| / 2^(17 - e/2) <= sqrt(C) 2^12 (1 + 2^-13), plus the rounding. */
#define LN_N_BOUND 46400

/* round(x / 2^s) halves away from zero for 1 <= s <= 31 when |x| + 2^(s-1) < 2^31:
 * floor((x + 2^(s-1) - [x < 0]) / 2^s), no magnitude or sign steps */
static inline int32_t ln_round_shift(int32_t x, int32_t s) {
    return (x + ((int32_t)1 << (s - 1)) + (x >> 31)) >> s;
}

#if HCC_XTENSA_KERNELS
/* pass 1, element at byte k of x and word k of n: x + 128 = u ^ 0x80, C (x + 128) - off128, the
 * product with q, ln_round_shift by SAR */
#define LN_NORM_TERM(k)                                                           \
    "l8ui %[t], %[xp], " #k "\n\t"                                                \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "mull %[t], %[t], %[c]\n\t"                                                   \
    "sub %[t], %[t], %[off]\n\t"                                                  \
    "mull %[t], %[t], %[q]\n\t"                                                   \
    "srai %[u], %[t], 31\n\t"                                                     \
    "add %[t], %[t], %[h]\n\t"                                                    \
    "add %[t], %[t], %[u]\n\t"                                                    \
    "sra %[t], %[t]\n\t"                                                          \
    "s32i %[t], %[np], 4*" #k "\n\t"
/* pass 2, element k: n g + b, ln_round_shift by SAR, + z_y, the int8 clamp */
#define LN_SCALE_TERM(k)                                                          \
    "l32i %[t], %[np], 4*" #k "\n\t"                                              \
    "l32i %[u], %[gp], 4*" #k "\n\t"                                              \
    "mull %[t], %[t], %[u]\n\t"                                                   \
    "l32i %[u], %[bp], 4*" #k "\n\t"                                              \
    "add %[t], %[t], %[u]\n\t"                                                    \
    "srai %[u], %[t], 31\n\t"                                                     \
    "add %[t], %[t], %[h]\n\t"                                                    \
    "add %[t], %[t], %[u]\n\t"                                                    \
    "sra %[t], %[t]\n\t"                                                          \
    "add %[t], %[t], %[z]\n\t"                                                    \
    HCC_CLAMP_ASM                                                                 \
    "s8i %[t], %[yp], " #k "\n\t"
#endif

/* n[i] = ln_round_shift((C x_i - off) q, s_n) */
static void ln_normalise(const int8_t *x, int32_t channels, int32_t off, int32_t q, int32_t s_n, int32_t *n) {
    int32_t i = 0;
#if HCC_XTENSA_KERNELS
    if (channels >= 2) {
        const int8_t *xp = x, *const end = x + (channels & ~(int32_t)1);
        int32_t *np = n;
        int32_t t, u;
        __asm__ volatile(
            "ssr %[s]\n\t"
            "1:\n\t"
            LN_NORM_TERM(0) LN_NORM_TERM(1)
            "addi %[xp], %[xp], 2\n\t"
            "addi %[np], %[np], 8\n\t"
            "bne %[xp], %[end], 1b\n\t"
            : [xp] "+r"(xp), [np] "+r"(np), [t] "=&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [c80] "r"(0x80), [c] "r"(channels), [off] "r"(off + 128 * channels), [q] "r"(q),
              [h] "r"((int32_t)1 << (s_n - 1)), [s] "r"(s_n)
            : "memory");
        i = channels & ~(int32_t)1;
    }
#endif
    for (; i < channels; ++i) n[i] = ln_round_shift((channels * (int32_t)x[i] - off) * q, s_n);
}

/* y[i] = saturate_int8(z_y + ln_round_shift(n[i] g[i] + b[i], s_y)) */
static void ln_scale(const int32_t *n, int32_t channels, const int32_t *g, const int32_t *b, int32_t z_y, int32_t s_y,
                     int8_t *y) {
    int32_t i = 0;
#if HCC_XTENSA_KERNELS
    if (channels >= 2) {
        const int32_t *np = n, *gp = g, *bp = b, *const end = n + (channels & ~(int32_t)1);
        int8_t *yp = y;
        int32_t t, u;
        __asm__ volatile(
            "ssr %[s]\n\t"
            "1:\n\t"
            LN_SCALE_TERM(0) LN_SCALE_TERM(1)
            "addi %[np], %[np], 8\n\t"
            "addi %[gp], %[gp], 8\n\t"
            "addi %[bp], %[bp], 8\n\t"
            "addi %[yp], %[yp], 2\n\t"
            "bne %[np], %[end], 1b\n\t"
            : [np] "+r"(np), [gp] "+r"(gp), [bp] "+r"(bp), [yp] "+r"(yp), [t] "=&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [h] "r"((int32_t)1 << (s_y - 1)), [z] "r"(z_y), [lo] "r"(-128), [hi] "r"(127),
              [s] "r"(s_y)
            : "memory");
        i = channels & ~(int32_t)1;
    }
#endif
    for (; i < channels; ++i) {
        const int32_t v = z_y + ln_round_shift(n[i] * g[i] + b[i], s_y);
        y[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
}

void hcc_layernorm_s8(const hcc_layernorm_params_t *p, const int8_t *input, int32_t rows, int32_t channels,
                      int8_t *output) {
    const int32_t s_y = p->shift, z_y = p->z_y;
    int32_t r, i, fast = 0;
    /* the second rounding without its magnitude steps when |n g + b| + 2^(s_y - 1) stays in
     * int32 for every n of the bound */
    if (s_y >= 1 && s_y <= 30 && channels <= 128) {
        uint32_t g_max = 0, b_max = 0;
        for (i = 0; i < channels; ++i) {
            const uint32_t g = p->gamma_q[i] < 0 ? 0u - (uint32_t)p->gamma_q[i] : (uint32_t)p->gamma_q[i];
            const uint32_t b = p->beta_q[i] < 0 ? 0u - (uint32_t)p->beta_q[i] : (uint32_t)p->beta_q[i];
            g_max = g > g_max ? g : g_max;
            b_max = b > b_max ? b : b_max;
        }
        fast = g_max < 0x8000u && b_max < 0x40000000u &&
               (uint32_t)LN_N_BOUND * g_max + b_max + ((uint32_t)1u << (s_y - 1)) <= 0x7FFFFFFFu;
    }
    for (r = 0; r < rows; ++r) {
        const int8_t *x = input + (size_t)r * (size_t)channels;
        int8_t *y = output + (size_t)r * (size_t)channels;
        int32_t sum = 0, e, top;
        uint32_t sq = 0, w, scaled, root, q;
        for (i = 0; i < channels; ++i) {
            int32_t v = (int32_t)x[i] - p->z_x;
            sum += v;
            sq += (uint32_t)(v * v);
        }
        /* W = C * Q - S^2 + E; C * Q < 2^31 for C <= 128 and W >= E >= 1. */
        w = (uint32_t)channels * sq - (uint32_t)(sum * sum) + (uint32_t)p->eps_term;
        /* The even shift that puts W's top bit at bit 28 or 29: r lands in [2^14, 2^15]. */
        top = 31 - __builtin_clz(w);          /* W >= 1; one nsau on Xtensa */
        e = ((28 - top) % 2 == 0) ? 28 - top : 29 - top;
        scaled = e >= 0 ? w << e : w >> -e;
        root = isqrt_2p28(scaled);
        q = div_2p29(root);
        {   /* the two roundings inline, their shifts and the row's offset hoisted */
            const int32_t s_n = 17 - e / 2;   /* in [3, 18]: |d q| <= 2^30, so + 2^(s_n - 1) fits */
            const int32_t off = channels * p->z_x + sum;  /* d = channels x - off */
            if (fast) {
                /* two passes, one shift each (SAR set once per pass on lx106) */
                int32_t n[128];
                ln_normalise(x, channels, off, (int32_t)q, s_n, n);
                ln_scale(n, channels, p->gamma_q, p->beta_q, z_y, s_y, y);
                continue;
            }
            for (i = 0; i < channels; ++i) {
                const int32_t d = channels * (int32_t)x[i] - off;
                const int32_t n = hcc_round_shift_inline(d * (int32_t)q, s_n);
                const int32_t v = z_y + hcc_round_shift_inline(n * p->gamma_q[i] + p->beta_q[i], s_y);
                y[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
            }
        }
    }
}
