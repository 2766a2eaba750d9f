/* In-place concatenation of int8 tensors that lie one after the other in the output's buffer
 * ("views into a parent buffer": the memory planner gives the input in slot t the bytes from
 * outer * unit * (inner_units[0] + ... + inner_units[t-1]) on; the slots need not follow the
 * inputs' order). Viewed as [outer, inner_t] each, they become [outer, C] (C = the sum of
 * the inner sizes) by following the permutation's cycles, as hcc_transpose_inplace_s8 does,
 * in units of `unit` bytes: the unit at row o, column c of slot t goes to
 * o C + column_units[t] + c (column_units[t]: where that input's columns start in an output
 * row). One bit per unit marks the moved ones; two unit-sized buffers (4-byte aligned) carry
 * the bytes along a cycle. A slot whose input is on another grid than the output is first
 * requantized where it is, through its table (tables[t]; NULL: none), as hcc_concat_s8 does
 * while it copies. Sizes come in units, so the only divide is a unit's row (hcc_udiv_u32). */
#include <string.h>

#include "hcc_kernels.h"
#include "hcc_movement.h"

static uint32_t carry_offset(uint32_t units) {
    return ((units + 7u) / 8u + 3u) & ~3u;
}

size_t hcc_concat_inplace_s8_scratch_size(const int32_t *inner_units, int32_t n_inputs, int32_t outer, int32_t unit) {
    int32_t t, total = 0;
    for (t = 0; t < n_inputs; ++t) total += inner_units[t];
    return (size_t)carry_offset((uint32_t)outer * (uint32_t)total) + 2u * (size_t)unit;
}

/* Where the unit at i goes (total = C in units). */
static uint32_t destination(uint32_t i, const int32_t *inner_units, const int32_t *column_units, int32_t n_inputs,
                            uint32_t outer, int32_t row_bits, uint32_t total) {
    uint32_t start = 0;
    int32_t t;
    for (t = 0; t < n_inputs; ++t) {
        const uint32_t n = (uint32_t)inner_units[t], size = outer * n;
        if (i < start + size) {
            const uint32_t local = i - start, row = n == 1u ? local : hcc_udiv_u32(local, n, row_bits);
            return row * total + (uint32_t)column_units[t] + (local - row * n);
        }
        start += size;
    }
    return i;
}

static void copy_unit(int8_t *dst, const int8_t *src, uint32_t unit, int words) {
    uint32_t k;
    if (words) {
        uint32_t *d = (uint32_t *)(void *)dst;
        const uint32_t *s = (const uint32_t *)(const void *)src;
        for (k = 0; k < unit / 4u; ++k) d[k] = s[k];
    } else {
        for (k = 0; k < unit; ++k) dst[k] = src[k];
    }
}

#if !HCC_XTENSA_KERNELS
#define HOST_CONCAT_INPUTS 16

/* n bytes, a constant-size copy for the common piece sizes (no libc call per piece) */
static void copy_piece(int8_t *dst, const int8_t *src, uint32_t n) {
    if (n == 8u) {
        memcpy(dst, src, 8);
    } else if (n == 16u) {
        memcpy(dst, src, 16);
    } else {
        memcpy(dst, src, n);
    }
}

/* On the host, rows in blocks of b (b divides outer, b >= 2): 1. the concat over units of b
 * rows (u b bytes; the inputs' columns in slot order; this function again, whose scratch fits
 * within ours) brings each block's rows of every input together, [input t: b x inner_t units]
 * one after the other; 2. each block rewritten as b output rows through scratch. A cycle walk
 * over outer / b times fewer units (U-Net's two [4096, 8]-byte inputs: 64-row blocks).
 * Returns 0 where no b fits the scratch. */
