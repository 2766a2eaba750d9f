/* Generic transpose up to rank 4: a byte copy in output order. */
#include "hcc_kernels.h"

#if !HCC_XTENSA_KERNELS
/* out[j rows + r] = src[r stride + j] for r < rows (at most 4), j < cols */
static inline __attribute__((always_inline)) void interleave_rows(const int8_t *src, int32_t stride, int32_t cols,
                                                                  int32_t rows, int8_t *out) {
    int32_t j, r;
    for (j = 0; j < cols; ++j) {
        for (r = 0; r < rows; ++r) out[j * rows + r] = src[r * stride + j];
    }
}
#endif

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
#if !HCC_XTENSA_KERNELS
    /* On the host, a few-channel NCHW -> NHWC (the output's last axis at most 4 long, the one
     * before it contiguous in the input) interleaves whole input rows: the loop over a 3-byte
     * pixel cost more than its bytes (a 3x96x96 image 17.1 -> 0.63 us). (On the lx106 a
     * row-order loop made the attention's small transposes slower: it keeps the plain one.) */
    if (step[2] == 1 && out_dims[3] <= 4 && out_dims[2] >= 4 * out_dims[3]) {
        const int32_t cols = out_dims[2], rows = out_dims[3];
        for (i0 = 0; i0 < out_dims[0]; ++i0) {
            for (i1 = 0; i1 < out_dims[1]; ++i1, output += cols * rows) {
                const int8_t *src = input + i0 * step[0] + i1 * step[1];
                switch (rows) {  /* a constant trip count per case: GCC vectorizes each by shuffles */
                case 1: interleave_rows(src, step[3], cols, 1, output); break;
                case 2: interleave_rows(src, step[3], cols, 2, output); break;
                case 3: interleave_rows(src, step[3], cols, 3, output); break;
                default: interleave_rows(src, step[3], cols, 4, output); break;
                }
            }
        }
        return;
    }
#endif
    for (i0 = 0; i0 < out_dims[0]; ++i0) {
        for (i1 = 0; i1 < out_dims[1]; ++i1) {
            for (i2 = 0; i2 < out_dims[2]; ++i2) {
                const int8_t *src = input + i0 * step[0] + i1 * step[1] + i2 * step[2];
                for (i3 = 0; i3 < out_dims[3]; ++i3) *output++ = src[i3 * step[3]];
            }
        }
    }
}
