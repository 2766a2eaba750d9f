/* PRelu with TFLM's arithmetic; spec: tflite_numerics.prelu_int8 (reference_ops::BroadcastPrelu4DSlow):
 * an int8 alpha of any broadcastable shape, indexed through the broadcast's b strides. */
#include "hcc_tflm.h"

typedef struct {
    const hcc_tflm_prelu_params_t *p;
    const int8_t *x, *alpha;
    int8_t *y;
} tflm_prelu_ctx_t;

static void tflm_prelu_row(const void *ctx, int32_t x_offset, int32_t x_step, int32_t a_offset, int32_t a_step,
                           int32_t y_offset, int32_t n) {
    const tflm_prelu_ctx_t *c = (const tflm_prelu_ctx_t *)ctx;
    const hcc_tflm_prelu_params_t *p = c->p;
    const int8_t *x = c->x + x_offset, *alpha = c->alpha + a_offset;
    int8_t *y = c->y + y_offset;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t d = x[i * x_step] - p->z_in;
        const int32_t q = p->z_out + (d >= 0 ? hcc_tflm_mbqm(d, p->m_pos, p->s_pos)
                                             : hcc_tflm_mbqm(d * (alpha[i * a_step] - p->z_alpha), p->m_neg, p->s_neg));
        y[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
    }
}

void hcc_tflm_prelu_s8(const hcc_tflm_prelu_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *x,
                       const int8_t *alpha, int8_t *output) {
    tflm_prelu_ctx_t c;
    c.p = p;
    c.x = x;
    c.alpha = alpha;
    c.y = output;
    hcc_broadcast_rows(shape, tflm_prelu_row, &c);
}
