/* Test driver. global 0: pool params, input, z_in, z_out, mult[], shift[] -> hcc_avgpool_s8;
 * global 1: input, hw, c, z_in, z_out, mult, shift -> hcc_global_avgpool_s8 [c]. */
#include "driver_params.h"

int main(void) {
    int8_t *output;
    size_t out_size;
    tio_begin();
    if (tio_i32() == 0) {
        const hcc_pool_params_t p = dp_pool(dp_ints(DP_POOL_COUNT));
        const int8_t *input = (const int8_t *)tio_next(NULL);
        const int32_t z_in = tio_i32(), z_out = tio_i32();
        const int32_t *mult = (const int32_t *)tio_next(NULL), *shift = (const int32_t *)tio_next(NULL);
        out_size = (size_t)(p.out_h * p.out_w * p.c);
        output = (int8_t *)malloc(out_size);
        hcc_avgpool_s8(&p, input, z_in, z_out, mult, shift, output);
    } else {
        const int8_t *input = (const int8_t *)tio_next(NULL);
        const int32_t hw = tio_i32(), c = tio_i32(), z_in = tio_i32(), z_out = tio_i32();
        const int32_t mult = tio_i32(), shift = tio_i32();
        out_size = (size_t)c;
        output = (int8_t *)malloc(out_size);
        hcc_global_avgpool_s8(input, hw, c, z_in, z_out, mult, shift, output);
    }
    tio_emit(output, out_size);
    return 0;
}
