/* Float GRU (the float build): ONNX semantics with sigmoid and tanh, as hcc/kernels/recurrent.py's gru_float. */
#include <math.h>
#include <string.h>

#include "hcc_kernels.h"

size_t hcc_gru_f32_scratch_size(int32_t hidden) {
    return 3u * (size_t)hidden * sizeof(float);
}

static float sigmoid_f32(float v) {
    return 1.0f / (1.0f + expf(-v));
}

static float dot_f32(const float *w, const float *x, int32_t n) {
    float acc = 0.0f;
    int32_t k;
    for (k = 0; k < n; ++k) acc += w[k] * x[k];
    return acc;
}

void hcc_gru_f32(const hcc_rnn_f32_params_t *p, const float *x, const float *h0, float *y, float *y_h,
                 float *scratch) {
    const int32_t seq_len = p->seq_len, input_size = p->input_size, hidden = p->hidden_size;
    const int32_t rows = 3 * hidden, lbr = p->linear_before_reset;
    int32_t d, step, j;
    for (d = 0; d < p->num_directions; ++d) {
        const float *const w = p->w + (size_t)d * (size_t)rows * (size_t)input_size;
        const float *const r = p->r + (size_t)d * (size_t)rows * (size_t)hidden;
        const float *const wb = p->b ? p->b + (size_t)d * 2u * (size_t)rows : NULL;
        const float *const rb = wb ? wb + rows : NULL;
        const int reverse = d == 1 || p->reverse;  /* direction "reverse", or a bidirectional layer's second */
        float *h = scratch, *h_next = scratch + hidden, *const rh = scratch + 2 * hidden;
        for (j = 0; j < hidden; ++j) h[j] = h0 ? h0[d * hidden + j] : 0.0f;
        for (step = 0; step < seq_len; ++step) {
            const int32_t t = reverse ? seq_len - 1 - step : step;
            const float *const xt = x + (size_t)t * (size_t)input_size;
            float *swap;
            for (j = 0; j < hidden; ++j) {  /* r first: the n gate of linear_before_reset = 0 reads r * h */
                const int32_t row = hidden + j;
                const float a = dot_f32(w + (size_t)row * input_size, xt, input_size) +
                                dot_f32(r + (size_t)row * hidden, h, hidden) + (wb ? wb[row] + rb[row] : 0.0f);
                rh[j] = sigmoid_f32(a);
            }
            for (j = 0; j < hidden; ++j) {
                const int32_t row_n = 2 * hidden + j;
                const float z = sigmoid_f32(dot_f32(w + (size_t)j * input_size, xt, input_size) +
                                            dot_f32(r + (size_t)j * hidden, h, hidden) + (wb ? wb[j] + rb[j] : 0.0f));
                const float xn = dot_f32(w + (size_t)row_n * input_size, xt, input_size) + (wb ? wb[row_n] : 0.0f);
                const float bn = rb ? rb[row_n] : 0.0f;
                float n;
                if (lbr) {
                    n = tanhf(xn + rh[j] * (dot_f32(r + (size_t)row_n * hidden, h, hidden) + bn));
                } else {
                    float acc = 0.0f;
                    int32_t k;
                    for (k = 0; k < hidden; ++k) acc += r[(size_t)row_n * hidden + k] * rh[k] * h[k];
                    n = tanhf(xn + acc + bn);
                }
                h_next[j] = (1.0f - z) * n + z * h[j];
            }
            swap = h;
            h = h_next;
            h_next = swap;
            if (y) memcpy(y + ((size_t)t * (size_t)p->num_directions + (size_t)d) * (size_t)hidden, h, (size_t)hidden * sizeof(float));
        }
        if (y_h) memcpy(y_h + (size_t)d * (size_t)hidden, h, (size_t)hidden * sizeof(float));
    }
}
