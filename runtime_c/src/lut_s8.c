/* int8 -> int8 lookup-table op (Sigmoid, SiLU, Tanh, ...: the table is built at compile time;
 * also Mul by a scalar, whose table hcc_mul_s8 builds). */
#include "hcc_kernels.h"

#if defined(__XTENSA__)
/* One element at byte offset k: the input byte u, u ^ 0x80 = x + 128 the index. */
#define LUT_TERM(k)                                                               \
    "l8ui %[t], %[pi], " #k "\n\t"                                                \
    "xor %[t], %[t], %[c80]\n\t"                                                  \
    "add %[t], %[t], %[tab]\n\t"                                                  \
    "l8ui %[t], %[t], 0\n\t"                                                      \
    "s8i %[t], %[po], " #k "\n\t"
#endif

void hcc_lut_s8(const int8_t *input, int32_t size, const int8_t *table, int8_t *output) {
    int32_t i;
#if defined(__XTENSA__)
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
