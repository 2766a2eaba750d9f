/* Test driver: params (rows, k, n, z_in, z_out, act_min, act_max, entry), input, weights,
 * bias (empty: NULL), mult, shift -> output [rows, n] of hcc_fully_connected_s8 (entry 0)
 * or of hcc_fully_connected_row_s8 (entry 1: weights and bias in its layout, see
 * hcc_kernels.h); entry 2: hcc_fully_connected_parts_s8 with the parts table that follows
 * (4 ints a part), the parts' outputs one after the other; entry 3: hcc_fully_connected_host_s8
 * (weights, bias, mult and shift in the host layout). */
#include "driver_params.h"

int main(void) {
    hcc_fc_params_t p;
    const int32_t *v, *bias, *mult, *shift;
    const int8_t *input, *weights;
    int8_t *output;
    int32_t entry;
    tio_begin();
    v = dp_ints(8);
    p.rows = v[0]; p.k = v[1]; p.n = v[2];
    p.z_in = v[3]; p.z_out = v[4]; p.act_min = v[5]; p.act_max = v[6];
    entry = v[7];
    input = (const int8_t *)tio_next(NULL);
    weights = (const int8_t *)tio_next(NULL);
    bias = dp_optional_ints();
    mult = (const int32_t *)tio_next(NULL);
    shift = (const int32_t *)tio_next(NULL);
    output = (int8_t *)malloc((size_t)(p.rows * p.n));
    if (entry == 3) {
        hcc_fully_connected_host_s8(&p, input, weights, bias, mult, shift, output);
    } else if (entry == 1) {
        hcc_fully_connected_row_s8(&p, input, (const uint8_t *)weights, bias, mult, shift, output);
    } else if (entry == 2) {
        size_t bytes;
        const int32_t *parts = (const int32_t *)tio_next(&bytes);
        const int32_t n_parts = (int32_t)(bytes / (4u * sizeof(int32_t)));
        int8_t *outs[64];
        int32_t j, at = 0;
        for (j = 0; j < n_parts && j < 64; ++j) {
            outs[j] = output + at;
            at += p.rows * parts[4 * j];
        }
        hcc_fully_connected_parts_s8(&p, input, weights, bias, mult, shift, parts, n_parts,
                                     malloc(hcc_fully_connected_s8_scratch_size(&p) + 4u), outs);
    } else {
        hcc_fully_connected_s8(&p, input, weights, bias, mult, shift,
                               malloc(hcc_fully_connected_s8_scratch_size(&p) + 4u), output);
    }
    tio_emit(output, (size_t)(p.rows * p.n));
    return 0;
}
