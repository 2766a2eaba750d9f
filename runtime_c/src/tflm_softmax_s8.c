/* Softmax int8 -> int8 with TFLM's fixed point; spec: tflite_numerics.softmax_int8
 * (reference_ops::Softmax, int8 specialisation: exp sum in Q12.19, GetReciprocal). */
#include "hcc_tflm.h"

void hcc_tflm_softmax_s8(const int8_t *input, int32_t rows, int32_t n, const int32_t *exp_table,
                         int32_t diff_min, int8_t *output) {
    int32_t r, i;
    for (r = 0; r < rows; r++) {
        const int8_t *x = input + (size_t)r * n;
        int8_t *y = output + (size_t)r * n;
        int32_t max = -128, headroom, exponent, scale;
        uint32_t sum = 0;
        for (i = 0; i < n; i++) max = x[i] > max ? x[i] : max;
        for (i = 0; i < n; i++) sum += (uint32_t)hcc_tflm_rdbpot(exp_table[max - x[i]], 12);
        headroom = (int32_t)__builtin_clz(sum);  /* sum > 0: the maximum contributes 2^19 */
        exponent = 12 - headroom + 31 - 8;
        scale = hcc_tflm_one_over_one_plus_x((int32_t)((sum << headroom) - 0x80000000u));
        for (i = 0; i < n; i++) {
            const int32_t d = max - x[i];
            int32_t q;
            if (-d < diff_min) {
                y[i] = -128;
                continue;
            }
            q = hcc_tflm_rdbpot(hcc_tflm_srdhm(scale, exp_table[d]), exponent) - 128;
            y[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
        }
    }
}
