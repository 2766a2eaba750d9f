/* Int8 GRU (docs/numerics.md, "Recurrent layers"; reference: hcc/kernels/recurrent.py, gru_s8).
 * The GEMVs run on the compiler's blocked weights (hcc_recurrent.h), a unit's gate rows side
 * by side, so that one pass over x (or h) gives every gate of the unit. */
#include <string.h>

#include "rnn_fixed_point.h"

size_t hcc_gru_s8_scratch_size(int32_t hidden, int32_t linear_before_reset) {
    /* h, the next h; with linear_before_reset = 0 also r * h and z (int16) */
    return (size_t)hidden * (linear_before_reset ? 2u : 5u);
}

/* h' = (1 - z) n + z h for one unit: in units of 2^-15 s_h, rounded once to h's grid. */
static inline int8_t gru_update(const hcc_rnn_s8_params_t *p, int32_t z, int32_t n, int32_t h) {
    const int32_t keep = hcc_rnn_partial(hcc_rnn_mul_q15(HCC_RNN_Q15_ONE - z, n), p->m_out, p->s_out);
    return hcc_saturate_s8(p->z_h + hcc_round_shift_inline(keep + z * (h - p->z_h), 15));
}

/* One step, linear_before_reset = 1: n = tanh(Wn x + Wbn + r (Rn h + Rbn)). Blocks of
 * [z, r, n] per unit in both w and r. */
static void gru_step_lbr(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, const int8_t *xt,
                         const int8_t *h, int8_t *h_next) {
    const int32_t input_size = p->input_size, hidden = p->hidden_size;
    const int16_t *const t_z = dp->tables, *const t_r = t_z + HCC_RNN_TABLE_SIZE, *const t_n = t_r + HCC_RNN_TABLE_SIZE;
    uint32_t sum_x, sum_h;
    int32_t j;
    for (j = 0; j < hidden; ++j) {
        int32_t px[3], ph[3], z, r, v;
        hcc_rnn_terms(xt, input_size, dp->w + (size_t)j * 3u * (size_t)input_size, 3, j, hidden, dp->offset_x,
                      dp->mult_x, dp->shift_x, j == 0, &sum_x, px);
        hcc_rnn_terms(h, hidden, dp->r + (size_t)j * 3u * (size_t)hidden, 3, j, hidden, dp->offset_h, dp->mult_h,
                      dp->shift_h, j == 0, &sum_h, ph);
        z = hcc_rnn_lookup(t_z, hcc_rnn_sat16(px[0] + dp->bias[j] + ph[0]), 0);
        r = hcc_rnn_lookup(t_r, hcc_rnn_sat16(px[1] + dp->bias[hidden + j] + ph[1]), 0);
        v = ph[2] + dp->bias_n[j];
        v = v < -HCC_RNN_PARTIAL_BOUND ? -HCC_RNN_PARTIAL_BOUND : (v > HCC_RNN_PARTIAL_BOUND ? HCC_RNN_PARTIAL_BOUND : v);
        h_next[j] = gru_update(p, z, hcc_rnn_lookup(t_n, hcc_rnn_sat16(px[2] + dp->bias[2 * hidden + j] +
                                                                      hcc_rnn_mul_q15(r, v)), 0), h[j]);
    }
}

/* One step, linear_before_reset = 0: n = tanh(Wn x + Rn (r * h) + Wbn + Rbn), so every r
 * first. Blocks of [z, r] per unit, then the n rows in blocks of four units. */
