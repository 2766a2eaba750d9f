/* Mul with TFLM's arithmetic; spec: tflite_numerics.mul_int8 (reference_integer_ops::MulElementwise). */
#include "hcc_tflm.h"

void hcc_tflm_mul_s8(const hcc_mul_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                     int32_t channels, hcc_broadcast_t b_kind, int8_t *output) {
    int32_t r, c;
    for (r = 0; r < rows; r++) {
        for (c = 0; c < channels; c++) {
            const size_t k = (size_t)r * channels + c;
            const int8_t vb = b_kind == HCC_BROADCAST_NONE ? b[k] : b_kind == HCC_BROADCAST_CHANNEL ? b[c] : b[0];
            const int32_t q = hcc_tflm_mbqm(((int32_t)a[k] - p->z_a) * ((int32_t)vb - p->z_b), p->mult, p->shift) + p->z_out;
            output[k] = (int8_t)(q < p->act_min ? p->act_min : q > p->act_max ? p->act_max : q);
        }
    }
}
