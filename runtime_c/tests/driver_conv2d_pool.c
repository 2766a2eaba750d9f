/* Test driver: mode (0: run, 1: emit hcc_conv2d_pool_s8_scratch_size as int32, 2: run in place:
 * then after the tensors, which (0: x, 1: the residual) and lag, and the output starts lag
 * bytes below that input in one buffer of max(lag + its size, the output's size)), block params
 * (conv params, has_residual, add params, has_pool, pool params, window), input, weights, bias
 * (empty: NULL), mult, shift, residual -> the block's output. Scratch is allocated at exactly
 * the size the kernel asks for, so AddressSanitizer sees any overrun. */
#include "driver_params.h"

int main(void) {
    hcc_conv2d_pool_params_t p;
    const int8_t *input, *weights, *residual;
    const int32_t *bias, *mult, *shift;
    int8_t *output;
    void *scratch;
    size_t out_size, scratch_size;
    int32_t mode;
    tio_begin();
    mode = tio_i32();
    p = dp_block(dp_ints(DP_BLOCK_COUNT));
    scratch_size = hcc_conv2d_pool_s8_scratch_size(&p);
    if (mode == 1) {
        const int32_t size = (int32_t)scratch_size;
        tio_emit(&size, sizeof size);
        return 0;
    }
    input = (const int8_t *)tio_next(NULL);
    weights = (const int8_t *)tio_next(NULL);
    bias = dp_optional_ints();
    mult = (const int32_t *)tio_next(NULL);
    shift = (const int32_t *)tio_next(NULL);
    residual = (const int8_t *)tio_next(NULL);
    out_size = p.has_pool ? (size_t)(p.pool.out_h * p.pool.out_w * p.conv.out_c)
                          : (size_t)(p.conv.out_h * p.conv.out_w * p.conv.out_c);
    scratch = malloc(scratch_size ? scratch_size : 1u);
    if (mode == 2) {
        size_t in_size;
        const int32_t which = tio_i32(), lag = tio_i32();
        const int8_t *shared = which == 0 ? input : residual;
        int8_t *buffer;
        in_size = which == 0 ? (size_t)(p.conv.in_h * p.conv.in_w * p.conv.in_c)
                             : (size_t)(p.conv.out_h * p.conv.out_w * p.conv.out_c);
        buffer = (int8_t *)malloc((size_t)lag + in_size > out_size ? (size_t)lag + in_size : out_size);
        memcpy(buffer + lag, shared, in_size);
        hcc_conv2d_pool_s8(&p, which == 0 ? buffer + lag : input, weights, bias, mult, shift,
                           which == 1 ? buffer + lag : residual, scratch, buffer);
        tio_emit(buffer, out_size);
        return 0;
    }
    output = (int8_t *)malloc(out_size);
    hcc_conv2d_pool_s8(&p, input, weights, bias, mult, shift, residual, scratch, output);
    tio_emit(output, out_size);
    return 0;
}