static int host_concat(int8_t *data, const int32_t *inner_units, const int32_t *column_units, int32_t n_inputs,
                       uint32_t outer, uint32_t u, uint32_t total, uint8_t *scratch) {
    const size_t room = hcc_concat_inplace_s8_scratch_size(inner_units, n_inputs, (int32_t)outer, (int32_t)u);
    const uint32_t row_bytes = total * u;
    int32_t slot_columns[HOST_CONCAT_INPUTS], t;
    uint32_t b = 0, d, g, r;
    if (n_inputs > HOST_CONCAT_INPUTS) return 0;
    for (d = 2; d <= outer; ++d) {  /* the largest divisor whose block and walk fit the scratch */
        if (outer % d == 0u && (size_t)d * row_bytes <= room &&
            (size_t)carry_offset(outer / d * total) + 2u * (size_t)d * u <= room) {
            b = d;
        }
    }
    if (b == 0u) return 0;
    for (t = 0, d = 0; t < n_inputs; ++t) {
        slot_columns[t] = (int32_t)d;
        d += (uint32_t)inner_units[t];
    }
    hcc_concat_inplace_s8(data, inner_units, slot_columns, NULL, n_inputs, (int32_t)(outer / b), (int32_t)(b * u),
                          scratch);
    for (g = 0; g < outer / b; ++g) {
        int8_t *const block = data + (size_t)g * b * row_bytes;
        const int8_t *src = (const int8_t *)scratch;
        memcpy(scratch, block, (size_t)b * row_bytes);
        for (t = 0; t < n_inputs; ++t) {
            const uint32_t piece = (uint32_t)inner_units[t] * u;
            int8_t *dst = block + (uint32_t)column_units[t] * u;
            for (r = 0; r < b; ++r, src += piece, dst += row_bytes) copy_piece(dst, src, piece);
        }
    }
    return 1;
}
#endif

void hcc_concat_inplace_s8(int8_t *data, const int32_t *inner_units, const int32_t *column_units,
                           const int8_t *const *tables, int32_t n_inputs, int32_t outer, int32_t unit, uint8_t *scratch) {
    const uint32_t u = (uint32_t)unit;
    const int words = (u & 3u) == 0u && ((uintptr_t)data & 3u) == 0u && ((uintptr_t)scratch & 3u) == 0u;
    uint32_t total = 0, n, start, i;
    int32_t t, row_bits = 1;
    uint8_t *visited = scratch;
    int8_t *carried, *moved;
    for (t = 0; t < n_inputs; ++t) {
        const size_t size = (size_t)outer * (size_t)inner_units[t] * u;
        if (tables != NULL && tables[t] != NULL) {
            int8_t *slot = data + (size_t)outer * (size_t)total * u, *end = slot + size;
#if !HCC_XTENSA_KERNELS
            hcc_lut_s8(slot, (int32_t)size, tables[t], slot);  /* vectorized on the host */
            slot = end;
#endif
            for (; slot < end; ++slot) *slot = tables[t][*slot + 128];
        }
        total += (uint32_t)inner_units[t];
    }
    if (n_inputs <= 1) return;  /* the input already is the output */
#if !HCC_XTENSA_KERNELS
    if (host_concat(data, inner_units, column_units, n_inputs, (uint32_t)outer, u, total, scratch)) return;
#endif
    while (row_bits < 32 && ((uint32_t)outer >> row_bits) != 0u) ++row_bits;
    n = (uint32_t)outer * total;
    carried = (int8_t *)(scratch + carry_offset(n));
    moved = carried + u;
    for (i = 0; i < (n + 7u) / 8u; ++i) visited[i] = 0;
    for (start = 0; start < n; ++start) {
        if (visited[start >> 3] & (1u << (start & 7u))) continue;
        visited[start >> 3] = (uint8_t)(visited[start >> 3] | (1u << (start & 7u)));
        i = destination(start, inner_units, column_units, n_inputs, (uint32_t)outer, row_bits, total);
        if (i == start) continue;
        copy_unit(carried, data + (size_t)start * u, u, words);
        do {
            int8_t *swap;
            copy_unit(moved, data + (size_t)i * u, u, words);
            copy_unit(data + (size_t)i * u, carried, u, words);
            swap = carried;
            carried = moved;
            moved = swap;
            visited[i >> 3] = (uint8_t)(visited[i >> 3] | (1u << (i & 7u)));
            i = destination(i, inner_units, column_units, n_inputs, (uint32_t)outer, row_bits, total);
        } while (i != start);
        copy_unit(data + (size_t)start * u, carried, u, words);
    }
}
