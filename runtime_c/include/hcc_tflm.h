/* TensorFlow Lite Micro's integer arithmetic, for models imported from full-int8 .tflite
 * files (docs/numerics.md, "The TFLite path"). The specification is
 * hcc/quant/tflite_numerics.py; every function here computes the same integers.
 *
 * Shifts follow TFLite's convention: shift > 0 multiplies by 2^shift, shift < 0 divides.
 * Multipliers and shifts come from tflite_numerics.quantize_multiplier (and its per-kernel
 * derivations). Like hcc_kernels.h: no allocation, no division instruction, no 64-bit
 * multiply helper (lx106's libgcc has none); preconditions are the caller's.
 */
#ifndef HCC_TFLM_H
#define HCC_TFLM_H

#include "hcc_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tflm_fixed_point_s8.c ------------------------------------------------------------ */

/* gemmlowp SaturatingRoundingDoublingHighMul: floor(a * b / 2^31 + 1/2); INT32_MIN^2 -> INT32_MAX. */
int32_t hcc_tflm_srdhm(int32_t a, int32_t b);

/* gemmlowp RoundingDivideByPOT: x / 2^exponent, halves away from zero; exponent in [0, 31]. */
int32_t hcc_tflm_rdbpot(int32_t x, int32_t exponent);

/* MultiplyByQuantizedMultiplier, double rounding (TFLM's build):
 * rdbpot(srdhm(x * 2^max(shift, 0), m), max(-shift, 0)); the left shift wraps as in TFLM. */
int32_t hcc_tflm_mbqm(int32_t x, int32_t m, int32_t shift);

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a), Q0.31 in and out (a >= 0). */
int32_t hcc_tflm_one_over_one_plus_x(int32_t a);

/* ---- tflm_conv_s8.c: Conv2D and DepthwiseConv2D (groups == in_c) ------------------------- */

/* hcc_conv2d_params_t as for hcc_conv2d_s8 (OHWI weights, padding contributes 0); the output
 * stage is clamp(mbqm(acc, mult[c], shift[c]) + z_out, act_min, act_max). bias may be NULL. */
void hcc_tflm_conv_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output);

/* ---- tflm_fully_connected_s8.c ---------------------------------------------------------- */

/* output[r, j] = clamp(mbqm(bias[j] + sum_i (in[r, i] - z_in) * w[j, i], mult[j], shift[j]) + z_out);
 * a per-tensor model passes its one (mult, shift) repeated n times. bias may be NULL. */
void hcc_tflm_fully_connected_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                 int8_t *output);

/* ---- tflm_add_s8.c: Add and Sub ------------------------------------------------------------ */

typedef struct {
    int32_t z_a, z_b, z_out;
    int32_t left_shift;                 /* 20 for int8 */
    int32_t m_a, shift_a, m_b, shift_b;  /* each input to 2 max(s_a, s_b) / 2^left_shift */
    int32_t m_out, shift_out;            /* the sum to the output scale */
    int32_t act_min, act_max;
    int32_t subtract;                   /* 1: a - b (Sub) */
} hcc_tflm_add_params_t;

/* q = clamp(mbqm(mbqm((a - z_a) 2^ls, m_a, s_a) +- mbqm((b - z_b) 2^ls, m_b, s_b), m_out, s_out) + z_out). */
void hcc_tflm_add_s8(const hcc_tflm_add_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                     int32_t channels, hcc_broadcast_t b_kind, int8_t *output);

/* ---- tflm_mul_s8.c ------------------------------------------------------------------------- */

/* q = clamp(mbqm((a - z_a) (b - z_b), mult, shift) + z_out); hcc_mul_params_t with TFLite shifts. */
void hcc_tflm_mul_s8(const hcc_mul_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                     int32_t channels, hcc_broadcast_t b_kind, int8_t *output);

/* ---- tflm_avgpool_s8.c --------------------------------------------------------------------- */

/* The raw codes summed over the window's elements inside the input (input and output share
 * their quantization), divided by their count n as (sum +- n/2) / n truncated (halves away
 * from zero), clamped to [act_min, act_max]. */
void hcc_tflm_avgpool_s8(const hcc_pool_params_t *p, const int8_t *input, int32_t act_min,
                         int32_t act_max, int8_t *output);

/* ---- tflm_mean_s8.c ------------------------------------------------------------------------ */

/* input [outer, count, inner] -> [outer, inner]: q = saturate(mbqm(sum - z_in count, mult, shift)
 * + z_out), (mult, shift) = tflite_numerics.mean_multiplier (the count already divided in). */
void hcc_tflm_mean_s8(const int8_t *input, int32_t outer, int32_t count, int32_t inner, int32_t z_in,
                      int32_t z_out, int32_t mult, int32_t shift, int8_t *output);

/* ---- tflm_softmax_s8.c ----------------------------------------------------------------------- */

/* Softmax over the last axis, output scale 1/256, zero point -128. exp_table[d] (256 entries)
 * is exp of the scaled input difference -d in Q0.31, 0 where -d < diff_min
 * (tflite_numerics.softmax_exp_table); elements with -d < diff_min give -128. */
void hcc_tflm_softmax_s8(const int8_t *input, int32_t rows, int32_t n, const int32_t *exp_table,
                         int32_t diff_min, int8_t *output);

/* ---- tflm_conv_transpose_s8.c ------------------------------------------------------------------ */

/* TransposeConv (hcc_conv_transpose2d_s8's geometry and weights [out_c, k_h, k_w, in_c / groups])
 * with the output stage clamp(mbqm(acc, mult[c], shift[c]) + z_out, act_min, act_max); acc:
 * out_c int32 of scratch. bias may be NULL. */
void hcc_tflm_conv_transpose2d_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                                  const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t *acc,
                                  int8_t *output);

/* ---- tflm_prelu_s8.c ----------------------------------------------------------------------- */

/* d = x - z_in; q = saturate(z_out + (d >= 0 ? mbqm(d, m_pos, s_pos) : mbqm(d (alpha - z_alpha), m_neg, s_neg)))
 * (tflite_numerics.prelu_int8), alpha indexed through shape's b strides (a is x, the result's
 * shape). output may be x. */
typedef struct {
    int32_t z_in, z_alpha, z_out;
    int32_t m_pos, s_pos, m_neg, s_neg;
} hcc_tflm_prelu_params_t;

void hcc_tflm_prelu_s8(const hcc_tflm_prelu_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *x,
                       const int8_t *alpha, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif
