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

/* The single-input-channel 3x3 conv with stride_w 2, then a 2x2 / stride 2 maxpool whose
 * windows all lie inside the conv output, without residual (the first layer of an image
 * model): see mono_pool_block. */
static int is_mono_pool(const hcc_conv2d_pool_params_t *p) {
    const hcc_conv2d_params_t *c = &p->conv;
    const hcc_pool_params_t *q = &p->pool;
    return is_3x3(c) && c->in_c == 1 && c->groups == 1 && c->dilation_h == 1 && c->dilation_w == 1 &&
           c->stride_w == 2 && !p->has_residual && p->has_pool && q->k_h == 2 && q->k_w == 2 &&
           q->stride_h == 2 && q->stride_w == 2 && q->pad_top == 0 && q->pad_left == 0 &&
           2 * q->out_h <= c->out_h && 2 * q->out_w <= c->out_w;
}

/* mono_pool_block's scratch: int32 window accumulators [out_c][pool.out_w], then the three
 * input rows of one conv row as int16 [4 pool.out_w + 1][3] (padding included). */
static size_t mono_pool_bytes(const hcc_conv2d_pool_params_t *p) {
    const size_t best = (size_t)p->conv.out_c * (size_t)p->pool.out_w * sizeof(int32_t);
    return best + (((size_t)(4 * p->pool.out_w + 1) * 3u * sizeof(int16_t) + 3u) & ~(size_t)3u);
}

static size_t ring_bytes(const hcc_conv2d_pool_params_t *p) {
    const size_t row = (size_t)p->conv.out_w * (size_t)p->conv.out_c;
    const size_t ring = p->has_pool ? (size_t)p->pool.k_h * row : 0u;
    return (ring + 3u) & ~(size_t)3u;  /* the 3x3 kernel's scratch after it stays 4-byte aligned */
}

size_t hcc_conv2d_pool_s8_scratch_size(const hcc_conv2d_pool_params_t *p) {
    if (is_mono_pool(p)) return mono_pool_bytes(p);
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

/* is_mono_pool: 9 multiplies per conv output, so the generic path's patch gathering and
 * per-output requantization dominate it. Here, per conv row, its three input rows are
 * converted once to int16 minus z_in, padding as 0, interleaved column by column (tap
 * (ky, kx) of the pixel at column j is x[3 (j + kx) + ky]: constant offsets, no bounds
 * checks), and per channel the nine weights stay in registers over the whole row. The four
 * accumulators (bias included) of a pooling window are reduced before one requantization.
 * Bit-exact with requantizing first: requantize (round half away from zero of acc m / 2^s),
 * the zero point and the clamps are nondecreasing in acc for m >= 0 and nonincreasing for
 * m < 0, so the max of the four outputs is the output of the max accumulator (of the min
 * one for m < 0: computed as the max of -acc, with the weights and bias negated). */
static void mono_pool_block(const hcc_conv2d_pool_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                            int8_t *output) {
    const hcc_conv2d_params_t *c = &p->conv;
    const int32_t out_c = c->out_c, pw = p->pool.out_w, z = c->z_in, wp = 4 * pw + 1;
    int32_t *const best = (int32_t *)scratch;
    int16_t *const rows = (int16_t *)(best + out_c * pw);
    int32_t oy, py, ky, j, k, ox;
    for (oy = 0; oy < p->pool.out_h; ++oy) {
        int8_t *const out = output + oy * pw * out_c;
        for (j = 0; j < out_c * pw; ++j) best[j] = INT32_MIN;
        for (py = 0; py < 2; ++py) {
            for (ky = 0; ky < 3; ++ky) {
                const int32_t iy = (2 * oy + py) * c->stride_h - c->pad_top + ky;
                int16_t *dst = rows + ky;
                if (iy < 0 || iy >= c->in_h) {
                    for (j = 0; j < wp; ++j) dst[3 * j] = 0;
                } else {
                    /* columns j < j0 and j >= j1 are padding (input column j - pad_left) */
                    const int8_t *src = input + iy * c->in_w;
                    const int32_t j0 = c->pad_left < wp ? c->pad_left : wp;
                    const int32_t j1 = c->in_w + c->pad_left < wp ? c->in_w + c->pad_left : wp;
                    int16_t *const d1 = dst + 3 * j1, *const d2 = dst + 3 * wp;
                    int16_t *const d0 = dst + 3 * j0;
                    for (; dst != d0; dst += 3) *dst = 0;
                    for (; dst != d1; dst += 3) *dst = (int16_t)(*src++ - z);
                    for (; dst != d2; dst += 3) *dst = 0;
                }
            }
            for (k = 0; k < out_c; ++k) {
                const int8_t *const w = weights + 9 * k;
                /* w[ky 3 + kx] multiplies x[3 kx + ky]; the bias is added at the requantization */
                const int32_t neg = mult[k] < 0 ? -1 : 1;
                const int32_t w0 = neg * w[0], w1 = neg * w[3], w2 = neg * w[6], w3 = neg * w[1], w4 = neg * w[4],
                              w5 = neg * w[7], w6 = neg * w[2], w7 = neg * w[5], w8 = neg * w[8];
                const int16_t *x = rows;
                int32_t *acc = best + k * pw;
                int32_t *const acc_end = acc + pw;
                for (; acc != acc_end; ++acc, x += 12) {
                    int32_t m = *acc, v;
                    v = w0 * x[0] + w1 * x[1] + w2 * x[2] + w3 * x[3] + w4 * x[4] + w5 * x[5] + w6 * x[6] +
                        w7 * x[7] + w8 * x[8];
                    /* one pixel at a time: interleaving the two spills registers on lx106 */
                    __asm__ __volatile__("" : "+r"(v) : : "memory");
                    m = v > m ? v : m;
                    v = w0 * x[6] + w1 * x[7] + w2 * x[8] + w3 * x[9] + w4 * x[10] + w5 * x[11] + w6 * x[12] +
                        w7 * x[13] + w8 * x[14];
                    *acc = v > m ? v : m;
                }
            }
        }
        for (k = 0; k < out_c; ++k) {
            const int32_t m = mult[k], s = shift[k], neg = m < 0, b = bias ? bias[k] : 0;
            for (ox = 0; ox < pw; ++ox) {
                const int32_t v = best[k * pw + ox];
                out[ox * out_c + k] = hcc_requantize_s8_inline(neg ? b - v : b + v, m, s, c->z_out, c->act_min,
                                                               c->act_max);
            }
        }
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
    if (is_mono_pool(p)) {
        mono_pool_block(p, input, weights, bias, mult, shift, (int16_t *)scratch, output);
        return;
    }
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
