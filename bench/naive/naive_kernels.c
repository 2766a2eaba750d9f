/* Naive stand-ins for the hot kernels, for `hcc bench`'s speed baseline: the generated model
 * is linked with these instead of runtime_c/src/conv2d_3x3_s8.c and fully_connected_s8.c.
 * Plain nested loops over the same numbers (bias + sum (x - z_in) w, then the one
 * requantization), so the outputs stay bit-exact while the cost is that of textbook C. */
#include "hcc_kernels.h"

size_t hcc_conv2d_3x3_s8_scratch_size(const hcc_conv2d_params_t *p) {
    (void)p;
    return 0u;
}

/* The 3x3 entry point of the streaming conv block, as the general nested-loop conv. */
void hcc_conv2d_3x3_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, const int32_t *mult,
                            const int32_t *shift, void *scratch, int32_t row_begin,
                            int32_t row_end, int8_t *out_rows) {
    (void)scratch;
    hcc_conv2d_s8_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows);
}

size_t hcc_conv2d_dense_s8_scratch_size(const hcc_conv2d_params_t *p) {
    (void)p;
    return 0u;
}

/* The dense (groups 1) entry point, likewise. */
void hcc_conv2d_dense_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                              const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                              int32_t row_begin, int32_t row_end, int8_t *out_rows) {
    (void)scratch;
    hcc_conv2d_s8_rows(p, input, weights, bias, mult, shift, row_begin, row_end, out_rows);
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
