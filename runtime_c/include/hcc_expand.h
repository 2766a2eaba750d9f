/* Expand (numpy-style broadcast to a larger shape); included by hcc_kernels.h. One kernel
 * for both builds: it copies elements of any size. */
#ifndef HCC_EXPAND_H
#define HCC_EXPAND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* output[i0, .., i{rank-1}] = input[sum_k i_k * steps[k]] for the output dims[0..rank-1]
 * (rank in [1, 4]), elements of elem_bytes bytes; steps in elements, 0 along a broadcast
 * axis (hcc/ops/expand.py: broadcast_copy_plan merges axes, so that the innermost axis is
 * either contiguous, step 1, or one element repeated, step 0). input and output must not
 * overlap. */
void hcc_expand(const void *input, int32_t rank, const int32_t *dims, const int32_t *steps,
                int32_t elem_bytes, void *output);

#ifdef __cplusplus
}
#endif

#endif
