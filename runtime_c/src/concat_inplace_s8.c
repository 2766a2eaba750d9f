/* In-place concatenation of int8 tensors that lie one after the other in the output's buffer
 * ("views into a parent buffer": the memory planner gives the input in slot t the bytes from
 * outer * (inner_sizes[0] + ... + inner_sizes[t-1]) on; the slots need not follow the
 * inputs' order). Viewed as [outer, inner_t] each, they become [outer, C] (C = the sum of the
 * inner sizes) by following the permutation's cycles, as hcc_transpose_inplace_s8 does, in
 * units of `unit` bytes: the unit at row o, column c of slot t goes to o C + columns[t] + c
 * (columns[t]: where that input's columns start in an output row). One bit per unit marks
 * the moved ones; two unit-sized buffers carry the bytes along a cycle. A slot whose input is
 * on another grid than the output is first requantized where it is, through its table
 * (tables[t]; NULL: none), as hcc_concat_s8 does while it copies. */
#include <string.h>

#include "hcc_movement.h"

size_t hcc_concat_inplace_s8_scratch_size(const int32_t *inner_sizes, int32_t n_inputs, int32_t outer, int32_t unit) {
    int32_t t, total = 0;
    for (t = 0; t < n_inputs; ++t) total += inner_sizes[t];
    return ((size_t)outer * (size_t)(total / unit) + 7u) / 8u + 2u * (size_t)unit;
}

/* Where the unit at i goes (total = C in units). */
static uint32_t destination(uint32_t i, const int32_t *inner_sizes, const int32_t *columns, int32_t n_inputs,
                            uint32_t outer, uint32_t unit, uint32_t total) {
    uint32_t start = 0;
    int32_t t;
    for (t = 0; t < n_inputs; ++t) {
        const uint32_t n = (uint32_t)inner_sizes[t] / unit, size = outer * n;
        if (i < start + size) {
            const uint32_t local = i - start, row = local / n;
            return row * total + (uint32_t)columns[t] / unit + (local - row * n);
        }
        start += size;
    }
    return i;
}

void hcc_concat_inplace_s8(int8_t *data, const int32_t *inner_sizes, const int32_t *columns,
                           const int8_t *const *tables, int32_t n_inputs, int32_t outer, int32_t unit, uint8_t *scratch) {
    const uint32_t u = (uint32_t)unit;
    uint32_t total = 0, n, start, i;
    int32_t t;
    uint8_t *visited = scratch;
    int8_t *carried, *moved;
    for (t = 0; t < n_inputs; ++t) {
        const size_t size = (size_t)outer * (size_t)inner_sizes[t];
        if (tables != NULL && tables[t] != NULL) {
            int8_t *slot = data + (size_t)outer * (size_t)total * u, *end = slot + size;
            for (; slot < end; ++slot) *slot = tables[t][*slot + 128];
        }
        total += (uint32_t)inner_sizes[t] / u;
    }
    n = (uint32_t)outer * total;
    if (n_inputs <= 1) return;  /* the input already is the output */
    carried = (int8_t *)(scratch + (n + 7u) / 8u);
    moved = carried + u;
    memset(visited, 0, (n + 7u) / 8u);
    for (start = 0; start < n; ++start) {
        if (visited[start >> 3] & (1u << (start & 7u))) continue;
        visited[start >> 3] = (uint8_t)(visited[start >> 3] | (1u << (start & 7u)));
        i = destination(start, inner_sizes, columns, n_inputs, (uint32_t)outer, u, total);
        if (i == start) continue;
        memcpy(carried, data + (size_t)start * u, u);
        do {
            int8_t *swap;
            memcpy(moved, data + (size_t)i * u, u);
            memcpy(data + (size_t)i * u, carried, u);
            swap = carried;
            carried = moved;
            moved = swap;
            visited[i >> 3] = (uint8_t)(visited[i >> 3] | (1u << (i & 7u)));
            i = destination(i, inner_sizes, columns, n_inputs, (uint32_t)outer, u, total);
        } while (i != start);
        memcpy(data + (size_t)start * u, carried, u);
    }
}
