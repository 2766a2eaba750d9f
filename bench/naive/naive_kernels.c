/* Naive stand-ins for the hot kernels, for `hcc bench`'s speed baseline: the generated model
 * is linked with these instead of runtime_c/src/conv2d_3x3_s8.c and fully_connected_s8.c.
 * Plain nested loops over the same numbers (bias + sum (x - z_in) w, then the one
 * requantization), so the outputs stay bit-exact while the cost is that of textbook C. */
#include <stdint.h>

#include "hcc_kernels.h"

/* The dense path's contract, kept naively: the k_h input rows an output row reads are copied
 * into scratch first (k_h slots tagged with the row they hold; a row the next output row
 * shares stays), as hcc_conv2d_dense_s8_rows does, so the output may overwrite input rows
 * already read (inplace-conv places such convs one output row below their input). Each slot
 * holds the columns the conv reads, padding as z_in (it adds 0). Less scratch than the
 * optimised kernel's (int16 rows, weights, records), so it fits the planned size. */
static int32_t window_row_bytes(const hcc_conv2d_params_t *p) {
    return ((p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1) * p->in_c;
}

size_t hcc_conv2d_dense_s8_scratch_size(const hcc_conv2d_params_t *p) {
    if (!hcc_conv2d_takes_dense(p)) return 0u;
    return (size_t)p->k_h * (sizeof(int32_t) + (size_t)window_row_bytes(p));
}

/* Input row iy (outside the input: all padding) into a slot. */
static void copy_row(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy, int8_t *slot) {
    const int32_t len = window_row_bytes(p), first = p->pad_left * p->in_c;
    int32_t i;
    for (i = 0; i < len; ++i) {
        const int32_t at = i - first;
        slot[i] = iy >= 0 && iy < p->in_h && at >= 0 && at < p->in_w * p->in_c
                      ? input[iy * p->in_w * p->in_c + at] : (int8_t)p->z_in;
    }
}

/* Whether a slot holds one of the rows output row `oy` reads. */
static int holds_a_row_of(const hcc_conv2d_params_t *p, int32_t tag, int32_t oy) {
    int32_t ky;
    for (ky = 0; ky < p->k_h; ++ky) {
        if (tag == oy * p->stride_h - p->pad_top + ky * p->dilation_h) return 1;
    }
    return 0;
}

void hcc_conv2d_dense_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                              const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                              int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    const int32_t len = window_row_bytes(p), n = p->k_h * p->k_w * p->in_c;
    int32_t *tags = (int32_t *)scratch;
    int8_t *slots = (int8_t *)(tags + p->k_h);
    const int8_t *rows[HCC_DENSE_MAX_KH];
    int32_t oy, ox, c, ky, kx, i, slot;
    if (row_begin == 0) {
        for (slot = 0; slot < p->k_h; ++slot) tags[slot] = INT32_MIN;  /* no row held */
    }
    for (oy = row_begin; oy < row_end; ++oy, out_rows += p->out_w * p->out_c) {
        for (ky = 0; ky < p->k_h; ++ky) {
            const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
            for (slot = 0; slot < p->k_h && tags[slot] != iy; ++slot) {
            }
            if (slot == p->k_h) {  /* not held: into a slot that holds none of this output row's rows */
                for (slot = 0; holds_a_row_of(p, tags[slot], oy); ++slot) {
                }
                tags[slot] = iy;
                copy_row(p, input, iy, slots + slot * len);
            }
            rows[ky] = slots + slot * len;
        }
        for (ox = 0; ox < p->out_w; ++ox) {
            for (c = 0; c < p->out_c; ++c) {
                const int8_t *w = weights + c * n;
                int32_t acc = bias ? bias[c] : 0;
                for (ky = 0; ky < p->k_h; ++ky) {
                    for (kx = 0; kx < p->k_w; ++kx) {
                        const int8_t *in = rows[ky] + (ox * p->stride_w + kx * p->dilation_w) * p->in_c;
                        for (i = 0; i < p->in_c; ++i) acc += (in[i] - p->z_in) * *w++;
                    }
                }
                out_rows[ox * p->out_c + c] = hcc_requantize_s8(acc, mult[c], shift[c], p->z_out, p->act_min,
                                                                p->act_max);
            }
        }
    }
}

