/* Int8 LSTM (docs/numerics.md, "Recurrent layers"; reference: hcc/kernels/recurrent.py, lstm_s8).
 * The GEMVs run on the compiler's blocked weights (hcc_recurrent.h): a unit's four gate rows
 * side by side, so that one pass over x (or h) gives every gate of the unit. */
#include <string.h>

#include "rnn_fixed_point.h"

size_t hcc_lstm_s8_scratch_size(int32_t hidden) {
    return (size_t)hidden * (sizeof(int16_t) + 2u);
}

#if !HCC_XTENSA_KERNELS
/* One step on the host layout (rnn_fixed_point.h): per block of 16 units the four gates' sums
 * over x and over h, then the cell of lstm_direction's loop lane by lane. */
static void lstm_host_step(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, const int8_t *xt,
                           const int8_t *h, int8_t *h_next, int16_t *c) {
    const int32_t input_size = p->input_size, hidden = p->hidden_size, blocks = (hidden + HCC_RNN_LANES - 1) / HCC_RNN_LANES;
    const int32_t x_block = 4 * HCC_RNN_HOST_GATE_BYTES(input_size), h_block = 4 * HCC_RNN_HOST_GATE_BYTES(hidden);
    int32_t b0, b, g;  /* x_block, h_block: the bytes of a unit block's four gates */
    for (b0 = 0; b0 < blocks; b0 += HCC_RNN_HOST_BLOCKS) {
        const int32_t nb = blocks - b0 < HCC_RNN_HOST_BLOCKS ? blocks - b0 : HCC_RNN_HOST_BLOCKS;
        hcc_lanes_t act[HCC_RNN_HOST_BLOCKS][4], cell[HCC_RNN_HOST_BLOCKS];
        for (b = 0; b < nb; ++b) {
            const int32_t o = 4 * HCC_RNN_LANES * (b0 + b);
            hcc_lanes_t ax[4], ah[4];
            hcc_rnn_host_dot(xt, input_size, (const int8_t *)dp->w + (b0 + b) * x_block, 4, dp->offset_x + o, ax);
            hcc_rnn_host_dot(h, hidden, (const int8_t *)dp->r + (b0 + b) * h_block, 4, dp->offset_h + o, ah);
            for (g = 0; g < 4; ++g) act[b][g] = hcc_rnn_host_gate(dp, o + g * HCC_RNN_LANES, ax[g], ah[g]);
        }
        for (b = 0; b < nb; ++b) {  /* i, o, f, g: the blocks' table reads one after another */
            for (g = 0; g < 4; ++g) act[b][g] = hcc_rnn_host_lookup(dp->tables + g * HCC_RNN_TABLE_SIZE, act[b][g], 0);
        }
        for (b = 0; b < nb; ++b) {  /* c' = f c + i g in Q(15 - cell_exp) */
            const int32_t j0 = (b0 + b) * HCC_RNN_LANES, nc = hcc_rnn_block_units(hidden, j0);
            hcc_lanes_t v = hcc_rnn_host_round_shift(hcc_lanes_mul(act[b][0], act[b][3]), p->cell_exp);
            v = hcc_lanes_add(hcc_lanes_mul(act[b][2], hcc_lanes_load_s16(c + j0, nc)), v);
            cell[b] = hcc_rnn_host_sat16(hcc_rnn_host_round_shift(v, 15));
            hcc_lanes_store_s16(c + j0, cell[b], nc);
            cell[b] = hcc_rnn_host_lookup(p->cell_table, cell[b], p->cell_table_shift);
        }
        for (b = 0; b < nb; ++b) {
            const int32_t j0 = (b0 + b) * HCC_RNN_LANES, nc = hcc_rnn_block_units(hidden, j0);
            hcc_lanes_t v = hcc_rnn_host_mul_q15(act[b][1], cell[b]);
            v = hcc_lanes_clamp(hcc_rnn_host_requant(v, p->m_out, p->s_out), -256, 256);
            hcc_lanes_store_s8(h_next + j0, hcc_lanes_clamp(hcc_lanes_add(v, hcc_lanes_set(p->z_h)), -128, 127), nc);
        }
    }
}
#endif

