/* float32 transpose up to rank 4: walks the output in order, the input index advanced
 * like an odometer (no division). */
#include "hcc_float.h"

void hcc_transpose_f32(const float *input, int32_t rank, const int32_t *dims, const int32_t *perm,
                       float *output) {
    int32_t in_stride[4], out_dims[4], step[4], idx[4] = {0, 0, 0, 0};
    int32_t total = 1, offset = 0, i, k;
    in_stride[rank - 1] = 1;
    for (k = rank - 2; k >= 0; --k) in_stride[k] = in_stride[k + 1] * dims[k + 1];
    for (k = 0; k < rank; ++k) {
        out_dims[k] = dims[perm[k]];
        step[k] = in_stride[perm[k]];
        total *= dims[k];
    }
    for (i = 0; i < total; ++i) {
        output[i] = input[offset];
        for (k = rank - 1; k >= 0; --k) {
            offset += step[k];
            if (++idx[k] < out_dims[k]) break;
            offset -= step[k] * out_dims[k];
            idx[k] = 0;
        }
    }
}
