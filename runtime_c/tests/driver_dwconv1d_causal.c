/* Test driver for hcc_dwconv1d_causal_s8 (tests/runtime/test_dwconv1d_causal.py).
 * stdin blobs: x, L, D, K, w, bias, mult, shift, z_in, z_out, act_min, act_max.
 * stdout: y [L*D] int8. */
#include "hcc_runtime.h"
#include "test_io.h"

int main(void)
{
    const int8_t *x, *w;
    const int32_t *bias, *mult, *shift;
    int8_t *y;
    int L, D, K;
    int32_t z_in, z_out, act_min, act_max;
    size_t n;

    tio_begin();
    x = (const int8_t *)tio_next(NULL);
    L = tio_i32();
    D = tio_i32();
    K = tio_i32();
    w = (const int8_t *)tio_next(NULL);
    bias = (const int32_t *)tio_next(NULL);
    mult = (const int32_t *)tio_next(NULL);
    shift = (const int32_t *)tio_next(NULL);
    z_in = tio_i32();
    z_out = tio_i32();
    act_min = tio_i32();
    act_max = tio_i32();

    n = (size_t)L * (size_t)D;
    y = (int8_t *)malloc(n ? n : 1u);
    if (!y) tio_fail("out of memory");
    hcc_dwconv1d_causal_s8(x, y, L, D, K, w, bias, mult, shift, z_in, z_out, act_min, act_max);
    tio_emit(y, n);
    return 0;
}
