/* The host's depthwise conv, pooling and layout kernels (host_dw_s8.c): every target but the
 * lx106, called from the top of the portable kernels where they apply. Private to runtime_c/src. */
#ifndef HCC_HOST_DW_S8_H
#define HCC_HOST_DW_S8_H

#include <stdint.h>

#include "hcc_kernels.h"

#if !HCC_XTENSA_KERNELS
/* Rows [row_begin, row_end) of a depthwise conv (groups == in_c == out_c, weights OHWI
 * [C, KH, KW, 1]) straight from the NHWC input, no scratch. words: mult / shift are the
 * compiler's words (hcc_dwconv2d_s8_direct_rows), else the multipliers and shifts. Returns 0
 * where it does not apply (more than HCC_HOST_DW_TAPS taps). */
#define HCC_HOST_DW_TAPS 49
/* hcc_dwconv2d_host_s8_rows' stack copy of the input rows, padded: at most HCC_HOST_DW_SLOTS
 * rows in HCC_HOST_DW_PAD_BYTES (HOST_DW_PAD_BYTES, HOST_DW_SLOTS in hcc/ops/fused_conv2d.py,
 * which takes only the convs whose window's rows fit) */
#define HCC_HOST_DW_PAD_BYTES 32768
#define HCC_HOST_DW_SLOTS 64
int hcc_host_dwconv_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int words, int32_t row_begin, int32_t row_end,
                         int8_t *out_rows);

/* hcc_transpose_inplace_s8 (visited: its scratch, (rows cols + 7) / 8 bytes) by block copies;
 * returns 0 where it does not apply (see host_dw_s8.c) */
int hcc_host_transpose_inplace_s8(int8_t *data, int32_t rows, int32_t cols, uint8_t *visited);

/* hcc_maxpool_s8_row (any window, stride, padding) a whole pixel's channels a vector; 0 where
 * the instructions are absent */
int hcc_host_maxpool_s8_row(const hcc_pool_params_t *p, const int8_t *rows, int32_t n_rows, int8_t *out_row);

/* hcc_lut_s8 vectorized; 0 where the instructions are absent */
int hcc_host_lut_s8(const int8_t *input, int32_t size, const int8_t *table, int8_t *output);

/* hcc_mul_s8's hoisted requantization (q) over rows x channels, b per element (b_rows) or per
 * channel; 0 where the instructions are absent */
int hcc_host_mul_rows_s8(const hcc_requant_hoisted_t *q, int32_t z_a, int32_t z_b, const int8_t *a, const int8_t *b,
                         int32_t rows, int32_t channels, int b_rows, int8_t *out);
#endif

#endif
