/* Concatenation (and copy, with one input) of tensors sharing one quantization. */
#include "hcc_kernels.h"

void hcc_concat_s8(const int8_t *const *inputs, const int32_t *inner_sizes, int32_t n_inputs,
                   int32_t outer, int8_t *output) {
    int32_t o, t, i;
    for (o = 0; o < outer; ++o) {
        for (t = 0; t < n_inputs; ++t) {
            const int8_t *src = inputs[t] + o * inner_sizes[t];
            for (i = 0; i < inner_sizes[t]; ++i) *output++ = src[i];
        }
    }
}
