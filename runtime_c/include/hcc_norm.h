/* Declarations of the normalization kernels; included by hcc_runtime.h. */
#ifndef HCC_NORM_H
#define HCC_NORM_H

#include "hcc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Integer constants of one LayerNormalization (built by hcc/kernels/layernorm.py). */
typedef struct {
    int32_t z_x, z_y;        /* zero points of input and output */
    int32_t eps_term;        /* E = round(eps * C^2 / s_x^2), >= 1 */
    const int32_t *gamma_q;  /* [C] round(gamma / s_y * 2^(shift - 12)), |.| < 2^15 */
    const int32_t *beta_q;   /* [C] round(beta / s_y * 2^shift), |.| < 2^29 */
    int32_t shift;
} hcc_layernorm_params_t;

/* y[r, :] = layernorm(x[r, :]) for each of `rows` rows of `channels` (<= 128) int8 values.
 * Exact integer algorithm in hcc/kernels/layernorm.py: one isqrt and one 32-bit division
 * per row, 32-bit products only. input and output may be the same buffer. */
void hcc_layernorm_s8(const hcc_layernorm_params_t *p, const int8_t *input, int32_t rows, int32_t channels,
                      int8_t *output);

#ifdef __cplusplus
}
#endif

#endif
