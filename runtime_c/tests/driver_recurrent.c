/* Test driver of the GRU / LSTM kernels (tests/runtime/test_recurrent.py).
 * stdin: mode (0 GRU int8, 1 LSTM int8, 2 GRU float, 3 LSTM float, 4 GRU int8 and 5 LSTM int8 in
 * the host layout), the parameters (the
 * fields of hcc_rnn_s8_params_t or hcc_rnn_f32_params_t in order, each direction's arrays
 * after the scalars), then x, h0, c0 (an empty blob is NULL) and three flags: compute y,
 * y_h, y_c. stdout: y [T, D, H], y_h [D, H], y_c [D, H] (zeros where not computed).
 * The scratch is exactly *_scratch_size() bytes of garbage. */
#include "test_io.h"
#include "hcc_runtime.h"

static void *blob_or_null(void) {
    size_t len;
    void *p = tio_next(&len);
    if (len) return p;
    free(p);
    return NULL;
}

static void read_direction(hcc_rnn_direction_s8_t *d) {
    d->w = (const uint8_t *)tio_next(NULL);
    d->r = (const uint8_t *)tio_next(NULL);
    d->offset_x = (const int32_t *)tio_next(NULL);
    d->offset_h = (const int32_t *)tio_next(NULL);
    d->bias = (const int32_t *)tio_next(NULL);
    d->bias_n = (const int32_t *)tio_next(NULL);
    d->mult_x = (const int32_t *)tio_next(NULL);
    d->shift_x = (const int32_t *)tio_next(NULL);
    d->mult_h = (const int32_t *)tio_next(NULL);
    d->shift_h = (const int32_t *)tio_next(NULL);
    d->tables = (const int16_t *)tio_next(NULL);
    d->reverse = tio_i32();
}

int main(void) {
    int32_t mode, seq_len, hidden, num_dir, want_y, want_yh, want_yc;
    size_t n_y, n_state, elem, scratch_size;
    void *x, *h0, *c0, *y, *y_h, *y_c, *scratch;
    hcc_rnn_s8_params_t p8;
    hcc_rnn_f32_params_t pf;

    memset(&p8, 0, sizeof p8);
    memset(&pf, 0, sizeof pf);
    tio_begin();
    mode = tio_i32();
    if (mode < 2 || mode > 3) {
        p8.seq_len = tio_i32();
        p8.input_size = tio_i32();
        p8.hidden_size = tio_i32();
        p8.num_directions = tio_i32();
        p8.z_x = tio_i32();
        p8.z_h = tio_i32();
        p8.m_out = tio_i32();
        p8.s_out = tio_i32();
        p8.has_h0 = tio_i32();
        p8.h0_z_in = tio_i32();
        p8.h0_m = tio_i32();
        p8.h0_s = tio_i32();
        p8.linear_before_reset = tio_i32();
        p8.cell_exp = tio_i32();
        p8.cell_table_shift = tio_i32();
        p8.cell_table = (const int16_t *)blob_or_null();
        p8.has_c0 = tio_i32();
        p8.c0_z_in = tio_i32();
        p8.c0_m = tio_i32();
        p8.c0_s = tio_i32();
        p8.yc_z_out = tio_i32();
        p8.yc_m = tio_i32();
        p8.yc_s = tio_i32();
        read_direction(&p8.dir0);
        if (p8.num_directions > 1) read_direction(&p8.dir1);
        seq_len = p8.seq_len, hidden = p8.hidden_size, num_dir = p8.num_directions;
        elem = 1;
        scratch_size = mode % 4 == 0 ? hcc_gru_s8_scratch_size(hidden, p8.linear_before_reset) : hcc_lstm_s8_scratch_size(hidden);
    } else {
        pf.seq_len = tio_i32();
        pf.input_size = tio_i32();
        pf.hidden_size = tio_i32();
        pf.num_directions = tio_i32();
        pf.reverse = tio_i32();
        pf.linear_before_reset = tio_i32();
        pf.w = (const float *)tio_next(NULL);
        pf.r = (const float *)tio_next(NULL);
        pf.b = (const float *)blob_or_null();
        pf.p = (const float *)blob_or_null();
        seq_len = pf.seq_len, hidden = pf.hidden_size, num_dir = pf.num_directions;
        elem = sizeof(float);
        scratch_size = mode == 2 ? hcc_gru_f32_scratch_size(hidden) : hcc_lstm_f32_scratch_size(hidden);
    }
    x = tio_next(NULL);
    h0 = blob_or_null();
    c0 = blob_or_null();
    want_y = tio_i32();
    want_yh = tio_i32();
    want_yc = tio_i32();

    n_state = (size_t)num_dir * (size_t)hidden * elem;
    n_y = (size_t)seq_len * n_state;
    y = calloc(n_y ? n_y : 1u, 1);
    y_h = calloc(n_state ? n_state : 1u, 1);
    y_c = calloc(n_state ? n_state : 1u, 1);
    scratch = malloc(scratch_size ? scratch_size : 1u);
    if (!y || !y_h || !y_c || !scratch) tio_fail("out of memory");
    memset(scratch, 0xA5, scratch_size);  /* the kernel must initialise its state itself */

    switch (mode) {
    case 0:
        hcc_gru_s8(&p8, (const int8_t *)x, (const int8_t *)h0, want_y ? (int8_t *)y : NULL,
                   want_yh ? (int8_t *)y_h : NULL, scratch);
        break;
    case 1:
        hcc_lstm_s8(&p8, (const int8_t *)x, (const int8_t *)h0, (const int8_t *)c0, want_y ? (int8_t *)y : NULL,
                    want_yh ? (int8_t *)y_h : NULL, want_yc ? (int8_t *)y_c : NULL, scratch);
        break;
#if !defined(__XTENSA__)
    case 4:
        hcc_gru_host_s8(&p8, (const int8_t *)x, (const int8_t *)h0, want_y ? (int8_t *)y : NULL,
                        want_yh ? (int8_t *)y_h : NULL, scratch);
        break;
    case 5:
        hcc_lstm_host_s8(&p8, (const int8_t *)x, (const int8_t *)h0, (const int8_t *)c0, want_y ? (int8_t *)y : NULL,
                         want_yh ? (int8_t *)y_h : NULL, want_yc ? (int8_t *)y_c : NULL, scratch);
        break;
#endif
    case 2:
        hcc_gru_f32(&pf, (const float *)x, (const float *)h0, want_y ? (float *)y : NULL,
                    want_yh ? (float *)y_h : NULL, (float *)scratch);
        break;
    default:
        hcc_lstm_f32(&pf, (const float *)x, (const float *)h0, (const float *)c0, want_y ? (float *)y : NULL,
                     want_yh ? (float *)y_h : NULL, want_yc ? (float *)y_c : NULL, (float *)scratch);
        break;
    }
    tio_emit(y, n_y);
    tio_emit(y_h, n_state);
    tio_emit(y_c, n_state);
    return 0;
}
