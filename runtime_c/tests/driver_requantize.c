/* Test driver for requantize_s8.c: mode, then three int32 arrays (x, a, b) of equal length;
 * writes one int32 per element. mode 0: hcc_requantize(x, a, b); 1: hcc_round_shift(x, b);
 * 2: hcc_requantize_s8(x, a, b, z_out, act_min, act_max) with three trailing ints;
 * 3: hcc_udiv_u32(x, a, b); 4: hcc_ssm_requantize(x, a, b) (the ssm kernels' private helper). */
#include "hcc_kernels.h"
#include "test_io.h"
#include "../src/ssm_fixed_point.h"

int main(void) {
    size_t n_bytes, i;
    int32_t mode, z_out = 0, act_min = -128, act_max = 127;
    const int32_t *x, *a, *b;
    int32_t *out;
    tio_begin();
    mode = tio_i32();
    x = (const int32_t *)tio_next(&n_bytes);
    a = (const int32_t *)tio_next(NULL);
    b = (const int32_t *)tio_next(NULL);
    if (mode == 2) {
        z_out = tio_i32();
        act_min = tio_i32();
        act_max = tio_i32();
    }
    out = (int32_t *)malloc(n_bytes ? n_bytes : 1u);
    for (i = 0; i < n_bytes / 4; ++i) {
        switch (mode) {
        case 0: out[i] = hcc_requantize(x[i], a[i], b[i]); break;
        case 1: out[i] = hcc_round_shift(x[i], b[i]); break;
        case 2: out[i] = hcc_requantize_s8(x[i], a[i], b[i], z_out, act_min, act_max); break;
        case 4: out[i] = hcc_ssm_requantize(x[i], a[i], b[i]); break;
        default: out[i] = (int32_t)hcc_udiv_u32((uint32_t)x[i], (uint32_t)a[i], b[i]); break;
        }
    }
    tio_emit(out, n_bytes);
    return 0;
}
