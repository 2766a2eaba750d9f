/* Declarations of the broadcasting int8 elementwise kernels (any numpy broadcast of two
 * operands, hcc_broadcast_shape_t); included by hcc_runtime.h. The specifications are
 * hcc/kernels/add.py, mul.py, minmax.py and prelu.py (docs/numerics.md). hcc_add_s8 and
 * hcc_mul_s8 (hcc_kernels.h) stay the fast paths for a same-shape, per-channel or scalar
 * second operand; these take every other broadcast, and Sub, Max, Min and PRelu always. */
#ifndef HCC_ELEMENTWISE_H
#define HCC_ELEMENTWISE_H

#include "hcc_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* clamp(saturate(z_out + round_shift(acc, s)), act_min, act_max) for every |acc| <= bound,
 * everything that depends only on (s, z_out, act_min, act_max) computed once. With
 * c0 = 2^(s-1) + z_out 2^s the rounding (halves away from zero) is
 *   z_out + round_shift(acc, s) = (acc + c0 - [acc < 0]) >> s
 * (floor shifts: for acc < 0, -((-acc + 2^(s-1)) >> s) = (acc + 2^(s-1) - 1) >> s), exact
 * while bound + |c0| + 1 < 2^31; saturating and clamping is then one clamp to [lo, hi]. */
typedef struct {
    int32_t c0, s, lo, hi;
} hcc_shift_hoisted_t;

/* Fills q and returns 1 when hcc_shift_hoisted(q, acc) equals the expression above for every
 * |acc| <= bound; else 0 (the caller then takes hcc_clamp_s8 and hcc_round_shift). */
static inline int hcc_shift_hoist(hcc_shift_hoisted_t *q, int32_t s, int32_t z_out, int32_t act_min,
                                  int32_t act_max, uint32_t bound) {
    uint32_t c1;
    if (s < 1 || s > 30 || z_out < -128 || z_out > 127 || bound > 0x3FFFFFFFu) return 0;
    q->lo = act_min > -128 ? act_min : -128;
    q->hi = act_max < 127 ? act_max : 127;
    /* |c0| = |2 z_out + 1| 2^(s-1), |2 z_out + 1| <= 255 */
    c1 = z_out < 0 ? (uint32_t)(-2 * z_out - 1) : (uint32_t)(2 * z_out + 1);
    if (q->lo > q->hi || c1 > (0x7FFFFFFFu - bound - 1u) >> (s - 1)) return 0;
    q->c0 = z_out < 0 ? -(int32_t)(c1 << (s - 1)) : (int32_t)(c1 << (s - 1));
    q->s = s;
    return 1;
}

static inline int8_t hcc_shift_hoisted(const hcc_shift_hoisted_t *q, int32_t acc) {
    const int32_t v = (acc + q->c0 + (acc < 0 ? -1 : 0)) >> q->s;
    return (int8_t)(v < q->lo ? q->lo : (v > q->hi ? q->hi : v));
}

/* ---- scaled_pair_s8.c: Add, Sub, Max, Min ------------------------------------------------- */

/* The two operands brought to the output's grid by hcc_add_params_t's multipliers, combined,
 * and rounded once. hcc_add_s8's numbers under any broadcast:
 *   q = clamp(saturate(z_out + round_shift((a - z_a) m_a + (b - z_b) m_b, shift)))
 * m_a and m_b may be negative: Sub is this kernel with m_b = -m(s_b / s_out).
 * output may be a when a has the result's shape. */
void hcc_add_broadcast_s8(const hcc_add_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a,
                          const int8_t *b, int8_t *output);

/* Max and Min: both operands on the output's grid, compared before the one rounding (which
 * is monotonic, so this is the larger of the two requantized operands):
 *   q = clamp(saturate(z_out + round_shift(max((a - z_a) m_a, (b - z_b) m_b), shift)))
 * with (m_a, m_b, shift) = quantize_multiplier_q15_pair(s_a / s_out, s_b / s_out);
 * hcc_min_s8 likewise with min. output may be a when a has the result's shape. */
void hcc_max_s8(const hcc_add_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a, const int8_t *b,
                int8_t *output);
void hcc_min_s8(const hcc_add_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a, const int8_t *b,
                int8_t *output);

/* ---- mul_broadcast_s8.c ------------------------------------------------------------------ */

/* hcc_mul_s8's numbers (hcc_mul_params_t) under any broadcast:
 *   q = clamp(saturate(z_out + requantize((a - z_a)(b - z_b), mult, shift))).
 * output may be a when a has the result's shape. */
void hcc_mul_broadcast_s8(const hcc_mul_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a,
                          const int8_t *b, int8_t *output);

/* ---- prelu_s8.c -------------------------------------------------------------------------- */

/* PRelu with a constant slope: d = x - z_in, then
 *   q = requantize_s8(d, m_pos, s_pos)           for d >= 0   (m_pos, s_pos): s_in / s_out
 *   q = requantize_s8(d, m_neg[j], s_neg[j])     for d < 0    (m_neg[j], s_neg[j]): s_in slope[j] / s_out
 * with z_out and the clamp; j indexes the slope's elements through shape's b strides (a is x,
 * the result's shape). output may be x. */
typedef struct {
    int32_t z_in, z_out;
    int32_t m_pos, s_pos;
    int32_t act_min, act_max;
} hcc_prelu_params_t;

void hcc_prelu_s8(const hcc_prelu_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *x,
                  const int32_t *m_neg, const int32_t *s_neg, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* HCC_ELEMENTWISE_H */