size_t hcc_conv2d_3x3_s8_scratch_size(const hcc_conv2d_params_t *p) {
    return hcc_conv2d_dense_s8_scratch_size(p);
}

/* The 3x3 entry point of the streaming conv block: the dense convs as above (they may overlap
 * their input), the others as the general nested-loop conv. */
void hcc_conv2d_3x3_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, const int32_t *mult,
                            const int32_t *shift, void *scratch, int32_t row_begin,
                            int32_t row_end, int8_t *out_rows) {
    if (hcc_conv2d_takes_dense(p)) {
        hcc_conv2d_dense_s8_rows(p, input, weights, bias, mult, shift, scratch, row_begin, row_end, out_rows);
    } else {
        hcc_conv2d_s8_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows);
    }
}

void hcc_conv2d_3x3_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *mult, const int32_t *shift,
                       void *scratch, int8_t *output) {
    hcc_conv2d_3x3_s8_rows(p, input, weights, bias, mult, shift, scratch, 0, p->out_h, output);
}

size_t hcc_fully_connected_s8_scratch_size(const hcc_fc_params_t *p) {
    (void)p;
    return 0u;
}

void hcc_fully_connected_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift,
                            void *scratch, int8_t *output) {
    int32_t r, j, i;
    (void)scratch;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * p->k;
        for (j = 0; j < p->n; ++j) {
            const int8_t *w = weights + j * p->k;
            int32_t acc = bias ? bias[j] : 0;
            for (i = 0; i < p->k; ++i) acc += (in[i] - p->z_in) * w[i];
            output[j] = hcc_requantize_s8(acc, mult[j], shift[j], p->z_out, p->act_min, p->act_max);
        }
        output += p->n;
    }
}

/* A split layer as one naive call per part on its rows of weights. */
void hcc_fully_connected_parts_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                                  const int32_t *bias, const int32_t *mult, const int32_t *shift, const int32_t *parts,
                                  int32_t n_parts, void *scratch, int8_t *const *outputs) {
    int32_t j, c;
    for (j = 0, c = 0; j < n_parts; c += parts[4 * j], ++j) {
        hcc_fc_params_t q = *p;
        q.n = parts[4 * j];
        q.z_out = parts[4 * j + 1];
        q.act_min = parts[4 * j + 2];
        q.act_max = parts[4 * j + 3];
        hcc_fully_connected_s8(&q, input, weights + c * p->k, bias ? bias + c : NULL, mult + c, shift + c, scratch,
                               outputs[j]);
    }
}

/* The blocked one-row layout (hcc_kernels.h): sum_i (w + 128) (x + 128) - 128 sum_i (x + 128)
 * on the folded bias, in 32-bit wrap-around. */
void hcc_fully_connected_row_s8(const hcc_fc_params_t *p, const int8_t *input, const uint8_t *weights,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                int8_t *output) {
    int32_t r, j, i;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * p->k;
        for (j = 0; j < p->n; ++j) {
            const int32_t block = j & ~3, m = p->n - block < 4 ? p->n - block : 4;
            const uint8_t *w = weights + block * p->k + (j - block);
            /* mult / shift: the compiler's words (hcc_kernels.h); the multiplier and shift from them */
            const int32_t sh = shift[j] & 31;
            const int32_t mj = sh ? (int32_t)((uint32_t)mult[j] - (((uint32_t)mult[j] & 0x8000u) << 1)) : mult[j];
            uint32_t acc = (uint32_t)bias[j];
            for (i = 0; i < p->k; ++i) acc += (uint32_t)(w[i * m] * (in[i] + 128)) - 128u * (uint32_t)(in[i] + 128);
            output[j] = hcc_requantize_s8((int32_t)acc, mj, sh ? sh + 16 : shift[j] >> 5, p->z_out, p->act_min,
                                          p->act_max);
        }
        output += p->n;
    }
}
