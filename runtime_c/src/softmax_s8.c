/* int8 softmax over one axis (docs/numerics.md, softmax): integer only, no libm.
 *
 * q + 128 = floor((512 e + S) / (2 S)) = floor(256 e / S + 1/2) exactly. When S < 2^24 (rows up
 * to 512 elements always) from one multiply by a reciprocal of S's top 16 bits and one exact
 * check: with S = Sm 2^es + low (Sm in [2^15, 2^16)) and R = floor(2^31 / Sm),
 * q0 = (e R) >> (23 + es) is floor(256 e / S + err), |err| < 2^-7 (R and Sm each off by less
 * than 2^-15 relative, 256 e / S <= 256), so q0 is the quotient or one below it;
 * r = 512 e - S - 2 S q0 >= 0 says it is one below (2 S q0 <= 512 e < 2^25). Longer rows keep
 * the shift-and-subtract division. */
#include "hcc_kernels.h"

#if HCC_XTENSA_KERNELS
/* one element at byte k: x + 128 = u ^ 0x80, d = max - x, e = T[d], q0, the check, the store:
 * 16 instructions (15 when q0 is the quotient) */
#define SOFTMAX_TERM(k)                                                           \
    "l8ui %[e], %[pi], " #k "\n\t"                                                \
    "xor %[e], %[e], %[c80]\n\t"                                                  \
    "sub %[e], %[xm], %[e]\n\t"                                                   \
    "addx2 %[e], %[e], %[tab]\n\t"                                                \
    "l16ui %[e], %[e], 0\n\t"                                                     \
    "mull %[q], %[e], %[r]\n\t"                                                   \
    "srl %[q], %[q]\n\t"                                                          \
    "slli %[e], %[e], 9\n\t"                                                      \
    "sub %[e], %[e], %[s]\n\t"                                                    \
    "mull %[t], %[q], %[s2]\n\t"                                                  \
    "sub %[e], %[e], %[t]\n\t"                                                    \
    "bltz %[e], 1f\n\t"                                                           \
    "addi %[q], %[q], 1\n\t"                                                      \
    "1:\n\t"                                                                      \
    "addi %[q], %[q], -128\n\t"                                                   \
    "blti %[q], 128, 2f\n\t"                                                      \
    "movi %[q], 127\n\t"                                                          \
    "2:\n\t"                                                                      \
    "s8i %[q], %[po], " #k "\n\t"
#endif

/* One softmax of n elements `stride` apart. */
static void softmax_row(const int8_t *input, int32_t n, int32_t stride, const uint16_t *exp_table,
                        int8_t *output) {
    int32_t i, x_max = -128;
    uint32_t sum = 0u;
    if (stride == 1) {  /* the usual last-axis row: no index multiply for GCC to keep */
        for (i = 0; i < n; ++i) x_max = input[i] > x_max ? input[i] : x_max;
        for (i = 0; i < n; ++i) sum += exp_table[x_max - input[i]];
    } else {
        for (i = 0; i < n; ++i) x_max = input[i * stride] > x_max ? input[i * stride] : x_max;
        for (i = 0; i < n; ++i) sum += exp_table[x_max - input[i * stride]];
    }
    /* sum >= exp_table[0] = 2^15 > 0 */
    if (sum < (1u << 24)) {
        const int32_t es = 16 - __builtin_clz(sum);  /* bitlen(sum) - 16, in [0, 8] */
        const uint32_t recip = hcc_udiv_u32(0x80000000u, sum >> es, 17);
        const int32_t sh = 23 + es;
        i = 0;
#if HCC_XTENSA_KERNELS
        if (stride == 1 && n >= 2) {
            const int8_t *pi = input, *const end = input + (n & ~(int32_t)1);
            int8_t *po = output;
            int32_t e, q, t;
            __asm__ volatile(
                "ssr %[sh]\n\t"
                "4:\n\t"
                SOFTMAX_TERM(0) SOFTMAX_TERM(1)
                "addi %[pi], %[pi], 2\n\t"
                "addi %[po], %[po], 2\n\t"
                "bne %[pi], %[end], 4b\n\t"
                : [pi] "+r"(pi), [po] "+r"(po), [e] "=&r"(e), [q] "=&r"(q), [t] "=&r"(t)
                : [end] "r"(end), [c80] "r"(0x80), [xm] "r"(x_max + 128), [tab] "r"(exp_table), [r] "r"(recip),
                  [s] "r"(sum), [s2] "r"(2u * sum), [sh] "r"(sh)
                : "memory");
            i = n & ~(int32_t)1;
        }
#endif
        for (; i < n; ++i) {
            const uint32_t e = exp_table[x_max - input[i * stride]];
            int32_t q = (int32_t)((e * recip) >> sh);
            if ((int32_t)(512u * e - sum - 2u * sum * (uint32_t)q) >= 0) q += 1;
            output[i * stride] = (int8_t)(q - 128 > 127 ? 127 : q - 128);
        }
        return;
    }
    /* a quotient <= 256: 9 shift-subtract steps */
    for (i = 0; i < n; ++i) {
        const uint32_t e = exp_table[x_max - input[i * stride]];
        const int32_t q = (int32_t)hcc_udiv_u32(512u * e + sum, 2u * sum, 9);
        output[i * stride] = hcc_saturate_s8(q - 128);
    }
}

void hcc_softmax_s8(const int8_t *input, int32_t rows, int32_t n, const uint16_t *exp_table,
                    int8_t *output) {
    int32_t r;
    for (r = 0; r < rows; ++r) {
        softmax_row(input, n, 1, exp_table, output);
        input += n;
        output += n;
    }
}

void hcc_softmax_axis_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, const uint16_t *exp_table,
                         int8_t *output) {
    int32_t o, j;
    for (o = 0; o < outer; ++o) {
        for (j = 0; j < inner; ++j) softmax_row(input + j, n, inner, exp_table, output + j);
        input += n * inner;
        output += n * inner;
    }
}
