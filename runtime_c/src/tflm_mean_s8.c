/* Mean with TFLM's arithmetic; spec: tflite_numerics.mean_int8 (reference_ops::QuantizedMeanOrSum). */
#include "hcc_tflm.h"

void hcc_tflm_mean_s8(const int8_t *input, int32_t outer, int32_t count, int32_t inner, int32_t z_in,
                      int32_t z_out, int32_t mult, int32_t shift, int8_t *output) {
    int32_t o, i, k;
    for (o = 0; o < outer; o++) {
        for (i = 0; i < inner; i++) {
            const int8_t *x = input + (size_t)o * count * inner + i;
            int32_t sum = 0, q;
            for (k = 0; k < count; k++) sum += x[(size_t)k * inner];
            q = hcc_tflm_mbqm(sum - z_in * count, mult, shift) + z_out;
            output[(size_t)o * inner + i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
        }
    }
}
