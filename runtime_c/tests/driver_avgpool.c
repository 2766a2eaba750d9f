/* Test driver for the pooling and reduction kernels (hcc_pool.h). The first integer picks:
 * 0 hcc_avgpool_s8: avgpool params (pool, 4 counts, z_in, z_out), input, mult[], shift[];
 * 1 hcc_mean_s8: input, outer, n, inner, z_in, z_out, mult, shift;
 * 2 hcc_reduce_max_s8: input, outer, n, inner;
 * 3 hcc_avgpool_f32: avgpool params, input; 4 hcc_mean_f32 and 5 hcc_reduce_max_f32: input,
 * outer, n, inner. The output bytes go to stdout. */
#include "driver_params.h"

static hcc_avgpool_params_t dp_avgpool(const int32_t *v) {
    hcc_avgpool_params_t p;
    p.pool = dp_pool(v);
    v += DP_POOL_COUNT;
    p.count_top = v[0]; p.count_left = v[1]; p.count_bottom = v[2]; p.count_right = v[3];
    p.z_in = v[4]; p.z_out = v[5];
    return p;
}
#define DP_AVGPOOL_COUNT (DP_POOL_COUNT + 6)

int main(void) {
    void *output;
    size_t out_size;
    const int32_t kernel = (tio_begin(), tio_i32());
    if (kernel == 0 || kernel == 3) {
        const hcc_avgpool_params_t p = dp_avgpool(dp_ints(DP_AVGPOOL_COUNT));
        const void *input = tio_next(NULL);
        out_size = (size_t)(p.pool.out_h * p.pool.out_w * p.pool.c) * (kernel == 0 ? 1u : sizeof(float));
        output = malloc(out_size ? out_size : 1u);
        if (kernel == 0) {
            const int32_t *mult = (const int32_t *)tio_next(NULL), *shift = (const int32_t *)tio_next(NULL);
            hcc_avgpool_s8(&p, (const int8_t *)input, mult, shift, (int8_t *)output);
        } else {
            hcc_avgpool_f32(&p, (const float *)input, (float *)output);
        }
    } else {
        const void *input = tio_next(NULL);
        const int32_t outer = tio_i32(), n = tio_i32(), inner = tio_i32();
        const size_t elem = kernel < 3 ? 1u : sizeof(float);
        out_size = (size_t)(outer * inner) * elem;
        output = malloc(out_size ? out_size : 1u);
        if (kernel == 1) {
            const int32_t z_in = tio_i32(), z_out = tio_i32(), mult = tio_i32(), shift = tio_i32();
            hcc_mean_s8((const int8_t *)input, outer, n, inner, z_in, z_out, mult, shift, (int8_t *)output);
        } else if (kernel == 2) {
            hcc_reduce_max_s8((const int8_t *)input, outer, n, inner, (int8_t *)output);
        } else if (kernel == 4) {
            hcc_mean_f32((const float *)input, outer, n, inner, (float *)output);
        } else {
            hcc_reduce_max_f32((const float *)input, outer, n, inner, (float *)output);
        }
    }
    tio_emit(output, out_size);
    return 0;
}
