/* Int8 selective scan (Mamba S6); the integers of docs/numerics.md, "Selective scan".
 * Reference: hcc/kernels/selective_scan.py. */
#include "hcc_runtime.h"

/* the table row of exp(dt A): 2^(EXP_BITS + 2) uint16, indexed by the top EXP_BITS + 2 bits of
 * the mantissa product P in [2^29, 2^31) (or 0) */
#define HCC_SCAN_EXP_SHIFT (29 - HCC_SCAN_EXP_BITS)
/* the asm's extui takes bits 24 .. 30 of P */
typedef char hcc_scan_exp_bits_check[HCC_SCAN_EXP_BITS == 5 ? 1 : -1];

size_t hcc_scan_scratch_size(int D, int N)
{
    /* the state h[D*N], then per n the current token's B - z_B and C - z_C (int16 pairs) */
    return (size_t)D * (size_t)N * sizeof(int32_t) + 2u * (size_t)N * sizeof(int16_t);
}

#if HCC_XTENSA_KERNELS
/* one n of scan_states' asm: a_word at byte ao of %[ap], h at ho of %[hp], (B', C') at ro of %[rp] */
#define HCC_SCAN_STATE(ao, ho, ro)                                                \
    "l32i %[t1], %[ap], " #ao "\n\t"                                              \
    "mul16u %[t2], %[dw], %[t1]\n\t"                                              \
    "srli %[t1], %[t1], 16\n\t"                                                   \
    "extui %[t2], %[t2], 24, 7\n\t"                                               \
    "add %[t1], %[t1], %[base]\n\t"                                               \
    "addx2 %[t1], %[t2], %[t1]\n\t"                                               \
    "l16ui %[t1], %[t1], 0\n\t"                                                   \
    "l32i %[t2], %[hp], " #ho "\n\t"                                              \
    "mull %[t2], %[t2], %[t1]\n\t"                                                \
    "addmi %[t2], %[t2], 0x4000\n\t"                                              \
    "srai %[t2], %[t2], 15\n\t"                                                   \
    "l16si %[t1], %[rp], " #ro "\n\t"                                             \
    "mull %[t1], %[t1], %[x]\n\t"                                                 \
    "add %[t1], %[t1], %[half]\n\t"                                               \
    "sra %[t1], %[t1]\n\t"                                                        \
    "add %[t2], %[t2], %[t1]\n\t"                                                 \
    "bge %[hmax], %[t2], 1f\n\t"                                                  \
    "mov %[t2], %[hmax]\n\t"                                                      \
    "1:\n\t"                                                                      \
    "bge %[t2], %[nhmax], 2f\n\t"                                                 \
    "mov %[t2], %[nhmax]\n\t"                                                     \
    "2:\n\t"                                                                      \
    "s32i %[t2], %[hp], " #ho "\n\t"                                              \
    "l16si %[t1], %[rp], " #ro "+2\n\t"                                           \
    "mull %[t1], %[t1], %[t2]\n\t"                                                \
    "add %[acc], %[acc], %[t1]\n\t"
#endif

/* One (t, d) over n < N in C: the state update of docs/numerics.md, sum_n C' h returned.
 * rec: N pairs (B', C'); aw: a_word[d * N ..]; base: exp_table + the dt code's row offset;
 * dw: the dt code's second dt_rec word (its low half the dt mantissa); x = dt u'. Right shifts of negative
 * int32 values are arithmetic (implementation-defined in C99; arithmetic on GCC and Clang for
 * every target we build). */
static int32_t scan_states(int32_t *h, const int16_t *rec, int32_t N, const uint32_t *aw, const uint16_t *base,
                           uint32_t dw, int32_t x, int32_t half, int32_t h_max, int32_t k_in)
{
    const uint32_t dm = dw & 0xFFFFu;
    int32_t acc = 0, n;
    for (n = 0; n < N; ++n) {
        const uint32_t a = aw[n];
        const int32_t da = base[(a >> 16) / 2u + ((dm * (a & 0xFFFFu)) >> HCC_SCAN_EXP_SHIFT)];  /* P < 2^31 */
        int32_t hn = ((h[n] * da + 0x4000) >> 15) + ((x * (int32_t)rec[2 * n] + half) >> k_in);
        if (hn > h_max) hn = h_max;
        if (hn < -h_max) hn = -h_max;
        h[n] = hn;
        acc += (int32_t)rec[2 * n + 1] * hn;   /* |acc| <= 255 N h_max < 2^31 */
    }
    return acc;
}

