/* Streaming fused block: conv [+ residual add] [+ activation] [+ maxpool], row by row.
 *
 * With pooling, the scratch holds only the conv-output rows (after add and activation) that
 * the current pooling window spans, in order: slot 0 is the window's first row. Moving to the
 * next window drops the rows above it and shifts the rows it shares with the previous one
 * down (none for the common 2x2 / stride 2), then computes the missing rows below. Without
 * pooling, rows go straight to the output. The numbers are those of the separate kernels,
 * which this file calls: hcc_conv2d_s8_rows / hcc_conv2d_3x3_s8_rows, hcc_add_s8 and
 * hcc_maxpool_s8_row. */
#include "hcc_kernels.h"

static int is_3x3(const hcc_conv2d_params_t *conv) { return conv->k_h == 3 && conv->k_w == 3; }

static size_t ring_bytes(const hcc_conv2d_pool_params_t *p) {
    const size_t row = (size_t)p->conv.out_w * (size_t)p->conv.out_c;
    const size_t ring = p->has_pool ? (size_t)p->pool.k_h * row : 0u;
    return (ring + 3u) & ~(size_t)3u;  /* the 3x3 kernel's scratch after it stays 4-byte aligned */
}

size_t hcc_conv2d_pool_s8_scratch_size(const hcc_conv2d_pool_params_t *p) {
    return ring_bytes(p) + (is_3x3(&p->conv) ? hcc_conv2d_3x3_s8_scratch_size(&p->conv) : 0u);
}

/* Conv-output row `row` after the residual add and activation, written to dst. */
static void block_row(const hcc_conv2d_pool_params_t *p, const int8_t *input,
                      const int8_t *weights, const int32_t *bias, const int32_t *mult,
                      const int32_t *shift, const int8_t *residual, void *conv_scratch, int32_t row,
                      int8_t *dst) {
    const int32_t row_size = p->conv.out_w * p->conv.out_c;
    if (is_3x3(&p->conv)) {
        hcc_conv2d_3x3_s8_rows(&p->conv, input, weights, bias, mult, shift, conv_scratch, row, row + 1,
                               dst);
    } else {
        hcc_conv2d_s8_rows(&p->conv, input, weights, bias, mult, shift, row, row + 1, dst);
    }
    if (p->has_residual) {
        /* in place: hcc_add_s8 reads each element before writing it */
        hcc_add_s8(&p->add, dst, residual + row * row_size, 1, row_size, HCC_BROADCAST_NONE, dst);
    }
}

void hcc_conv2d_pool_s8(const hcc_conv2d_pool_params_t *p, const int8_t *input,
                        const int8_t *weights, const int32_t *bias, const int32_t *mult,
                        const int32_t *shift, const int8_t *residual, void *scratch,
                        int8_t *output) {
    const int32_t row_size = p->conv.out_w * p->conv.out_c;
    int8_t *ring = (int8_t *)scratch;
    void *conv_scratch = (unsigned char *)scratch + ring_bytes(p);
    int32_t oy, row, i;
    int32_t first = 0, held = 0;  /* the ring holds conv rows first .. first + held - 1 */
    if (!p->has_pool) {
        for (row = 0; row < p->conv.out_h; ++row) {
            block_row(p, input, weights, bias, mult, shift, residual, conv_scratch, row,
                      output + row * row_size);
        }
        return;
    }
    for (oy = 0; oy < p->pool.out_h; ++oy) {
        const int32_t iy0 = oy * p->pool.stride_h - p->pool.pad_top;
        const int32_t y_begin = iy0 < 0 ? 0 : iy0;
        const int32_t y_end = iy0 + p->pool.k_h > p->conv.out_h ? p->conv.out_h : iy0 + p->pool.k_h;
        const int32_t n_rows = y_end > y_begin ? y_end - y_begin : 0;
        if (n_rows > 0) {
            const int32_t drop = y_begin - first;  /* >= 0: windows only move down */
            if (drop >= held) {
                held = 0;
            } else if (drop > 0) {
                held -= drop;
                for (i = 0; i < held * row_size; ++i) ring[i] = ring[i + drop * row_size];
            }
            first = y_begin;
            for (row = first + held; row < y_end; ++row, ++held) {
                block_row(p, input, weights, bias, mult, shift, residual, conv_scratch, row,
                          ring + held * row_size);
            }
        }
        hcc_maxpool_s8_row(&p->pool, ring, n_rows, output + oy * p->pool.out_w * p->conv.out_c);
    }
}
