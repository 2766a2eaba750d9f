/* Test driver for hcc_selective_scan_s8 (tests/runtime/test_selective_scan.py).
 * stdin blobs: u, dt_raw, B, C, L, D, N, dt_rec, a_word, exp_table, m_d,
 * k_in, h_max, z_u, z_b, z_c, z_out, m_y, s_o.  stdout: y [L*D] int8, then the scratch
 * (h [D*N] int32 first). */
#include "hcc_runtime.h"
#include "test_io.h"

int main(void)
{
    hcc_scan_params_t p;
    int8_t *u, *dt_raw, *B, *C, *y;
    int32_t *h;
    int L, D, N;
    size_t i, n_y, h_bytes;

    tio_begin();
    u = (int8_t *)tio_next(NULL);
    dt_raw = (int8_t *)tio_next(NULL);
    B = (int8_t *)tio_next(NULL);
    C = (int8_t *)tio_next(NULL);
    L = tio_i32();
    D = tio_i32();
    N = tio_i32();
    p.dt_rec = (const int32_t *)tio_next(NULL);
    p.a_word = (const int32_t *)tio_next(NULL);
    p.exp_table = (const uint16_t *)tio_next(NULL);
    p.m_d = (const int32_t *)tio_next(NULL);
    p.k_in = tio_i32();
    p.h_max = tio_i32();
    p.z_u = tio_i32();
    p.z_b = tio_i32();
    p.z_c = tio_i32();
    p.z_out = tio_i32();
    p.m_y = tio_i32();
    p.s_o = tio_i32();

    n_y = (size_t)L * (size_t)D;
    y = (int8_t *)malloc(n_y ? n_y : 1u);
    h_bytes = hcc_scan_scratch_size(D, N);
    h = (int32_t *)malloc(h_bytes ? h_bytes : 1u);
    if (!y || !h) tio_fail("out of memory");
    memset(h, 0xA5, h_bytes);   /* the kernel must zero the state itself */
    for (i = 0; i < n_y; ++i) y[i] = 0;

    hcc_selective_scan_s8(u, dt_raw, B, C, y, h, L, D, N, &p);
    tio_emit(y, n_y);
    tio_emit(h, h_bytes);
    return 0;
}
