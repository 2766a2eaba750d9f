/* Test driver: rows, channels, z_x, z_y, eps_term, shift, gamma_q[C], beta_q[C], x -> y. */
#include "hcc_runtime.h"
#include "test_io.h"

int main(void) {
    hcc_layernorm_params_t p;
    int32_t rows, channels;
    size_t n;
    int8_t *x, *y;
    tio_begin();
    rows = tio_i32();
    channels = tio_i32();
    p.z_x = tio_i32();
    p.z_y = tio_i32();
    p.eps_term = tio_i32();
    p.shift = tio_i32();
    p.gamma_q = (const int32_t *)tio_next(&n);
    p.beta_q = (const int32_t *)tio_next(&n);
    x = (int8_t *)tio_next(&n);
    y = (int8_t *)malloc((size_t)rows * (size_t)channels);
    if (!y) return 2;
    hcc_layernorm_s8(&p, x, rows, channels, y);
    tio_emit(y, (size_t)rows * (size_t)channels);
    return 0;
}
