/* int8 fully connected: [rows, k] x [n, k]^T, per-output-channel requantization. */
#include "hcc_kernels.h"

void hcc_fully_connected_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift,
                            int8_t *output) {
    int32_t r, j, i;
    for (r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * p->k;
        for (j = 0; j < p->n; ++j) {
            const int8_t *w = weights + j * p->k;
            int32_t acc = bias ? bias[j] : 0;
            for (i = 0; i < p->k; ++i) acc += (in[i] - p->z_in) * w[i];
            output[j] = hcc_requantize_s8(acc, mult[j], shift[j], p->z_out, p->act_min, p->act_max);
        }
        output += p->n;
    }
}
