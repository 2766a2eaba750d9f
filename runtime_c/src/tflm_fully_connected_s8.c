/* FullyConnected with TFLM's output stage; spec: tflite_numerics.requantize_output
 * (reference_integer_ops::FullyConnected / FullyConnectedPerChannel). */
#include "hcc_tflm.h"

void hcc_tflm_fully_connected_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                 int8_t *output) {
    int32_t r, j, i;
    for (r = 0; r < p->rows; r++) {
        const int8_t *x = input + (size_t)r * p->k;
        for (j = 0; j < p->n; j++) {
            const int8_t *w = weights + (size_t)j * p->k;
            int32_t acc = bias ? bias[j] : 0, q;
            for (i = 0; i < p->k; i++) acc += ((int32_t)x[i] - p->z_in) * w[i];
            q = hcc_tflm_mbqm(acc, mult[j], shift[j]) + p->z_out;
            output[(size_t)r * p->n + j] = (int8_t)(q < p->act_min ? p->act_min : q > p->act_max ? p->act_max : q);
        }
    }
}
