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

#if !HCC_XTENSA_KERNELS
/* gru_update on 16 lanes: h_next[l] from z, n and h[l] for l < nc */
static void gru_host_update(const hcc_rnn_s8_params_t *p, hcc_lanes_t z, hcc_lanes_t n, const int8_t *h,
                            int32_t nc, int8_t *h_next) {
    const hcc_lanes_t zh = hcc_lanes_set(p->z_h);
    const hcc_lanes_t one_less_z = hcc_lanes_sub(hcc_lanes_set(HCC_RNN_Q15_ONE), z);
    /* (1 - z) n in units of 2^-15 s_h */
    const hcc_lanes_t keep = hcc_lanes_clamp(hcc_rnn_host_requant(hcc_rnn_host_mul_q15(one_less_z, n), p->m_out, p->s_out),
                                             -HCC_RNN_PARTIAL_BOUND, HCC_RNN_PARTIAL_BOUND);
    const hcc_lanes_t dh = hcc_lanes_sub(hcc_lanes_load_s8(h, nc), zh);
    const hcc_lanes_t v = hcc_rnn_host_round_shift(hcc_lanes_add(keep, hcc_lanes_mul(z, dh)), 15);
    hcc_lanes_store_s8(h_next, hcc_lanes_clamp(hcc_lanes_add(zh, v), -128, 127), nc);
}

/* gru_step_lbr on the host layout: per block of 16 units z, r and n from one sweep over x and
 * one over h */
static void gru_host_step_lbr(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, const int8_t *xt,
                              const int8_t *h, int8_t *h_next) {
    const int32_t input_size = p->input_size, hidden = p->hidden_size;
    const int32_t x_block = HCC_RNN_HOST_GATE_BYTES(input_size), h_block = HCC_RNN_HOST_GATE_BYTES(hidden);
    int32_t b;
    for (b = 0; b * HCC_RNN_LANES < hidden; ++b) {
        const int32_t j0 = b * HCC_RNN_LANES, nc = hcc_rnn_block_units(hidden, j0);
        const int32_t o = 3 * HCC_RNN_LANES * b, on = o + 2 * HCC_RNN_LANES;
        const int16_t *const t_z = dp->tables, *const t_r = t_z + HCC_RNN_TABLE_SIZE, *const t_n = t_r + HCC_RNN_TABLE_SIZE;
        hcc_lanes_t ax[3], ah[3], z, r, v;
        hcc_rnn_host_dot(xt, input_size, (const int8_t *)dp->w + 3 * b * x_block, 3, dp->offset_x + o, ax);
        hcc_rnn_host_dot(h, hidden, (const int8_t *)dp->r + 3 * b * h_block, 3, dp->offset_h + o, ah);
        z = hcc_rnn_host_lookup(t_z, hcc_rnn_host_gate(dp, o, ax[0], ah[0]), 0);
        r = hcc_rnn_host_lookup(t_r, hcc_rnn_host_gate(dp, o + HCC_RNN_LANES, ax[1], ah[1]), 0);
        /* n = tanh(Wn x + Wbn + r (Rn h + Rbn)) */
        v = hcc_lanes_add(hcc_rnn_host_partial(ah[2], dp->mult_h + on, dp->shift_h + on), hcc_lanes_load(dp->bias_n + j0));
        v = hcc_rnn_host_mul_q15(r, hcc_lanes_clamp(v, -HCC_RNN_PARTIAL_BOUND, HCC_RNN_PARTIAL_BOUND));
        v = hcc_lanes_add(hcc_lanes_add(hcc_rnn_host_partial(ax[2], dp->mult_x + on, dp->shift_x + on),
                                        hcc_lanes_load(dp->bias + on)), v);
        gru_host_update(p, z, hcc_rnn_host_lookup(t_n, hcc_rnn_host_sat16(v), 0), h + j0, nc, h_next + j0);
    }
}

/* gru_step on the host layout: z and r of every block (z kept in zs, r * h in rh), then the n
 * rows over r * h */
static void gru_host_step(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, const int8_t *xt,
                          const int8_t *h, int8_t *h_next, int8_t *rh, int16_t *zs) {
    const int32_t input_size = p->input_size, hidden = p->hidden_size;
    const int32_t x_block = HCC_RNN_HOST_GATE_BYTES(input_size), h_block = HCC_RNN_HOST_GATE_BYTES(hidden);
    const int16_t *const t_z = dp->tables, *const t_r = t_z + HCC_RNN_TABLE_SIZE, *const t_n = t_r + HCC_RNN_TABLE_SIZE;
    const hcc_lanes_t zh = hcc_lanes_set(p->z_h);
    int32_t b;
    for (b = 0; b * HCC_RNN_LANES < hidden; ++b) {
        const int32_t j0 = b * HCC_RNN_LANES, nc = hcc_rnn_block_units(hidden, j0);
        const int32_t o = 3 * HCC_RNN_LANES * b;
        hcc_lanes_t ax[2], ah[2], r, dh;
        hcc_rnn_host_dot(xt, input_size, (const int8_t *)dp->w + 3 * b * x_block, 2, dp->offset_x + o, ax);
        hcc_rnn_host_dot(h, hidden, (const int8_t *)dp->r + 3 * b * h_block, 2, dp->offset_h + o, ah);
        hcc_lanes_store_s16(zs + j0, hcc_rnn_host_lookup(t_z, hcc_rnn_host_gate(dp, o, ax[0], ah[0]), 0), nc);
        r = hcc_rnn_host_lookup(t_r, hcc_rnn_host_gate(dp, o + HCC_RNN_LANES, ax[1], ah[1]), 0);
        /* r * h on h's grid: z_h + round(r (h - z_h) / 2^15) */
        dh = hcc_lanes_sub(hcc_lanes_load_s8(h + j0, nc), zh);
        hcc_lanes_store_s8(rh + j0, hcc_lanes_add(zh, hcc_rnn_host_round_shift(hcc_lanes_mul(r, dh), 15)), nc);
    }
    for (b = 0; b * HCC_RNN_LANES < hidden; ++b) {
        const int32_t j0 = b * HCC_RNN_LANES, nc = hcc_rnn_block_units(hidden, j0);
        const int32_t on = 3 * HCC_RNN_LANES * b + 2 * HCC_RNN_LANES;
        hcc_lanes_t ax, ah;
        hcc_rnn_host_dot(xt, input_size, (const int8_t *)dp->w + (3 * b + 2) * x_block, 1, dp->offset_x + on, &ax);
        hcc_rnn_host_dot(rh, hidden, (const int8_t *)dp->r + (3 * b + 2) * h_block, 1, dp->offset_h + on, &ah);
        gru_host_update(p, hcc_lanes_load_s16(zs + j0, nc), hcc_rnn_host_lookup(t_n, hcc_rnn_host_gate(dp, on, ax, ah), 0),
                        h + j0, nc, h_next + j0);
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
#if !HCC_XTENSA_KERNELS
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

#if !HCC_XTENSA_KERNELS
void hcc_gru_host_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, int8_t *y,
                     int8_t *y_h, void *scratch) {
    gru_direction(p, &p->dir0, 0, x, h0, y, y_h, scratch HCC_RNN_HOST_ARG(1));
    if (p->num_directions > 1) gru_direction(p, &p->dir1, 1, x, h0, y, y_h, scratch HCC_RNN_HOST_ARG(1));
}
#endif
