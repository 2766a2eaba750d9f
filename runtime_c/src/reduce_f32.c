/* float32 mean and max over the middle axis of [outer, n, inner]. */
#include "hcc_pool.h"

void hcc_mean_f32(const float *input, int32_t outer, int32_t n, int32_t inner, float *output) {
    int32_t o, i, k;
    for (o = 0; o < outer; ++o, input += n * inner) {
        for (i = 0; i < inner; ++i) {
            float sum = 0.0f;
            for (k = 0; k < n; ++k) sum += input[k * inner + i];
            *output++ = sum / (float)n;
        }
    }
}

void hcc_reduce_max_f32(const float *input, int32_t outer, int32_t n, int32_t inner, float *output) {
    int32_t o, i, k;
    for (o = 0; o < outer; ++o, input += n * inner) {
        for (i = 0; i < inner; ++i) {
            float best = input[i];
            for (k = 1; k < n; ++k) {
                if (input[k * inner + i] > best) best = input[k * inner + i];
            }
            *output++ = best;
        }
    }
}
