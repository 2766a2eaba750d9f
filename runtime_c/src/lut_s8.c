/* int8 -> int8 lookup-table op (Sigmoid, SiLU, Tanh, ...: the table is built at compile time;
 * also Mul by a scalar, whose table hcc_mul_s8 builds). */
#include "hcc_kernels.h"
#include "host_dw_s8.h"

#if HCC_XTENSA_KERNELS
/* One element at byte offset k: the input byte u, u ^ 0x80 = x + 128 the index. */
#define LUT_TERM(k)                                                               \
    "l8ui %[t], %[pi], " #k "\n\t"                                                \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "add %[t], %[t], %[tab]\n\t"                                                  \
    "l8ui %[t], %[t], 0\n\t"                                                      \
    "s8i %[t], %[po], " #k "\n\t"
#if defined(__XTENSA_EL__)
/* The byte at bit offset b of the word w (little-endian: the element at byte b / 8), already
 * xor 0x80: its table entry to output byte k. */
#define LUT_WORD_BYTE(b, k)                                                       \
    "extui %[t], %[w], " #b ", 8\n\t"                                             \
    "add %[t], %[t], %[tab]\n\t"                                                  \
    "l8ui %[t], %[t], 0\n\t"                                                      \
    "s8i %[t], %[po], " #k "\n\t"
/* Four elements from one word load at byte offset k: one xor 0x80808080 for all four. */
#define LUT_WORD(k)                                                               \
    "l32i %[w], %[pi], " #k "\n\t"                                                \
    "xor %[w], %[w], %[c80]\n\t"                                                  \
    LUT_WORD_BYTE(0, k) LUT_WORD_BYTE(8, k + 1) LUT_WORD_BYTE(16, k + 2)          \
    "srli %[t], %[w], 24\n\t"                                                     \
    "add %[t], %[t], %[tab]\n\t"                                                  \
    "l8ui %[t], %[t], 0\n\t"                                                      \
    "s8i %[t], %[po], " #k " + 3\n\t"
#endif
#endif

void hcc_lut_s8(const int8_t *input, int32_t size, const int8_t *table, int8_t *output) {
    int32_t i;
#if !HCC_XTENSA_KERNELS
    if (hcc_host_lut_s8(input, size, table, output)) return;
#endif
#if HCC_XTENSA_KERNELS
#if defined(__XTENSA_EL__)
    /* a word-aligned input, eight elements a pass from two word loads: 4.9 instructions an
     * element */
    if (size >= 8 && ((uintptr_t)input & 3u) == 0) {
        const int8_t *const end = input + (size & ~(int32_t)7);
        int32_t t, w;
        __asm__ volatile(
            "1:\n\t"
            LUT_WORD(0) LUT_WORD(4)
            "addi %[pi], %[pi], 8\n\t"
            "addi %[po], %[po], 8\n\t"
            "bne %[pi], %[end], 1b\n\t"
            : [pi] "+r"(input), [po] "+r"(output), [t] "=&r"(t), [w] "=&r"(w)
            : [end] "r"(end), [c80] "r"((int32_t)0x80808080u), [tab] "r"(table)
            : "memory");
        size &= 7;
    }
#endif
    /* four elements a pass, 5.75 instructions an element (GCC's loop: 9) */
    if (size >= 4) {
        const int8_t *const end = input + (size & ~(int32_t)3);
        int32_t t;
        __asm__ volatile(
            "1:\n\t"
            LUT_TERM(0) LUT_TERM(1) LUT_TERM(2) LUT_TERM(3)
            "addi %[pi], %[pi], 4\n\t"
            "addi %[po], %[po], 4\n\t"
            "bne %[pi], %[end], 1b\n\t"
            : [pi] "+r"(input), [po] "+r"(output), [t] "=&r"(t)
            : [end] "r"(end), [c80] "r"(0x80), [tab] "r"(table)
            : "memory");
        size &= 3;
    }
#endif
    for (i = 0; i < size; ++i) output[i] = table[input[i] + 128];
}
