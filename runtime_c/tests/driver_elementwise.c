/* Test driver for add and mul: op (0: hcc_add_s8 with add params, 1: hcc_mul_s8 with
 * z_a, z_b, z_out, mult, shift, act_min, act_max), a, b, rows, channels, broadcast kind. */
#include "driver_params.h"

int main(void) {
    int32_t op, rows, channels, kind;
    const int32_t *v;
    const int8_t *a, *b;
    int8_t *output;
    size_t size;
    tio_begin();
    op = tio_i32();
    v = dp_ints(op == 0 ? DP_ADD_COUNT : 7);
    a = (const int8_t *)tio_next(&size);
    b = (const int8_t *)tio_next(NULL);
    rows = tio_i32();
    channels = tio_i32();
    kind = tio_i32();
    output = (int8_t *)malloc(size);
    if (op == 0) {
        const hcc_add_params_t p = dp_add(v);
        hcc_add_s8(&p, a, b, rows, channels, (hcc_broadcast_t)kind, output);
    } else {
        hcc_mul_params_t p;
        p.z_a = v[0]; p.z_b = v[1]; p.z_out = v[2];
        p.mult = v[3]; p.shift = v[4];
        p.act_min = v[5]; p.act_max = v[6];
        hcc_mul_s8(&p, a, b, rows, channels, (hcc_broadcast_t)kind, output);
    }
    tio_emit(output, size);
    return 0;
}
