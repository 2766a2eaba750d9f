/* Elementwise product under any broadcast (docs/numerics.md, mul; spec hcc/kernels/mul.py):
 * hcc_mul_s8's numbers, walked by hcc_broadcast_rows. */
#include "hcc_runtime.h"

typedef struct {
    const hcc_mul_params_t *p;
    int32_t fast;           /* q holds the hoisted requantization (as in mul_s8.c) */
    hcc_requant_hoisted_t q;
    const int8_t *a, *b;
    int8_t *y;
} mul_ctx_t;

static void mul_row(const void *ctx, int32_t a_offset, int32_t a_step, int32_t b_offset, int32_t b_step,
                    int32_t y_offset, int32_t n) {
    const mul_ctx_t *c = (const mul_ctx_t *)ctx;
    const hcc_mul_params_t *p = c->p;
    const int8_t *a = c->a + a_offset, *b = c->b + b_offset;
    int8_t *y = c->y + y_offset;
    int32_t i;
    if (c->fast) {
        for (i = 0; i < n; ++i) y[i] = hcc_requant_hoisted(&c->q, (a[i * a_step] - p->z_a) * (b[i * b_step] - p->z_b));
        return;
    }
    for (i = 0; i < n; ++i)
        y[i] = hcc_requantize_s8((a[i * a_step] - p->z_a) * (b[i * b_step] - p->z_b), p->mult, p->shift, p->z_out,
                                 p->act_min, p->act_max);
}

void hcc_mul_broadcast_s8(const hcc_mul_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a,
                          const int8_t *b, int8_t *output) {
    mul_ctx_t c;
    c.p = p;
    c.a = a;
    c.b = b;
    c.y = output;
    /* |(a - z_a)(b - z_b)| <= 255^2 < 2^16 */
    c.fast = hcc_requant_hoist(&c.q, p->mult, p->shift, p->z_out, p->act_min, p->act_max,
                               hcc_s8_max_diff(p->z_a) * hcc_s8_max_diff(p->z_b));
    hcc_broadcast_rows(shape, mul_row, &c);
}