/* y = saturate_int8((floor(acc m_y / 2^16) + u' m_d + bias_out) >> s_o): the scan term from
 * acc's 16-bit halves (|.| <= 2^30), the D-skip term (<= 2^29), z_out and the rounding
 * (bias_out): one int32 sum, one shift. */
static int8_t scan_readout(int32_t acc, int32_t m_y, int32_t u_c, int32_t m_d, int32_t bias_out, int32_t s_o)
{
    const int32_t scan = (acc >> 16) * m_y + (int32_t)((((uint32_t)acc & 0xFFFFu) * (uint32_t)m_y) >> 16);
    const int32_t q = (scan + u_c * m_d + bias_out) >> s_o;
    return (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
}

#if HCC_XTENSA_KERNELS
/* What scan_tokens_asm reads per token besides its registers: right after the token's (B', C')
 * pairs, so that the pairs' pointer reaches both (byte offsets: the asm's). */
typedef struct {
    const int8_t *y_end;        /* 0: y_row + D */
    int32_t u_off, r_off;       /* 4, 8: u_row - y_row, r_row - y_row in bytes */
    const int32_t *dt_rec;      /* 12: two words per dt_raw byte */
    int32_t unused;             /* 16 */
    const uint16_t *exp_table;  /* 20 */
    int32_t m_d_off;            /* 24: m_d - 4 y_row in bytes: m_d[d] at m_d_off + 4 yp */
    int32_t z_u, k_in, m_y, bias_out, s_o;  /* 28 .. 44 */
    int32_t u_c;                /* 48: the current d's u - z_u */
} scan_token_block_t;
typedef char scan_token_block_check[sizeof(scan_token_block_t) == 52 ? 1 : -1];

#define HCC_SCAN_STATES4(o) HCC_SCAN_STATE(o, o, o) HCC_SCAN_STATE(o+4, o+4, o+4) \
    HCC_SCAN_STATE(o+8, o+8, o+8) HCC_SCAN_STATE(o+12, o+12, o+12)
#define HCC_SCAN_STATES8(o) HCC_SCAN_STATES4(o) HCC_SCAN_STATES4(o+16)
#define HCC_SCAN_STATES16(o) HCC_SCAN_STATES8(o) HCC_SCAN_STATES8(o+32)

/* Every d of one token, n unrolled (STATES: N of them; pb = 4 N, the byte offset of the
 * token block after the pairs): per d the dt byte's record (row, word, dt), u' and x, SAR = k_in, the
 * N state updates (22 instructions each), then the readout with SAR = s_o and the int8 clamp
 * as one unsigned compare (usually). */
#define HCC_SCAN_TOKEN_ASM(STATES, pb)                                            \
    __asm__ volatile(                                                             \
        "10:\n\t"                                                                 \
        "l32i %[t1], %[rp], " #pb "+8\n\t"                                        \
        "add %[t1], %[t1], %[yp]\n\t"                                             \
        "l8ui %[t1], %[t1], 0\n\t"                                                \
        "l32i %[t2], %[rp], " #pb "+12\n\t"                                       \
        "addx8 %[t2], %[t1], %[t2]\n\t"                                           \
        "l32i %[dw], %[t2], 4\n\t"                                                \
        "l32i %[base], %[t2], 0\n\t"                                              \
        "srai %[x], %[dw], 16\n\t"                                                \
        "l32i %[t1], %[rp], " #pb "+4\n\t"                                        \
        "add %[t1], %[t1], %[yp]\n\t"                                             \
        "l8ui %[t1], %[t1], 0\n\t"                                                \
        "slli %[t1], %[t1], 24\n\t"                                               \
        "srai %[t1], %[t1], 24\n\t"                                               \
        "l32i %[t2], %[rp], " #pb "+28\n\t"                                       \
        "sub %[t1], %[t1], %[t2]\n\t"                                             \
        "s32i %[t1], %[rp], " #pb "+48\n\t"                                       \
        "mull %[x], %[x], %[t1]\n\t"                                              \
        "l32i %[t2], %[rp], " #pb "+20\n\t"                                       \
        "add %[base], %[base], %[t2]\n\t"                                         \
        "l32i %[t2], %[rp], " #pb "+32\n\t"                                       \
        "ssr %[t2]\n\t"                                                           \
        "movi %[acc], 0\n\t"                                                      \
        STATES                                                                    \
        "addi %[ap], %[ap], " #pb "\n\t"                                          \
        "addi %[hp], %[hp], " #pb "\n\t"                                          \
        "srai %[t1], %[acc], 16\n\t"                                              \
        "l32i %[t2], %[rp], " #pb "+36\n\t"                                       \
        "mull %[t1], %[t1], %[t2]\n\t"                                            \
        "extui %[base], %[acc], 0, 16\n\t"                                        \
        "mull %[base], %[base], %[t2]\n\t"                                        \
        "srli %[base], %[base], 16\n\t"                                           \
        "add %[t1], %[t1], %[base]\n\t"                                           \
        "l32i %[base], %[rp], " #pb "+24\n\t"                                     \
        "addx4 %[base], %[yp], %[base]\n\t"                                       \
        "l32i %[dw], %[base], 0\n\t"                                              \
        "l32i %[t2], %[rp], " #pb "+48\n\t"                                       \
        "mull %[t2], %[t2], %[dw]\n\t"                                            \
        "add %[t1], %[t1], %[t2]\n\t"                                             \
        "l32i %[t2], %[rp], " #pb "+40\n\t"                                       \
        "add %[t1], %[t1], %[t2]\n\t"                                             \
        "l32i %[t2], %[rp], " #pb "+44\n\t"                                       \
        "ssr %[t2]\n\t"                                                           \
        "sra %[t1], %[t1]\n\t"                                                    \
        "addi %[t2], %[t1], 128\n\t"                                              \
        "bltui %[t2], 256, 12f\n\t"                                               \
        "movi %[t1], 127\n\t"                                                     \
        "bgez %[t2], 12f\n\t"                                                     \
        "movi %[t1], -128\n\t"                                                    \
        "12:\n\t"                                                                 \
        "s8i %[t1], %[yp], 0\n\t"                                                 \
        "addi %[yp], %[yp], 1\n\t"                                                \
        "l32i %[t2], %[rp], " #pb "\n\t"                                          \
        "bne %[yp], %[t2], 10b\n\t"                                               \
        : [ap] "+r"(aw), [hp] "+r"(hp), [yp] "+r"(yp), [acc] "=&r"(acc), [base] "=&r"(base), [dw] "=&r"(dw), \
          [x] "=&r"(x), [t1] "=&r"(t1), [t2] "=&r"(t2)                          \
        : [rp] "r"(rec), [half] "r"(half), [hmax] "r"(h_max), [nhmax] "r"(nh_max) \
        : "memory")

/* B' and C' of one n (byte offset k of B and C) into the pairs (N is a multiple of 4) */
#define HCC_SCAN_PAIR(k)                                                          \
    "l8ui %[t1], %[bp], " #k "\n\t"                                               \
    "xor %[t1], %[t1], %[c80]\n\t"                                                \
    "sub %[t1], %[t1], %[zb]\n\t"                                                 \
    "s16i %[t1], %[rp], 4*" #k "\n\t"                                             \
    "l8ui %[t1], %[cp], " #k "\n\t"                                               \
    "xor %[t1], %[t1], %[c80]\n\t"                                                \
    "sub %[t1], %[t1], %[zc]\n\t"                                                 \
    "s16i %[t1], %[rp], 4*" #k "+2\n\t"

/* Every token on Xtensa for N in {4, 8, 16}: the pairs and the token block on the stack (rec,
 * then the block), every d of a token in one asm statement (13 registers). The block's fields
 * that do not move with the token (u_row - y_row and r_row - y_row too: all three advance by
 * D) are written once per call. 0 for other N. */
static int scan_tokens_asm(const int8_t *u, const int8_t *dt_raw, const int8_t *B, const int8_t *C, int8_t *y,
                           int32_t *h, int32_t L, int32_t D, int32_t N, const hcc_scan_params_t *p,
                           int32_t half, int32_t bias_out)
{
    union {
        int32_t align;
        int16_t rec[2 * 16 + sizeof(scan_token_block_t) / 2];
    } mem;
    int16_t *const rec = mem.rec;
    scan_token_block_t *const blk = (scan_token_block_t *)(rec + 2 * N);
    const int32_t h_max = p->h_max, nh_max = -p->h_max, zb128 = p->z_b + 128, zc128 = p->z_c + 128, c80 = 0x80;
    int32_t acc, base, dw, x, t1, t2, t;
    if (!(N == 4 || N == 8 || N == 16) || D < 1) return 0;
    blk->u_off = (int32_t)((uintptr_t)u - (uintptr_t)y);
    blk->r_off = (int32_t)((uintptr_t)dt_raw - (uintptr_t)y);
    blk->dt_rec = p->dt_rec;
    blk->unused = 0;
    blk->exp_table = p->exp_table;
    blk->z_u = p->z_u;
    blk->k_in = p->k_in;
    blk->m_y = p->m_y;
    blk->bias_out = bias_out;
    blk->s_o = p->s_o;
    for (t = 0; t < L; ++t, B += N, C += N, y += D) {
        const uint32_t *aw = (const uint32_t *)p->a_word;
        int32_t *hp = h;
        int8_t *yp = y;
        {   /* the token's (B', C') pairs, four n a pass: bytes as x + 128 (xor 0x80) minus z + 128 */
            const int8_t *bp = B, *cp = C, *const b_end = B + N;
            int16_t *rp = rec;
            __asm__ volatile(
                "20:\n\t"
                HCC_SCAN_PAIR(0) HCC_SCAN_PAIR(1) HCC_SCAN_PAIR(2) HCC_SCAN_PAIR(3)
                "addi %[bp], %[bp], 4\n\t"
                "addi %[cp], %[cp], 4\n\t"
                "addi %[rp], %[rp], 16\n\t"
                "bne %[bp], %[end], 20b\n\t"
                : [bp] "+r"(bp), [cp] "+r"(cp), [rp] "+r"(rp), [t1] "=&r"(t1)
                : [end] "r"(b_end), [c80] "r"(c80), [zb] "r"(zb128), [zc] "r"(zc128)
                : "memory");
        }
        blk->y_end = y + D;
        blk->m_d_off = (int32_t)((uintptr_t)p->m_d - 4u * (uintptr_t)y);
        if (N == 4) {
            HCC_SCAN_TOKEN_ASM(HCC_SCAN_STATES4(0), 16);
        } else if (N == 8) {
            HCC_SCAN_TOKEN_ASM(HCC_SCAN_STATES8(0), 32);
        } else {
            HCC_SCAN_TOKEN_ASM(HCC_SCAN_STATES16(0), 64);
        }
    }
    (void)acc; (void)base; (void)dw; (void)x; (void)t1; (void)t2;
    return 1;
}
#endif

void hcc_selective_scan_s8(const int8_t *u, const int8_t *dt_raw, const int8_t *B, const int8_t *C,
                           int8_t *y, int32_t *h, int L, int D, int N, const hcc_scan_params_t *p)
{
    const int32_t k_in = p->k_in, h_max = p->h_max, z_u = p->z_u, z_b = p->z_b, z_c = p->z_c;
    const int32_t m_y = p->m_y, s_o = p->s_o;
    /* z_out and the rounding of the readout, in 2^-s_o output LSB */
    const int32_t bias_out = p->z_out * ((int32_t)1 << s_o) + (s_o > 0 ? (int32_t)1 << (s_o - 1) : 0);
    /* the input term rounds half up: (v + half) >> k_in, and v itself for k_in = 0 */
    const int32_t half = k_in > 0 ? (int32_t)1 << (k_in - 1) : 0;
    int16_t *const rec = (int16_t *)(h + (size_t)D * (size_t)N);
    int t, d, n;

    for (n = 0; n < D * N; ++n) h[n] = 0;
#if HCC_XTENSA_KERNELS
    if (scan_tokens_asm(u, dt_raw, B, C, y, h, L, D, N, p, half, bias_out)) return;
#endif

    for (t = 0; t < L; ++t) {
        const int8_t *const u_row = u + (size_t)t * (size_t)D;
        const int8_t *const r_row = dt_raw + (size_t)t * (size_t)D;
        const int8_t *const b_row = B + (size_t)t * (size_t)N;
        const int8_t *const c_row = C + (size_t)t * (size_t)N;
        int8_t *const y_row = y + (size_t)t * (size_t)D;
        const uint32_t *aw = (const uint32_t *)p->a_word;
        int32_t *hp = h;

        for (n = 0; n < N; ++n) {
            rec[2 * n] = (int16_t)((int32_t)b_row[n] - z_b);
            rec[2 * n + 1] = (int16_t)((int32_t)c_row[n] - z_c);
        }
        for (d = 0; d < D; ++d, aw += N, hp += N) {
            const uint8_t byte = (uint8_t)r_row[d];                     /* the tables' index */
            const int32_t u_c = (int32_t)u_row[d] - z_u;
            const int32_t *const dr = p->dt_rec + 2 * (size_t)byte;
            const uint32_t dw = (uint32_t)dr[1];
            const int32_t x = (int32_t)(dw >> 16) * u_c;                 /* |x| < 2^22 */
            const int32_t acc = scan_states(hp, rec, N, aw, p->exp_table + (uint32_t)dr[0] / 2u, dw, x, half, h_max,
                                            k_in);
            y_row[d] = scan_readout(acc, m_y, u_c, p->m_d[d], bias_out, s_o);
        }
    }
}
