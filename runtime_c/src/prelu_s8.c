/* PRelu with a constant slope of any broadcastable shape (spec hcc/kernels/prelu.py): one
 * multiplier for x >= z_in, one per slope element below it; the slope's index comes from
 * the broadcast's b strides. */
#include "hcc_runtime.h"

typedef struct {
    const hcc_prelu_params_t *p;
    const int8_t *x;
    const int32_t *m_neg, *s_neg;
    int8_t *y;
} prelu_ctx_t;

static void prelu_row(const void *ctx, int32_t x_offset, int32_t x_step, int32_t slope_offset, int32_t slope_step,
                      int32_t y_offset, int32_t n) {
    const prelu_ctx_t *c = (const prelu_ctx_t *)ctx;
    const hcc_prelu_params_t *p = c->p;
    const int8_t *x = c->x + x_offset;
    const int32_t *m_neg = c->m_neg + slope_offset, *s_neg = c->s_neg + slope_offset;
    int8_t *y = c->y + y_offset;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t d = x[i * x_step] - p->z_in;
        y[i] = d >= 0 ? hcc_requantize_s8_inline(d, p->m_pos, p->s_pos, p->z_out, p->act_min, p->act_max)
                      : hcc_requantize_s8_inline(d, m_neg[i * slope_step], s_neg[i * slope_step], p->z_out,
                                                 p->act_min, p->act_max);
    }
}

void hcc_prelu_s8(const hcc_prelu_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *x,
                  const int32_t *m_neg, const int32_t *s_neg, int8_t *output) {
    prelu_ctx_t c;
    c.p = p;
    c.x = x;
    c.m_neg = m_neg;
    c.s_neg = s_neg;
    c.y = output;
    hcc_broadcast_rows(shape, prelu_row, &c);
}
