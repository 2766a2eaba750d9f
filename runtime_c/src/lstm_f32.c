/* Float LSTM (the float build): ONNX semantics with sigmoid, tanh, tanh and optional
 * peepholes, as hcc/kernels/recurrent.py's lstm_float. */
#include <math.h>
#include <string.h>

#include "hcc_kernels.h"

size_t hcc_lstm_f32_scratch_size(int32_t hidden) {
    return 3u * (size_t)hidden * sizeof(float);
}

static float sigmoid_f32(float v) {
    return 1.0f / (1.0f + expf(-v));
}

void hcc_lstm_f32(const hcc_rnn_f32_params_t *p, const float *x, const float *h0, const float *c0,
                  float *y, float *y_h, float *y_c, float *scratch) {
    const int32_t seq_len = p->seq_len, input_size = p->input_size, hidden = p->hidden_size;
    const int32_t rows = 4 * hidden;
    int32_t d, step, j, g, k;
    for (d = 0; d < p->num_directions; ++d) {
        const float *const w = p->w + (size_t)d * (size_t)rows * (size_t)input_size;
        const float *const r = p->r + (size_t)d * (size_t)rows * (size_t)hidden;
        const float *const b = p->b ? p->b + (size_t)d * 2u * (size_t)rows : NULL;
        const float *const peep = p->p ? p->p + (size_t)d * 3u * (size_t)hidden : NULL;  /* i, o, f */
        const int reverse = d == 1 || p->reverse;
        float *h = scratch, *h_next = scratch + hidden, *const c = scratch + 2 * hidden;
        for (j = 0; j < hidden; ++j) {
            h[j] = h0 ? h0[d * hidden + j] : 0.0f;
            c[j] = c0 ? c0[d * hidden + j] : 0.0f;
        }
        for (step = 0; step < seq_len; ++step) {
            const int32_t t = reverse ? seq_len - 1 - step : step;
            const float *const xt = x + (size_t)t * (size_t)input_size;
            float *swap;
            for (j = 0; j < hidden; ++j) {
                float a[4], cell;
                for (g = 0; g < 4; ++g) {  /* i, o, f, c */
                    const int32_t row = g * hidden + j;
                    float acc = b ? b[row] + b[rows + row] : 0.0f;
                    for (k = 0; k < input_size; ++k) acc += w[(size_t)row * input_size + k] * xt[k];
                    for (k = 0; k < hidden; ++k) acc += r[(size_t)row * hidden + k] * h[k];
                    a[g] = acc;
                }
                if (peep) {
                    a[0] += peep[j] * c[j];
                    a[2] += peep[2 * hidden + j] * c[j];
                }
                cell = sigmoid_f32(a[2]) * c[j] + sigmoid_f32(a[0]) * tanhf(a[3]);
                if (peep) a[1] += peep[hidden + j] * cell;
                c[j] = cell;
                h_next[j] = sigmoid_f32(a[1]) * tanhf(cell);
            }
            swap = h;
            h = h_next;
            h_next = swap;
            if (y) memcpy(y + ((size_t)t * (size_t)p->num_directions + (size_t)d) * (size_t)hidden, h, (size_t)hidden * sizeof(float));
        }
        if (y_h) memcpy(y_h + (size_t)d * (size_t)hidden, h, (size_t)hidden * sizeof(float));
        if (y_c) memcpy(y_c + (size_t)d * (size_t)hidden, c, (size_t)hidden * sizeof(float));
    }
}
