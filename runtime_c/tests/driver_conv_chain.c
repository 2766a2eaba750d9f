/* Test driver: mode (0: run, 1: emit hcc_conv_chain_s8_scratch_size as int32, 2: run in place:
 * after the tensors, which (0: the input, 1: the residual) and lag; the output starts lag
 * bytes below that tensor in one buffer), the first block's params, the second block's (each
 * as driver_conv2d_pool.c reads them), input, then per conv weights, bias (empty: NULL), mult,
 * shift, then residual -> the second block's output. Scratch of exactly the size asked for. */
#include "driver_params.h"

int main(void) {
    hcc_conv2d_pool_params_t first, second;
    hcc_conv_weights_t w[2];
    const int8_t *input, *residual;
    int8_t *output;
    void *scratch;
    size_t out_size, scratch_size, in_size;
    int32_t mode, i;
    tio_begin();
    mode = tio_i32();
    first = dp_block(dp_ints(DP_BLOCK_COUNT));
    second = dp_block(dp_ints(DP_BLOCK_COUNT));
    scratch_size = hcc_conv_chain_s8_scratch_size(&first, &second);
    if (mode == 1) {
        const int32_t size = (int32_t)scratch_size;
        tio_emit(&size, sizeof size);
        return 0;
    }
    input = (const int8_t *)tio_next(&in_size);
    for (i = 0; i < 2; ++i) {
        w[i].weights = (const int8_t *)tio_next(NULL);
        w[i].bias = dp_optional_ints();
        w[i].mult = (const int32_t *)tio_next(NULL);
        w[i].shift = (const int32_t *)tio_next(NULL);
    }
    residual = (const int8_t *)tio_next(NULL);
    out_size = second.has_pool ? (size_t)(second.pool.out_h * second.pool.out_w * second.conv.out_c)
                               : (size_t)(second.conv.out_h * second.conv.out_w * second.conv.out_c);
    scratch = malloc(scratch_size ? scratch_size : 1u);
    if (mode == 2) {
        const int32_t which = tio_i32(), lag = tio_i32();
        const size_t shared_size = which == 0 ? in_size
                                              : (size_t)(second.conv.out_h * second.conv.out_w * second.conv.out_c);
        int8_t *buffer = (int8_t *)malloc((size_t)lag + shared_size > out_size ? (size_t)lag + shared_size : out_size);
        memcpy(buffer + lag, which == 0 ? input : residual, shared_size);
        hcc_conv_chain_s8(&first, &second, which == 0 ? buffer + lag : input, &w[0], &w[1],
                          which == 1 ? buffer + lag : residual, scratch, buffer);
        tio_emit(buffer, out_size);
        return 0;
    }
    output = (int8_t *)malloc(out_size);
    hcc_conv_chain_s8(&first, &second, input, &w[0], &w[1], residual, scratch, output);
    tio_emit(output, out_size);
    return 0;
}
