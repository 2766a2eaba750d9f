/* Test driver: mode (0: hcc_conv_chain_n_s8; 2: the same in place, the output starting lag
 * bytes below the input in one buffer; 3: hcc_conv_chain_mean_s8; 4: hcc_conv_chain_n_s8 with
 * the residual made by a conv; 5: that in place, the residual conv reading the chain's input),
 * n, the n blocks' params (each as driver_conv2d_pool.c reads them), the input, then per conv
 * weights, bias (empty: NULL), mult, shift, then the residual (modes 0, 2), the lag (modes 2,
 * 5), z_in, z_out, mult, shift of the mean (mode 3), or (modes 4, 5) the residual conv's
 * params, input (mode 4), weights, bias, mult, shift -> the last block's output (mode 3: the
 * mean, out_c bytes). Scratch of exactly the size asked for. */
#include "driver_params.h"

int main(void) {
    hcc_conv2d_pool_params_t blocks[HCC_CONV_CHAIN_MAX];
    const hcc_conv2d_pool_params_t *p[HCC_CONV_CHAIN_MAX];
    hcc_conv_weights_t weights[HCC_CONV_CHAIN_MAX];
    const hcc_conv_weights_t *w[HCC_CONV_CHAIN_MAX];
    const int8_t *input;
    const hcc_conv2d_pool_params_t *last;
    int8_t *output;
    void *scratch;
    size_t out_size, scratch_size, in_size;
    int32_t mode, n, i;
    tio_begin();
    mode = tio_i32();
    n = tio_i32();
    if (n < 1 || n > HCC_CONV_CHAIN_MAX) return 2;
    for (i = 0; i < n; ++i) {
        blocks[i] = dp_block(dp_ints(DP_BLOCK_COUNT));
        p[i] = &blocks[i];
    }
    input = (const int8_t *)tio_next(&in_size);
    for (i = 0; i < n; ++i) {
        weights[i].weights = (const int8_t *)tio_next(NULL);
        weights[i].bias = dp_optional_ints();
        weights[i].mult = (const int32_t *)tio_next(NULL);
        weights[i].shift = (const int32_t *)tio_next(NULL);
        w[i] = &weights[i];
    }
    last = p[n - 1];
    if (mode == 3) {
        const int32_t z_in = tio_i32(), z_out = tio_i32(), mult = tio_i32(), shift = tio_i32();
        scratch_size = hcc_conv_chain_mean_s8_scratch_size(n, p);
        scratch = malloc(scratch_size ? scratch_size : 1u);
        output = (int8_t *)malloc((size_t)last->conv.out_c);
        hcc_conv_chain_mean_s8(n, p, w, input, z_in, z_out, mult, shift, scratch, output);
        tio_emit(output, (size_t)last->conv.out_c);
        return 0;
    }
    out_size = last->has_pool ? (size_t)(last->pool.out_h * last->pool.out_w * last->conv.out_c)
                              : (size_t)(last->conv.out_h * last->conv.out_w * last->conv.out_c);
    if (mode == 4 || mode == 5) {
        const int32_t lag = mode == 5 ? tio_i32() : 0;
        hcc_conv2d_pool_params_t res_block = dp_block(dp_ints(DP_BLOCK_COUNT));
        hcc_conv_weights_t res_w;
        hcc_conv_source_t res;
        int8_t *buffer = NULL;
        res.p = &res_block;
        res.input = mode == 4 ? (const int8_t *)tio_next(NULL) : input;
        res_w.weights = (const int8_t *)tio_next(NULL);
        res_w.bias = dp_optional_ints();
        res_w.mult = (const int32_t *)tio_next(NULL);
        res_w.shift = (const int32_t *)tio_next(NULL);
        res.w = &res_w;
        scratch_size = hcc_conv_chain_n_s8_scratch_size(n, p, &res);
        scratch = malloc(scratch_size ? scratch_size : 1u);
        if (mode == 5) {
            buffer = (int8_t *)malloc((size_t)lag + in_size > out_size ? (size_t)lag + in_size : out_size);
            memcpy(buffer + lag, input, in_size);
            res.input = buffer + lag;
            hcc_conv_chain_n_s8(n, p, w, buffer + lag, NULL, &res, scratch, buffer);
            tio_emit(buffer, out_size);
            return 0;
        }
        output = (int8_t *)malloc(out_size);
        hcc_conv_chain_n_s8(n, p, w, input, NULL, &res, scratch, output);
        tio_emit(output, out_size);
        return 0;
    }
    scratch_size = hcc_conv_chain_n_s8_scratch_size(n, p, NULL);
    scratch = malloc(scratch_size ? scratch_size : 1u);
    {
        const int8_t *residual = (const int8_t *)tio_next(NULL);
        if (mode == 2) {
            const int32_t lag = tio_i32();
            int8_t *buffer = (int8_t *)malloc((size_t)lag + in_size > out_size ? (size_t)lag + in_size : out_size);
            memcpy(buffer + lag, input, in_size);
            hcc_conv_chain_n_s8(n, p, w, buffer + lag, residual, NULL, scratch, buffer);
            tio_emit(buffer, out_size);
            return 0;
        }
        output = (int8_t *)malloc(out_size);
        hcc_conv_chain_n_s8(n, p, w, input, residual, NULL, scratch, output);
        tio_emit(output, out_size);
    }
    return 0;
}
