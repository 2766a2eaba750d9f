/* In-place transpose of a rows x cols int8 matrix (a layout change such as NCHW -> NHWC
 * with batch 1: [C, H*W] -> [H*W, C]) by following the permutation's cycles, so a tensor
 * changes layout without a second copy of it in the arena.
 *
 * The element at i = r cols + c goes to j = c rows + r, that is j = i rows mod (n - 1)
 * for 0 < i < n - 1 (elements 0 and n - 1 stay). Each cycle is walked once from its first
 * unvisited element, carrying one value; `visited` (n bits) marks the moved ones. */
#include "hcc_kernels.h"
#include "host_dw_s8.h"

/* Where the element at i (0 < i < n - 1) goes. Few rows: i rows minus a few multiples of
 * n - 1 (no divide); otherwise from the coordinates, one hcc_udiv_u32. */
static uint32_t destination(uint32_t i, uint32_t rows, uint32_t cols, uint32_t last) {
    if (rows <= 16u) {
        uint32_t j = i * rows;  /* < rows (n - 1) <= 16 (n - 1): no overflow for n < 2^28 */
        while (j >= last) j -= last;
        return j;
    } else {
        const uint32_t r = hcc_udiv_u32(i, cols, 32);
        return (i - r * cols) * rows + r;
    }
}

/* The cycle through start (not yet visited), its elements marked as moved. Inlined twice, so
 * that the few-rows test of destination() is decided once per call, not per element. */
static inline void walk_cycle(int8_t *data, uint8_t *visited, uint32_t start, uint32_t rows, uint32_t cols,
                              uint32_t last) {
    int8_t carried = data[start];
    uint32_t i = start;
    do {
        const uint32_t j = destination(i, rows, cols, last);
        const int8_t moved = data[j];
        data[j] = carried;
        carried = moved;
        visited[j >> 3] = (uint8_t)(visited[j >> 3] | (1u << (j & 7u)));
        i = j;
    } while (i != start);
}

size_t hcc_transpose_inplace_s8_scratch_size(int32_t rows, int32_t cols) {
    return ((size_t)rows * (size_t)cols + 7u) / 8u;
}

void hcc_transpose_inplace_s8(int8_t *data, int32_t rows, int32_t cols, uint8_t *visited) {
    const uint32_t n = (uint32_t)rows * (uint32_t)cols, last = n - 1u;
    uint32_t first, start, i;
    if (rows <= 1 || cols <= 1) return;  /* a vector: the same bytes */
#if !HCC_XTENSA_KERNELS
    if (hcc_host_transpose_inplace_s8(data, rows, cols, visited)) return;
#endif
    for (i = 0; i < (n + 7u) / 8u; ++i) visited[i] = 0;
    /* eight starts a visited byte: a byte whose elements have all moved is skipped whole */
    for (first = 0; first < last; first += 8u) {
        const uint32_t stop = first + 8u < last ? first + 8u : last;
        if (visited[first >> 3] == 0xFFu) continue;
        for (start = first ? first : 1u; start < stop; ++start) {
            if (visited[start >> 3] & (1u << (start & 7u))) continue;
            if (rows <= 16) {
                walk_cycle(data, visited, start, (uint32_t)rows, (uint32_t)cols, last);
            } else {
                walk_cycle(data, visited, start, (uint32_t)rows, (uint32_t)cols, last);
            }
        }
    }
}
