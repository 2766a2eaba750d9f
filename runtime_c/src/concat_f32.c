/* Concatenation of float32 tensors viewed as [outer, inner_sizes[i]]. */
#include <string.h>

#include "hcc_movement.h"

void hcc_concat_f32(const float *const *inputs, const int32_t *inner_sizes, int32_t n_inputs,
                    int32_t outer, float *output) {
    int32_t o, t;
    for (o = 0; o < outer; ++o) {
        for (t = 0; t < n_inputs; ++t) {
            memcpy(output, inputs[t] + o * inner_sizes[t], (size_t)inner_sizes[t] * sizeof(float));
            output += inner_sizes[t];
        }
    }
}
