/* Test driver: params (rows, k, n, z_in, z_out, act_min, act_max), input, weights, bias
 * (empty: NULL), mult, shift -> hcc_fully_connected_s8 output [rows, n]. */
#include "driver_params.h"

int main(void) {
    hcc_fc_params_t p;
    const int32_t *v, *bias, *mult, *shift;
    const int8_t *input, *weights;
    int8_t *output;
    tio_begin();
    v = dp_ints(7);
    p.rows = v[0]; p.k = v[1]; p.n = v[2];
    p.z_in = v[3]; p.z_out = v[4]; p.act_min = v[5]; p.act_max = v[6];
    input = (const int8_t *)tio_next(NULL);
    weights = (const int8_t *)tio_next(NULL);
    bias = dp_optional_ints();
    mult = (const int32_t *)tio_next(NULL);
    shift = (const int32_t *)tio_next(NULL);
    output = (int8_t *)malloc((size_t)(p.rows * p.n));
    hcc_fully_connected_s8(&p, input, weights, bias, mult, shift, malloc(hcc_fully_connected_s8_scratch_size(&p) + 4u),
                           output);
    tio_emit(output, (size_t)(p.rows * p.n));
    return 0;
}
