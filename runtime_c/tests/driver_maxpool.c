/* Test driver: pool params, input -> hcc_maxpool_s8 output [out_h, out_w, c]. */
#include "driver_params.h"

int main(void) {
    hcc_pool_params_t p;
    const int8_t *input;
    int8_t *output;
    size_t out_size;
    tio_begin();
    p = dp_pool(dp_ints(DP_POOL_COUNT));
    input = (const int8_t *)tio_next(NULL);
    out_size = (size_t)(p.out_h * p.out_w * p.c);
    output = (int8_t *)malloc(out_size ? out_size : 1u);
    hcc_maxpool_s8(&p, input, output);
    tio_emit(output, out_size);
    return 0;
}