static void gru_step(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, const int8_t *xt,
                     const int8_t *h, int8_t *h_next, int8_t *rh, int16_t *zs) {
    const int32_t input_size = p->input_size, hidden = p->hidden_size, z_h = p->z_h;
    const int16_t *const t_z = dp->tables, *const t_r = t_z + HCC_RNN_TABLE_SIZE, *const t_n = t_r + HCC_RNN_TABLE_SIZE;
    const uint8_t *const wn = dp->w + (size_t)hidden * 2u * (size_t)input_size;
    const uint8_t *const rn = dp->r + (size_t)hidden * 2u * (size_t)hidden;
    uint32_t sum_x, sum_h, sum_rh;
    int32_t j, g;
    for (j = 0; j < hidden; ++j) {
        int32_t px[2], ph[2], r;
        hcc_rnn_terms(xt, input_size, dp->w + (size_t)j * 2u * (size_t)input_size, 2, j, hidden, dp->offset_x,
                      dp->mult_x, dp->shift_x, j == 0, &sum_x, px);
        hcc_rnn_terms(h, hidden, dp->r + (size_t)j * 2u * (size_t)hidden, 2, j, hidden, dp->offset_h, dp->mult_h,
                      dp->shift_h, j == 0, &sum_h, ph);
        zs[j] = (int16_t)hcc_rnn_lookup(t_z, hcc_rnn_sat16(px[0] + dp->bias[j] + ph[0]), 0);
        r = hcc_rnn_lookup(t_r, hcc_rnn_sat16(px[1] + dp->bias[hidden + j] + ph[1]), 0);
        rh[j] = (int8_t)(z_h + hcc_round_shift_inline(r * ((int32_t)h[j] - z_h), 15));
    }
    for (j = 0; j < hidden; j += 4) {
        const int32_t m = hidden - j < 4 ? hidden - j : 4;
        const int32_t row0 = 2 * hidden + j;
        int32_t px[4], ph[4];
        hcc_rnn_terms(xt, input_size, wn + (size_t)j * (size_t)input_size, m, row0, 1, dp->offset_x, dp->mult_x,
                      dp->shift_x, 0, &sum_x, px);
        hcc_rnn_terms(rh, hidden, rn + (size_t)j * (size_t)hidden, m, row0, 1, dp->offset_h, dp->mult_h, dp->shift_h,
                      j == 0, &sum_rh, ph);
        for (g = 0; g < m; ++g) {
            const int32_t n = hcc_rnn_lookup(t_n, hcc_rnn_sat16(px[g] + dp->bias[row0 + g] + ph[g]), 0);
            h_next[j + g] = gru_update(p, zs[j + g], n, h[j + g]);
        }
    }
}

#if !defined(__XTENSA__)
/* The host layout (rnn_fixed_point.h): x_block / h_block bytes per gate of a block of 16 units */
#define GRU_HOST_BLOCK(k) (64 * (((k) + 3) / 4))

/* gru_update on 16 lanes: h_next[l] from z, n and h[l] for l < nc (the rest: h = z_h) */
static void gru_host_update(const hcc_rnn_s8_params_t *p, const int32_t *z, const int32_t *n, const int8_t *h,
                            int32_t nc, int8_t *h_next) {
    const int32_t z_h = p->z_h, bound = HCC_RNN_PARTIAL_BOUND;
    int32_t keep[HCC_RNN_LANES], v[HCC_RNN_LANES], l;
    for (l = 0; l < HCC_RNN_LANES; ++l) {  /* (1 - z) n in units of 2^-15 s_h */
        keep[l] = HCC_RNN_Q15_ONE - z[l];
        v[l] = n[l];
    }
    hcc_rnn_host_mul_q15(keep, v);
    hcc_rnn_host_requant(v, p->m_out, p->s_out, keep);
    for (l = 0; l < nc; ++l) v[l] = h[l] - z_h;
    for (; l < HCC_RNN_LANES; ++l) v[l] = 0;
    for (l = 0; l < HCC_RNN_LANES; ++l) {
        const int32_t k = keep[l] < -bound ? -bound : (keep[l] > bound ? bound : keep[l]);
        v[l] = k + z[l] * v[l];
    }
    hcc_rnn_host_round_shift(v, 15);
    for (l = 0; l < nc; ++l) h_next[l] = (int8_t)hcc_rnn_sat8(z_h + v[l]);
}

/* gru_step_lbr on the host layout: per block of 16 units z, r and n from one sweep over x and
 * one over h */
