/* Test driver: params (batch, m, k, n, z_a, z_b, z_out, mult, shift, act_min, act_max,
 * with_scratch), a, b -> hcc_matmul_s8 output [batch, m, n]. */
#include "driver_params.h"

int main(void) {
    hcc_matmul_params_t p;
    const int32_t *v;
    const int8_t *a, *b;
    int8_t *output;
    size_t size;
    tio_begin();
    void *scratch = NULL;
    v = dp_ints(12);
    p.batch = v[0]; p.m = v[1]; p.k = v[2]; p.n = v[3];
    p.z_a = v[4]; p.z_b = v[5]; p.z_out = v[6]; p.mult = v[7]; p.shift = v[8];
    p.act_min = v[9]; p.act_max = v[10];
    a = (const int8_t *)tio_next(NULL);
    b = (const int8_t *)tio_next(NULL);
    size = (size_t)(p.batch * p.m * p.n);
    output = (int8_t *)malloc(size ? size : 1u);
    if (v[11]) {
        const size_t bytes = hcc_matmul_s8_scratch_size(&p);
        scratch = malloc(bytes ? bytes : 1u);
        if (bytes == 0) {
            free(scratch);
            scratch = NULL;
        }
    }
    hcc_matmul_s8(&p, a, b, scratch, output);
    free(scratch);
    tio_emit(output, size);
    return 0;
}
