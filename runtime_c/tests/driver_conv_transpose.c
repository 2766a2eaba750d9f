/* Test driver: conv params (hcc_conv2d_params_t read as a transposed convolution), input,
 * weights [out_c, k_h, k_w, in_c / groups], bias (empty: NULL), mult, shift ->
 * hcc_conv_transpose2d_s8's output [out_h, out_w, out_c]. */
#include "driver_params.h"

int main(void) {
    hcc_conv2d_params_t p;
    const int8_t *input, *weights;
    const int32_t *bias, *mult, *shift;
    int8_t *output;
    void *scratch;
    size_t out_size;
    tio_begin();
    p = dp_conv(dp_ints(DP_CONV_COUNT));
    input = (const int8_t *)tio_next(NULL);
    weights = (const int8_t *)tio_next(NULL);
    bias = dp_optional_ints();
    mult = (const int32_t *)tio_next(NULL);
    shift = (const int32_t *)tio_next(NULL);
    out_size = (size_t)(p.out_h * p.out_w * p.out_c);
    output = (int8_t *)malloc(out_size);
    scratch = malloc(hcc_conv_transpose2d_s8_scratch_size(&p));  /* exactly: ASan sees overruns */
    hcc_conv_transpose2d_s8(&p, input, weights, bias, mult, shift, scratch, output);
    tio_emit(output, out_size);
    return 0;
}
