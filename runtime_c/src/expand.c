/* Broadcast copy (Expand), any element size: hcc/ops/expand.py. */
#include <string.h>

#include "hcc_expand.h"

void hcc_expand(const void *input, int32_t rank, const int32_t *dims, const int32_t *steps,
                int32_t elem_bytes, void *output) {
    /* rank r is padded to 4 with leading size-1 axes */
    int32_t d[4] = {1, 1, 1, 1}, s[4] = {0, 0, 0, 0};
    int32_t i, i0, i1, i2, i3;
    const int32_t pad = 4 - rank;
    const size_t elem = (size_t)elem_bytes;
    const unsigned char *in = (const unsigned char *)input;
    unsigned char *out = (unsigned char *)output;
    for (i = 0; i < rank; ++i) {
        d[pad + i] = dims[i];
        s[pad + i] = steps[i];
    }
    for (i0 = 0; i0 < d[0]; ++i0) {
        for (i1 = 0; i1 < d[1]; ++i1) {
            for (i2 = 0; i2 < d[2]; ++i2) {
                const unsigned char *src = in + (size_t)(i0 * s[0] + i1 * s[1] + i2 * s[2]) * elem;
                if (s[3] != 0) {  /* a contiguous run of the input */
                    memcpy(out, src, (size_t)d[3] * elem);
                    out += (size_t)d[3] * elem;
                } else {          /* one element, repeated */
                    for (i3 = 0; i3 < d[3]; ++i3) {
                        memcpy(out, src, elem);
                        out += elem;
                    }
                }
            }
        }
    }
}