static void gru_host_step_lbr(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, const int8_t *xt,
                              const int8_t *h, int8_t *h_next) {
    const int32_t input_size = p->input_size, hidden = p->hidden_size, bound = HCC_RNN_PARTIAL_BOUND;
    const int32_t x_block = GRU_HOST_BLOCK(input_size), h_block = GRU_HOST_BLOCK(hidden);
    int32_t b, g, l;
    for (b = 0; b * HCC_RNN_LANES < hidden; ++b) {
        const int32_t j0 = b * HCC_RNN_LANES, nc = hidden - j0 < HCC_RNN_LANES ? hidden - j0 : HCC_RNN_LANES;
        const int32_t o = 3 * HCC_RNN_LANES * b;
        int32_t ax[3][HCC_RNN_LANES], ah[3][HCC_RNN_LANES], act[3][HCC_RNN_LANES], px[HCC_RNN_LANES],
            ph[HCC_RNN_LANES];
        hcc_rnn_host_dot(xt, input_size, (const int8_t *)dp->w + 3 * b * x_block, 3, dp->offset_x + o, ax);
        hcc_rnn_host_dot(h, hidden, (const int8_t *)dp->r + 3 * b * h_block, 3, dp->offset_h + o, ah);
        for (g = 0; g < 3; ++g) {  /* z, r; then n = tanh(Wn x + Wbn + r (Rn h + Rbn)) */
            const int32_t og = o + g * HCC_RNN_LANES;
            hcc_rnn_host_partial(ax[g], dp->mult_x + og, dp->shift_x + og, px);
            hcc_rnn_host_partial(ah[g], dp->mult_h + og, dp->shift_h + og, ph);
            if (g == 2) {
                for (l = 0; l < HCC_RNN_LANES; ++l) {
                    const int32_t v = ph[l] + dp->bias_n[j0 + l];
                    ph[l] = v < -bound ? -bound : (v > bound ? bound : v);
                }
                hcc_rnn_host_mul_q15(act[1], ph);
            }
            for (l = 0; l < HCC_RNN_LANES; ++l) px[l] += dp->bias[og + l] + ph[l];
            hcc_rnn_host_sat16(px);
            hcc_rnn_host_lookup(dp->tables + g * HCC_RNN_TABLE_SIZE, px, 0, act[g]);
        }
        gru_host_update(p, act[0], act[2], h + j0, nc, h_next + j0);
    }
}

/* gru_step on the host layout: z and r of every block (z kept in zs, r * h in rh), then the n
 * rows over r * h */
static void gru_host_step(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, const int8_t *xt,
                          const int8_t *h, int8_t *h_next, int8_t *rh, int16_t *zs) {
    const int32_t input_size = p->input_size, hidden = p->hidden_size, z_h = p->z_h;
    const int32_t x_block = GRU_HOST_BLOCK(input_size), h_block = GRU_HOST_BLOCK(hidden);
    int32_t b, g, l;
    for (b = 0; b * HCC_RNN_LANES < hidden; ++b) {
        const int32_t j0 = b * HCC_RNN_LANES, nc = hidden - j0 < HCC_RNN_LANES ? hidden - j0 : HCC_RNN_LANES;
        const int32_t o = 3 * HCC_RNN_LANES * b;
        int32_t ax[2][HCC_RNN_LANES], ah[2][HCC_RNN_LANES], act[2][HCC_RNN_LANES], px[HCC_RNN_LANES],
            ph[HCC_RNN_LANES];
        hcc_rnn_host_dot(xt, input_size, (const int8_t *)dp->w + 3 * b * x_block, 2, dp->offset_x + o, ax);
        hcc_rnn_host_dot(h, hidden, (const int8_t *)dp->r + 3 * b * h_block, 2, dp->offset_h + o, ah);
        for (g = 0; g < 2; ++g) {
            const int32_t og = o + g * HCC_RNN_LANES;
            hcc_rnn_host_partial(ax[g], dp->mult_x + og, dp->shift_x + og, px);
            hcc_rnn_host_partial(ah[g], dp->mult_h + og, dp->shift_h + og, ph);
            for (l = 0; l < HCC_RNN_LANES; ++l) px[l] += dp->bias[og + l] + ph[l];
            hcc_rnn_host_sat16(px);
            hcc_rnn_host_lookup(dp->tables + g * HCC_RNN_TABLE_SIZE, px, 0, act[g]);
        }
        for (l = 0; l < nc; ++l) {
            zs[j0 + l] = (int16_t)act[0][l];
            ph[l] = act[1][l] * ((int32_t)h[j0 + l] - z_h);
        }
        for (; l < HCC_RNN_LANES; ++l) ph[l] = 0;
        hcc_rnn_host_round_shift(ph, 15);
        for (l = 0; l < nc; ++l) rh[j0 + l] = (int8_t)(z_h + ph[l]);
    }
    for (b = 0; b * HCC_RNN_LANES < hidden; ++b) {
        const int32_t j0 = b * HCC_RNN_LANES, nc = hidden - j0 < HCC_RNN_LANES ? hidden - j0 : HCC_RNN_LANES;
        const int32_t o = 3 * HCC_RNN_LANES * b + 2 * HCC_RNN_LANES;
        int32_t ax[1][HCC_RNN_LANES], ah[1][HCC_RNN_LANES], z[HCC_RNN_LANES], n[HCC_RNN_LANES],
            px[HCC_RNN_LANES], ph[HCC_RNN_LANES];
        hcc_rnn_host_dot(xt, input_size, (const int8_t *)dp->w + (3 * b + 2) * x_block, 1, dp->offset_x + o, ax);
        hcc_rnn_host_dot(rh, hidden, (const int8_t *)dp->r + (3 * b + 2) * h_block, 1, dp->offset_h + o, ah);
        hcc_rnn_host_partial(ax[0], dp->mult_x + o, dp->shift_x + o, px);
        hcc_rnn_host_partial(ah[0], dp->mult_h + o, dp->shift_h + o, ph);
        for (l = 0; l < HCC_RNN_LANES; ++l) px[l] += dp->bias[o + l] + ph[l];
        hcc_rnn_host_sat16(px);
        hcc_rnn_host_lookup(dp->tables + 2 * HCC_RNN_TABLE_SIZE, px, 0, n);
        for (l = 0; l < nc; ++l) z[l] = zs[j0 + l];
        for (; l < HCC_RNN_LANES; ++l) z[l] = 0;
        gru_host_update(p, z, n, h + j0, nc, h_next + j0);
    }
}
#endif

