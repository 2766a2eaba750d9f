/* Concatenation of int8 tensors, each input copied or requantized through its table. */
#include <string.h>

#include "hcc_movement.h"

void hcc_concat_s8(const int8_t *const *inputs, const int32_t *inner_sizes,
                   const int8_t *const *tables, int32_t n_inputs, int32_t outer, int8_t *output) {
    int32_t o, t, i;
    for (o = 0; o < outer; ++o) {
        for (t = 0; t < n_inputs; ++t) {
            const int32_t n = inner_sizes[t];
            const int8_t *src = inputs[t] + o * n;
            const int8_t *table = tables != NULL ? tables[t] : NULL;
            if (table == NULL) {
                memcpy(output, src, (size_t)n);
            } else {
                for (i = 0; i < n; ++i) output[i] = table[src[i] + 128];
            }
            output += n;
        }
    }
}