static void lstm_direction(const hcc_rnn_s8_params_t *p, const hcc_rnn_direction_s8_t *dp, int32_t d,
                           const int8_t *x, const int8_t *h0, const int8_t *c0, int8_t *y, int8_t *y_h,
                           int8_t *y_c, void *scratch HCC_RNN_HOST_PARAM) {
    const int32_t seq_len = p->seq_len, input_size = p->input_size, hidden = p->hidden_size;
    int16_t *const c = (int16_t *)scratch;
    int8_t *h = (int8_t *)(c + hidden), *h_next = h + hidden;
    int32_t step, j, g;

    hcc_rnn_initial_h(p, h0, d, h);
    for (j = 0; j < hidden; ++j) {
        c[j] = (int16_t)(c0 && p->has_c0
                             ? hcc_rnn_sat16(hcc_requantize((int32_t)c0[d * hidden + j] - p->c0_z_in, p->c0_m, p->c0_s))
                             : 0);
    }
    for (step = 0; step < seq_len; ++step) {
        const int32_t t = dp->reverse ? seq_len - 1 - step : step;
        const int8_t *const xt = x + (size_t)t * (size_t)input_size;
        uint32_t sum_x, sum_h;
        int8_t *swap;
#if !HCC_XTENSA_KERNELS
        if (host) {
            lstm_host_step(p, dp, xt, h, h_next, c);
        } else
#endif
        for (j = 0; j < hidden; ++j) {
            int32_t px[4], ph[4], act[4], cell;
            hcc_rnn_terms(xt, input_size, dp->w + (size_t)j * 4u * (size_t)input_size, 4, j, hidden, dp->offset_x,
                          dp->mult_x, dp->shift_x, j == 0, &sum_x, px);
            hcc_rnn_terms(h, hidden, dp->r + (size_t)j * 4u * (size_t)hidden, 4, j, hidden, dp->offset_h, dp->mult_h,
                          dp->shift_h, j == 0, &sum_h, ph);
            for (g = 0; g < 4; ++g) {  /* i, o, f, g */
                act[g] = hcc_rnn_lookup(dp->tables + g * HCC_RNN_TABLE_SIZE,
                                        hcc_rnn_sat16(px[g] + dp->bias[j + g * hidden] + ph[g]), 0);
            }
            /* c' = f c + i g in Q(15 - cell_exp) */
            cell = hcc_rnn_sat16(hcc_round_shift_inline(act[2] * (int32_t)c[j] +
                                                        hcc_round_shift_inline(act[0] * act[3], p->cell_exp), 15));
            c[j] = (int16_t)cell;
            h_next[j] = hcc_requantize_s8_inline(hcc_rnn_mul_q15(act[1], hcc_rnn_lookup(p->cell_table, cell, p->cell_table_shift)),
                                                 p->m_out, p->s_out, p->z_h, -128, 127);
        }
        swap = h;
        h = h_next;
        h_next = swap;
        if (y) memcpy(y + ((size_t)t * (size_t)p->num_directions + (size_t)d) * (size_t)hidden, h, (size_t)hidden);
    }
    if (y_h) memcpy(y_h + (size_t)d * (size_t)hidden, h, (size_t)hidden);
    if (y_c) {
        for (j = 0; j < hidden; ++j)
            y_c[d * hidden + j] = hcc_requantize_s8(c[j], p->yc_m, p->yc_s, p->yc_z_out, -128, 127);
    }
}

void hcc_lstm_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, const int8_t *c0,
                 int8_t *y, int8_t *y_h, int8_t *y_c, void *scratch) {
    lstm_direction(p, &p->dir0, 0, x, h0, c0, y, y_h, y_c, scratch HCC_RNN_HOST_ARG(0));
    if (p->num_directions > 1) lstm_direction(p, &p->dir1, 1, x, h0, c0, y, y_h, y_c, scratch HCC_RNN_HOST_ARG(0));
}

#if !HCC_XTENSA_KERNELS
void hcc_lstm_host_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, const int8_t *c0,
                      int8_t *y, int8_t *y_h, int8_t *y_c, void *scratch) {
    lstm_direction(p, &p->dir0, 0, x, h0, c0, y, y_h, y_c, scratch HCC_RNN_HOST_ARG(1));
    if (p->num_directions > 1) lstm_direction(p, &p->dir1, 1, x, h0, c0, y, y_h, y_c, scratch HCC_RNN_HOST_ARG(1));
}
#endif
