/* Generic transpose up to rank 4: a byte copy in output order. */
#include "hcc_kernels.h"

void hcc_transpose_s8(const int8_t *input, int32_t rank, const int32_t *dims, const int32_t *perm,
                      int8_t *output) {
    /* rank r is padded to 4 with leading size-1 dimensions */
    int32_t in_dims[4] = {1, 1, 1, 1}, in_strides[4], out_dims[4], step[4];
    int32_t i, i0, i1, i2, i3;
    const int32_t pad = 4 - rank;
    for (i = 0; i < rank; ++i) in_dims[pad + i] = dims[i];
    in_strides[3] = 1;
    for (i = 2; i >= 0; --i) in_strides[i] = in_strides[i + 1] * in_dims[i + 1];
    for (i = 0; i < 4; ++i) {
        const int32_t src = i < pad ? i : pad + perm[i - pad];
        out_dims[i] = in_dims[src];
        step[i] = in_strides[src];  /* input offset per step along output dimension i */
    }
    for (i0 = 0; i0 < out_dims[0]; ++i0) {
        for (i1 = 0; i1 < out_dims[1]; ++i1) {
            for (i2 = 0; i2 < out_dims[2]; ++i2) {
                const int8_t *src = input + i0 * step[0] + i1 * step[1] + i2 * step[2];
                for (i3 = 0; i3 < out_dims[3]; ++i3) *output++ = src[i3 * step[3]];
            }
        }
    }
}
