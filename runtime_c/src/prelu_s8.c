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

#if !HCC_XTENSA_KERNELS
/* The element count where x is contiguous and the slope one value (every b stride 0), else 0. */
static int32_t scalar_slope_count(const hcc_broadcast_shape_t *shape) {
    int32_t k, n = 1;
    for (k = shape->rank - 1; k >= 0; --k) {
        if (shape->b_strides[k] != 0 || (shape->dims[k] > 1 && shape->a_strides[k] != n)) return 0;
        n *= shape->dims[k];
    }
    return n;
}
#endif

void hcc_prelu_s8(const hcc_prelu_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *x,
                  const int32_t *m_neg, const int32_t *s_neg, int8_t *output) {
    prelu_ctx_t c;
#if !HCC_XTENSA_KERNELS
    /* On the host, a one-slope PRelu over many elements (U-Net's) is a function of the byte:
     * its 256 outputs by prelu_row itself, then the table op (vectorized: host_dw_s8.c). */
    const int32_t n = scalar_slope_count(shape);
    if (n >= 1024) {
        int8_t ramp[256], table[256];
        int32_t i;
        for (i = 0; i < 256; ++i) ramp[i] = (int8_t)(i - 128);
        c.p = p;
        c.x = ramp;
        c.m_neg = m_neg;
        c.s_neg = s_neg;
        c.y = table;
        prelu_row(&c, 0, 1, 0, 0, 0, 256);
        hcc_lut_s8(x, n, table, output);
        return;
    }
#endif
    c.p = p;
    c.x = x;
    c.m_neg = m_neg;
    c.s_neg = s_neg;
    c.y = output;
    hcc_broadcast_rows(shape, prelu_row, &c);
}