static void gru_direction(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, int32_t d,
                          const int8_t *x, const int8_t *h0, int8_t *y, int8_t *y_h, void *scratch HCC_RNN_HOST_PARAM) {
    const int32_t seq_len = p->seq_len, input_size = p->input_size, hidden = p->hidden_size;
    int16_t *const zs = (int16_t *)scratch;  /* linear_before_reset = 0 only */
    int8_t *h = p->linear_before_reset ? (int8_t *)scratch : (int8_t *)(zs + hidden);
    int8_t *h_next = h + hidden, *const rh = h + 2 * hidden;
    int32_t step;

    hcc_rnn_initial_h(p, h0, d, h);
    for (step = 0; step < seq_len; ++step) {
        const int32_t t = dp->reverse ? seq_len - 1 - step : step;
        const int8_t *const xt = x + (size_t)t * (size_t)input_size;
        int8_t *swap;
#if !defined(__XTENSA__)
        if (host) {
            if (p->linear_before_reset) {
                gru_host_step_lbr(p, dp, xt, h, h_next);
            } else {
                gru_host_step(p, dp, xt, h, h_next, rh, zs);
            }
        } else
#endif
        if (p->linear_before_reset) {
            gru_step_lbr(p, dp, xt, h, h_next);
        } else {
            gru_step(p, dp, xt, h, h_next, rh, zs);
        }
        swap = h;
        h = h_next;
        h_next = swap;
        if (y) memcpy(y + ((size_t)t * (size_t)p->num_directions + (size_t)d) * (size_t)hidden, h, (size_t)hidden);
    }
    if (y_h) memcpy(y_h + (size_t)d * (size_t)hidden, h, (size_t)hidden);
}

void hcc_gru_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, int8_t *y,
                int8_t *y_h, void *scratch) {
    gru_direction(p, &p->dir0, 0, x, h0, y, y_h, scratch HCC_RNN_HOST_ARG(0));
    if (p->num_directions > 1) gru_direction(p, &p->dir1, 1, x, h0, y, y_h, scratch HCC_RNN_HOST_ARG(0));
}

#if !defined(__XTENSA__)
void hcc_gru_host_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, int8_t *y,
                     int8_t *y_h, void *scratch) {
    gru_direction(p, &p->dir0, 0, x, h0, y, y_h, scratch HCC_RNN_HOST_ARG(1));
    if (p->num_directions > 1) gru_direction(p, &p->dir1, 1, x, h0, y, y_h, scratch HCC_RNN_HOST_ARG(1));
}
#endif
