/* The host's pointwise convs (host_pw_s8.c): every target but the lx106, called from the top
 * of hcc_conv2d_host_s8_rows where they apply. Private to runtime_c/src. */
#ifndef HCC_HOST_PW_S8_H
#define HCC_HOST_PW_S8_H

#include <stdint.h>

#include "hcc_kernels.h"

#if !HCC_XTENSA_KERNELS
/* Rows [row_begin, row_end) of a groups-1 conv in the host layout (HCC_WEIGHTS_HOST) that is
 * 1x1 without padding, in_c a multiple of 4 up to HCC_HOST_PW_TERMS, every shift in [32, 47]:
 * the same outputs as hcc_conv2d_host_s8_rows. Returns 0 (nothing written) where it does not
 * apply or the instructions (AVX-512 VNNI, BW, VL) are absent. */
#define HCC_HOST_PW_TERMS 1024
int hcc_host_pw_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, int32_t row_begin, int32_t row_end, int8_t *out_rows);
#endif

#endif
