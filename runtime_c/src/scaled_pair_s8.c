/* Add, Sub, Max and Min under any broadcast: two operands brought to the output's grid by
 * two 16-bit multipliers with one shift, combined, rounded once (docs/numerics.md, add and
 * max/min; specs hcc/kernels/add.py and minmax.py). */
#include "hcc_runtime.h"

enum { PAIR_ADD, PAIR_MAX, PAIR_MIN };

typedef struct {
    const hcc_add_params_t *p;
    int32_t combine;        /* PAIR_ADD, PAIR_MAX or PAIR_MIN */
    int32_t fast;           /* q holds the hoisted rounding */
    hcc_shift_hoisted_t q;
    const int8_t *a, *b;
    int8_t *y;
} pair_ctx_t;

static inline int32_t combine(int32_t how, int32_t ta, int32_t tb) {
    if (how == PAIR_ADD) return ta + tb;
    if (how == PAIR_MAX) return ta > tb ? ta : tb;
    return ta < tb ? ta : tb;
}

/* One row with `how` a constant at each call site below, so each combine gets its own loop. */
static inline void pair_loop(const pair_ctx_t *c, int32_t how, const int8_t *a, int32_t a_step, const int8_t *b,
                             int32_t b_step, int8_t *y, int32_t n) {
    const hcc_add_params_t *p = c->p;
    int32_t i;
    if (c->fast) {
        for (i = 0; i < n; ++i)
            y[i] = hcc_shift_hoisted(&c->q, combine(how, (a[i * a_step] - p->z_a) * p->m_a,
                                                    (b[i * b_step] - p->z_b) * p->m_b));
        return;
    }
    for (i = 0; i < n; ++i) {
        const int32_t acc = combine(how, (a[i * a_step] - p->z_a) * p->m_a, (b[i * b_step] - p->z_b) * p->m_b);
        y[i] = hcc_clamp_s8(p->z_out + hcc_round_shift(acc, p->shift), p->act_min, p->act_max);
    }
}

static void pair_row(const void *ctx, int32_t a_offset, int32_t a_step, int32_t b_offset, int32_t b_step,
                     int32_t y_offset, int32_t n) {
    const pair_ctx_t *c = (const pair_ctx_t *)ctx;
    const int8_t *a = c->a + a_offset, *b = c->b + b_offset;
    int8_t *y = c->y + y_offset;
    if (c->combine == PAIR_ADD)
        pair_loop(c, PAIR_ADD, a, a_step, b, b_step, y, n);
    else if (c->combine == PAIR_MAX)
        pair_loop(c, PAIR_MAX, a, a_step, b, b_step, y, n);
    else
        pair_loop(c, PAIR_MIN, a, a_step, b, b_step, y, n);
}

static uint32_t magnitude(int32_t m) {
    return m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
}

static void pair(int32_t how, const hcc_add_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a,
                 const int8_t *b, int8_t *output) {
    pair_ctx_t c;
    c.p = p;
    c.combine = how;
    c.a = a;
    c.b = b;
    c.y = output;
    /* |(x - z) m| <= 255 * 2^15 for |m| <= 2^15: the bound of either term and of their sum */
    c.fast = magnitude(p->m_a) <= 0x8000u && magnitude(p->m_b) <= 0x8000u &&
             hcc_shift_hoist(&c.q, p->shift, p->z_out, p->act_min, p->act_max,
                             hcc_s8_max_diff(p->z_a) * magnitude(p->m_a) + hcc_s8_max_diff(p->z_b) * magnitude(p->m_b));
    hcc_broadcast_rows(shape, pair_row, &c);
}

void hcc_add_broadcast_s8(const hcc_add_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a,
                          const int8_t *b, int8_t *output) {
    pair(PAIR_ADD, p, shape, a, b, output);
}

void hcc_max_s8(const hcc_add_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a, const int8_t *b,
                int8_t *output) {
    pair(PAIR_MAX, p, shape, a, b, output);
}

void hcc_min_s8(const hcc_add_params_t *p, const hcc_broadcast_shape_t *shape, const int8_t *a, const int8_t *b,
                int8_t *output) {
    pair(PAIR_MIN, p, shape, a, b, output);
}
