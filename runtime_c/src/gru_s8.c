/* Int8 GRU (docs/numerics.md, "Recurrent layers"; reference: hcc/kernels/recurrent.py, gru_s8). */
#include <string.h>

#include "rnn_fixed_point.h"

size_t hcc_gru_s8_scratch_size(int32_t hidden, int32_t linear_before_reset) {
    return (size_t)hidden * (linear_before_reset ? 2u : 3u);
}

static void gru_direction(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, int32_t d,
                          const int8_t *x, const int8_t *h0, int8_t *y, int8_t *y_h, int8_t *scratch) {
    const int32_t seq_len = p->seq_len, input_size = p->input_size, hidden = p->hidden_size;
    const int32_t z_h = p->z_h, lbr = p->linear_before_reset;
    const int16_t *const t_z = dp->tables, *const t_r = t_z + HCC_RNN_TABLE_SIZE, *const t_n = t_r + HCC_RNN_TABLE_SIZE;
    int8_t *h = scratch, *h_next = scratch + hidden, *const rh = scratch + 2 * hidden;
    int32_t step, j;

    hcc_rnn_initial_h(p, h0, d, h);
    for (step = 0; step < seq_len; ++step) {
        const int32_t t = dp->reverse ? seq_len - 1 - step : step;
        const int8_t *const xt = x + (size_t)t * (size_t)input_size;
        int8_t *swap;
        if (!lbr) {  /* the n gate reads r * h: every unit's r first */
            for (j = 0; j < hidden; ++j) {
                const int32_t r = hcc_rnn_lookup(t_r, hcc_rnn_preactivation(dp, hidden + j, xt, input_size, h, hidden), 0);
                rh[j] = (int8_t)(z_h + hcc_round_shift(r * ((int32_t)h[j] - z_h), 15));
            }
        }
        for (j = 0; j < hidden; ++j) {
            const int32_t row_n = 2 * hidden + j;
            const int32_t z = hcc_rnn_lookup(t_z, hcc_rnn_preactivation(dp, j, xt, input_size, h, hidden), 0);
            int32_t pre_n, n, keep;
            if (lbr) {  /* n = tanh(Wn x + Wbn + r (Rn h + Rbn)) */
                const int32_t r = hcc_rnn_lookup(t_r, hcc_rnn_preactivation(dp, hidden + j, xt, input_size, h, hidden), 0);
                int32_t v = hcc_rnn_recurrent_term(dp, row_n, h, hidden) + dp->bias_n[j];
                v = v < -HCC_RNN_PARTIAL_BOUND ? -HCC_RNN_PARTIAL_BOUND : (v > HCC_RNN_PARTIAL_BOUND ? HCC_RNN_PARTIAL_BOUND : v);
                pre_n = hcc_rnn_sat16(hcc_rnn_input_term(dp, row_n, xt, input_size) + hcc_rnn_mul_q15(r, v));
            } else {    /* n = tanh(Wn x + Rn (r * h) + Wbn + Rbn) */
                pre_n = hcc_rnn_preactivation(dp, row_n, xt, input_size, rh, hidden);
            }
            n = hcc_rnn_lookup(t_n, pre_n, 0);
            /* h' = (1 - z) n + z h, in units of 2^-15 s_h, rounded once to h's grid */
            keep = hcc_rnn_partial((HCC_RNN_Q15_ONE - z) * n, p->m_out, p->s_out);
            h_next[j] = hcc_saturate_s8(z_h + hcc_round_shift(keep + z * ((int32_t)h[j] - z_h), 15));
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
    gru_direction(p, &p->dir0, 0, x, h0, y, y_h, (int8_t *)scratch);
    if (p->num_directions > 1) gru_direction(p, &p->dir1, 1, x, h0, y, y_h, (int8_t *)scratch);
}
