/* Test drivers: kernel parameter structs read as one int32 array, fields in declaration
 * order (tests/runtime/kernel_args.py writes them). Test code only. */
#ifndef HCC_DRIVER_PARAMS_H
#define HCC_DRIVER_PARAMS_H

#include "hcc_kernels.h"
#include "test_io.h"

/* The next blob as an int32 array of exactly `count` entries. */
static inline int32_t *dp_ints(size_t count) {
    size_t len;
    int32_t *v = (int32_t *)tio_next(&len);
    if (len != count * 4) tio_fail("parameter array has the wrong length");
    return v;
}

static inline hcc_conv2d_params_t dp_conv(const int32_t *v) {
    hcc_conv2d_params_t p;
    p.in_h = v[0]; p.in_w = v[1]; p.in_c = v[2];
    p.out_h = v[3]; p.out_w = v[4]; p.out_c = v[5];
    p.k_h = v[6]; p.k_w = v[7];
    p.stride_h = v[8]; p.stride_w = v[9];
    p.pad_top = v[10]; p.pad_left = v[11];
    p.dilation_h = v[12]; p.dilation_w = v[13];
    p.groups = v[14];
    p.z_in = v[15]; p.z_out = v[16];
    p.act_min = v[17]; p.act_max = v[18];
    p.weight_pairs = v[19];
    return p;
}
#define DP_CONV_COUNT 20

static inline hcc_pool_params_t dp_pool(const int32_t *v) {
    hcc_pool_params_t p;
    p.in_h = v[0]; p.in_w = v[1]; p.c = v[2];
    p.out_h = v[3]; p.out_w = v[4];
    p.k_h = v[5]; p.k_w = v[6];
    p.stride_h = v[7]; p.stride_w = v[8];
    p.pad_top = v[9]; p.pad_left = v[10];
    return p;
}
#define DP_POOL_COUNT 11

static inline hcc_add_params_t dp_add(const int32_t *v) {
    hcc_add_params_t p;
    p.z_a = v[0]; p.z_b = v[1]; p.z_out = v[2];
    p.m_a = v[3]; p.m_b = v[4]; p.shift = v[5];
    p.act_min = v[6]; p.act_max = v[7];
    return p;
}
#define DP_ADD_COUNT 8

/* A conv block: conv params, has_residual, add params, has_pool, pool params, window. */
static inline hcc_conv2d_pool_params_t dp_block(const int32_t *v) {
    hcc_conv2d_pool_params_t p;
    p.conv = dp_conv(v);
    p.has_residual = v[DP_CONV_COUNT];
    p.add = dp_add(v + DP_CONV_COUNT + 1);
    p.has_pool = v[DP_CONV_COUNT + 1 + DP_ADD_COUNT];
    p.pool = dp_pool(v + DP_CONV_COUNT + 2 + DP_ADD_COUNT);
    p.window = v[DP_CONV_COUNT + 2 + DP_ADD_COUNT + DP_POOL_COUNT];
    return p;
}
#define DP_BLOCK_COUNT (DP_CONV_COUNT + 1 + DP_ADD_COUNT + 1 + DP_POOL_COUNT + 1)

/* An optional int32 array: an empty blob means NULL. */
static inline const int32_t *dp_optional_ints(void) {
    size_t len;
    void *v = tio_next(&len);
    if (len == 0) {
        free(v);
        return NULL;
    }
    return (const int32_t *)v;
}

#endif
