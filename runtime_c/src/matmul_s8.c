/* int8 batched matmul of two activations (attention): one multiplier for the whole output. */
#include "hcc_kernels.h"

void hcc_matmul_s8(const hcc_matmul_params_t *p, const int8_t *a, const int8_t *b, int8_t *output) {
    int32_t bt, i, j, t;
    for (bt = 0; bt < p->batch; ++bt) {
        for (i = 0; i < p->m; ++i) {
            const int8_t *a_row = a + i * p->k;
            for (j = 0; j < p->n; ++j) {
                int32_t acc = 0;
                for (t = 0; t < p->k; ++t) acc += (a_row[t] - p->z_a) * (b[t * p->n + j] - p->z_b);
                *output++ = hcc_requantize_s8(acc, p->mult, p->shift, p->z_out, p->act_min,
                                              p->act_max);
            }
        }
        a += p->m * p->k;
        b += p->k * p->n;
    }
}
