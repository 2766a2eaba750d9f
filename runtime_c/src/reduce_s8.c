/* int8 mean and max over the middle axis of [outer, n, inner]. */
#include "hcc_pool.h"

#if HCC_XTENSA_KERNELS && defined(__XTENSA_EL__)
/* sums[0..3] += sum over k < n of (x + 128) for four neighbouring channels, word-aligned rows
 * `stride` bytes apart: one word load a row, the bytes as x + 128 (xor 0x80808080) in two
 * 16-bit lanes each (bytes 0, 2 and 1, 3), 2.25 instructions an element; n <= 257 keeps a
 * lane below 2^16. */
static void mean_columns4(const int8_t *p, int32_t n, int32_t stride, uint32_t *sums) {
    const int8_t *const end = p + n * stride;
    uint32_t even = 0, odd = 0, w, t;
    __asm__ volatile(
        "1:\n\t"
        "l32i %[w], %[p], 0\n\t"
        "xor %[w], %[w], %[c80]\n\t"
        "and %[t], %[w], %[mask]\n\t"
        "add %[even], %[even], %[t]\n\t"
        "srli %[w], %[w], 8\n\t"
        "and %[w], %[w], %[mask]\n\t"
        "add %[odd], %[odd], %[w]\n\t"
        "add %[p], %[p], %[st]\n\t"
        "bne %[p], %[end], 1b\n\t"
        : [p] "+r"(p), [even] "+r"(even), [odd] "+r"(odd), [w] "=&r"(w), [t] "=&r"(t)
        : [end] "r"(end), [st] "r"(stride), [c80] "r"(0x80808080u), [mask] "r"(0x00FF00FFu)
        : "memory");
    sums[0] += even & 0xFFFFu;
    sums[1] += odd & 0xFFFFu;
    sums[2] += even >> 16;
    sums[3] += odd >> 16;
}
#endif

#if !HCC_XTENSA_KERNELS
#include "host_paths.h"

/* The host's mean: a block of channels' sums, row after row (the column walk of the generic
 * loop below does not vectorize: a global average pool is n rows of inner contiguous bytes),
 * then hcc_host_requant_s8 (exact; its own fallback outside the 32-bit form's range). Rows
 * narrower than half a block are summed `group` at a time as one wider row, then folded. */
#define HCC_MEAN_BLOCK 256
static void mean_block_host(const int8_t *input, int32_t n, int32_t inner, int32_t len, int32_t z_in,
                            int32_t z_out, int32_t mult, int32_t shift, int8_t *output) {
    const int32_t group = len == inner ? HCC_MEAN_BLOCK / inner : 1, width = group * len;
    uint32_t sums[HCC_MEAN_BLOCK];
    int32_t mults[HCC_MEAN_BLOCK], shifts[HCC_MEAN_BLOCK], c, k, g;
    for (c = 0; c < width; ++c) sums[c] = 0u;
    for (k = 0; k + group <= n; k += group) {
        const int8_t *restrict row = input + k * inner;
        uint32_t *restrict acc = sums;
        for (c = 0; c < width; ++c) acc[c] += (uint32_t)(int32_t)row[c];
    }
    for (; k < n; ++k) {
        const int8_t *restrict row = input + k * inner;
        uint32_t *restrict acc = sums;
        for (c = 0; c < len; ++c) acc[c] += (uint32_t)(int32_t)row[c];
    }
    for (g = 1; g < group; ++g) {
        for (c = 0; c < len; ++c) sums[c] += sums[g * len + c];
    }
    for (c = 0; c < len; ++c) {
        sums[c] -= (uint32_t)(n * z_in);
        mults[c] = mult;
        shifts[c] = shift;
    }
    hcc_host_requant_s8(sums, mults, shifts, len, z_out, -128, 127, output, 1);
}
#endif

void hcc_mean_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, int32_t z_in,
                 int32_t z_out, int32_t mult, int32_t shift, int8_t *output) {
#if !HCC_XTENSA_KERNELS
    int32_t o, i;
    for (o = 0; o < outer; ++o, input += n * inner, output += inner) {
        for (i = 0; i < inner; i += HCC_MEAN_BLOCK) {
            const int32_t len = inner - i < HCC_MEAN_BLOCK ? inner - i : HCC_MEAN_BLOCK;
            mean_block_host(input + i, n, inner, len, z_in, z_out, mult, shift, output + i);
        }
    }
#else
    int32_t o, i, k;
    for (o = 0; o < outer; ++o, input += n * inner) {
        i = 0;
#if defined(__XTENSA_EL__)
        /* four channels at a time down word-aligned columns: sum x = sum (x + 128) - 128 n */
        if (n >= 1 && (inner & 3) == 0 && ((uintptr_t)input & 3u) == 0) {
            for (; i < inner; i += 4, output += 4) {
                uint32_t sums[4] = {0u, 0u, 0u, 0u};
                int32_t g;
                for (k = 0; k < n; k += 257) mean_columns4(input + i + k * inner, n - k < 257 ? n - k : 257, inner, sums);
                for (g = 0; g < 4; ++g)
                    output[g] = hcc_requantize_s8_inline((int32_t)sums[g] - n * (z_in + 128), mult, shift, z_out,
                                                         -128, 127);
            }
        }
#endif
        for (; i < inner; ++i) {
            const int8_t *in = input + i;
            int32_t sum = 0;
            for (k = 0; k < n; ++k, in += inner) sum += *in;
            *output++ = hcc_requantize_s8_inline(sum - n * z_in, mult, shift, z_out, -128, 127);
        }
    }
#endif
}

void hcc_reduce_max_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, int8_t *output) {
    int32_t o, i, k;
    for (o = 0; o < outer; ++o, input += n * inner) {
        for (i = 0; i < inner; ++i) {
            const int8_t *in = input + i;
            int8_t best = *in;
            for (k = 1; k < n; ++k) {
                in += inner;
                if (*in > best) best = *in;
            }
            *output++ = best;
        }
    }
}
