/* GRU and LSTM layers (ONNX semantics, default activations), int8 and float; included by
 * hcc_kernels.h.
 *
 * The int8 kernels compute exactly the integers of docs/numerics.md, "Recurrent layers"
 * (reference: hcc/kernels/recurrent.py; constants: hcc/quant/recurrent_constants.py). Both
 * builds run batch 1 with every sequence full length. Layouts (batch 1, so ONNX's layout 0
 * and 1 are the same bytes): x [seq_len, input_size]; y [seq_len, num_directions, hidden];
 * y_h, y_c, h0, c0 [num_directions, hidden]. Gates are in ONNX order (GRU z, r, n; LSTM i, o,
 * f, c); G = 3 (GRU) or 4 (LSTM), rows = G * hidden. Direction 1 of a bidirectional layer
 * runs backwards in time. y, y_h, y_c may be NULL (not computed, or nobody reads them); h0 and
 * c0 may be NULL (zero). The state lives in the caller's scratch (*_scratch_size bytes,
 * 4-byte aligned): the kernels are reentrant and never allocate. */
#ifndef HCC_RECURRENT_H
#define HCC_RECURRENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HCC_RNN_TABLE_SIZE 257  /* interpolated activation tables: 256 segments */

/* One direction of an int8 layer. The weights (per-row scales) are stored as w + 128 in
 * blocks of rows side by side, as hcc_row_block_u8 (runtime_c/src/dot_u8.h) reads them
 * (hcc/ops/recurrent.py, c_direction_arrays): for each unit j, the G rows g * hidden + j
 * (every input's G weights together); for a GRU with linear_before_reset = 0, per unit only
 * z and r, then the n rows in blocks of four units. Offsets and multipliers are per row, in
 * ONNX row order. */
typedef struct {
    const uint8_t *w;         /* rows * input_size bytes, blocked */
    const uint8_t *r;         /* rows * hidden bytes, blocked */
    const int32_t *offset_x;  /* [rows] -(z_x + 128) * sum_k w[row, k] (wrapped to int32) */
    const int32_t *offset_h;  /* [rows] -(z_h + 128) * sum_k r[row, k] (wrapped to int32) */
    const int32_t *bias;      /* [rows] Wb + Rb in pre-activation units (GRU, linear_before_reset: n's Wb) */
    const int32_t *bias_n;    /* [hidden] GRU, linear_before_reset: n's Rb (inside r * (Rn h + Rbn)) */
    /* the (m, s) as blocked_requant_words' words (z_out 0; hcc/ops/recurrent.py) */
    const int32_t *mult_x, *shift_x;  /* [rows] input GEMV -> the gate's pre-activation format */
    const int32_t *mult_h, *shift_h;  /* [rows] recurrent GEMV -> the same */
    const int16_t *tables;  /* [G][HCC_RNN_TABLE_SIZE] Q15 activation of each gate */
    int32_t reverse;        /* 1: runs from the last step to the first */
} hcc_rnn_direction_s8_t;

/* An int8 GRU or LSTM (fields marked LSTM / GRU are read by that kernel only). */
typedef struct {
    int32_t seq_len, input_size, hidden_size, num_directions;
    int32_t z_x, z_h;                /* zero points of x and of h (= y, y_h) */
    int32_t m_out, s_out;            /* GRU: 1 / s_h; LSTM: 2^-15 / s_h (of Q15 products) */
    int32_t has_h0, h0_z_in, h0_m, h0_s;   /* h = saturate(z_h + requantize(h0 - h0_z_in)) */
    int32_t linear_before_reset;     /* GRU */
    int32_t cell_exp;                /* LSTM: c is int16 in Q(15 - cell_exp) */
    int32_t cell_table_shift;        /* LSTM: tanh(c) looks up c << shift (clamped first) */
    const int16_t *cell_table;       /* LSTM: [HCC_RNN_TABLE_SIZE] Q15 tanh(c) */
    int32_t has_c0, c0_z_in, c0_m, c0_s;   /* LSTM: c = saturate16(requantize(c0 - c0_z_in)) */
    int32_t yc_z_out, yc_m, yc_s;    /* LSTM: y_c = saturate(yc_z_out + requantize(c)) */
    hcc_rnn_direction_s8_t dir0, dir1;  /* dir1: bidirectional only */
} hcc_rnn_s8_params_t;

/* Scratch: h and the next h (int8 [hidden] each); with linear_before_reset = 0 also r * h
 * for the n gate's GEMV and z (int16 [hidden]). */
size_t hcc_gru_s8_scratch_size(int32_t hidden, int32_t linear_before_reset);
void hcc_gru_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, int8_t *y,
                int8_t *y_h, void *scratch);

/* Scratch: the cell state (int16 [hidden]), h and the next h (int8 [hidden] each). */
size_t hcc_lstm_s8_scratch_size(int32_t hidden);
void hcc_lstm_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, const int8_t *c0,
                 int8_t *y, int8_t *y_h, int8_t *y_c, void *scratch);

/* The same layers with the weights in the host layout (`hcc compile --weight-layout host`;
 * runtime_c/src/rnn_fixed_point.h describes it; docs/performance.md "Host"): the same integers
 * and the same scratch, 16 units a pass (AVX-512 VNNI where the compiler targets it, portable C
 * elsewhere). Not built for the lx106. */
void hcc_gru_host_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, int8_t *y,
                     int8_t *y_h, void *scratch);
void hcc_lstm_host_s8(const hcc_rnn_s8_params_t *p, const int8_t *x, const int8_t *h0, const int8_t *c0,
                      int8_t *y, int8_t *y_h, int8_t *y_c, void *scratch);

/* A float GRU or LSTM: the ONNX weights as they are (all directions). */
typedef struct {
    int32_t seq_len, input_size, hidden_size, num_directions;
    int32_t reverse;              /* 1: direction "reverse" (a bidirectional layer: 0) */
    int32_t linear_before_reset;  /* GRU */
    const float *w;  /* [num_directions][rows][input_size] */
    const float *r;  /* [num_directions][rows][hidden] */
    const float *b;  /* [num_directions][2 * rows] (Wb then Rb), or NULL */
    const float *p;  /* LSTM peepholes [num_directions][3 * hidden] (i, o, f), or NULL */
} hcc_rnn_f32_params_t;

/* Scratch: three float vectors of hidden (h, the next h, and r * h or c). */
size_t hcc_gru_f32_scratch_size(int32_t hidden);
void hcc_gru_f32(const hcc_rnn_f32_params_t *p, const float *x, const float *h0, float *y, float *y_h,
                 float *scratch);
size_t hcc_lstm_f32_scratch_size(int32_t hidden);
void hcc_lstm_f32(const hcc_rnn_f32_params_t *p, const float *x, const float *h0, const float *c0,
                  float *y, float *y_h, float *y_c, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
