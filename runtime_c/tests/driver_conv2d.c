/* Test driver: variant (0: hcc_conv2d_s8, 1: hcc_conv2d_3x3_s8, 2: hcc_conv_transpose2d_s8,
 * 2 + g: hcc_conv2d_3x3_s8 with weight_pairs = g >= 1, -1: with weight_pairs = -1), conv params,
 * input, weights, bias (empty: NULL), mult, shift -> output [out_h, out_w, out_c]. Scratch is
 * allocated at exactly the size asked for: ASan sees overruns. */
#include "driver_params.h"

int main(void) {
    int32_t variant;
    hcc_conv2d_params_t p;
    const int8_t *input, *weights;
    const int32_t *bias, *mult, *shift;
    int8_t *output;
    size_t out_size;
    tio_begin();
    variant = tio_i32();
    p = dp_conv(dp_ints(DP_CONV_COUNT));
    input = (const int8_t *)tio_next(NULL);
    weights = (const int8_t *)tio_next(NULL);
    bias = dp_optional_ints();
    mult = (const int32_t *)tio_next(NULL);
    shift = (const int32_t *)tio_next(NULL);
    out_size = (size_t)(p.out_h * p.out_w * p.out_c);
    output = (int8_t *)malloc(out_size);
    if (variant == 2) {
        void *scratch = malloc(hcc_conv_transpose2d_s8_scratch_size(&p));
        hcc_conv_transpose2d_s8(&p, input, weights, bias, mult, shift, scratch, output);
    } else if (variant != 0) {
        void *scratch;
        if (variant > 2) p.weight_pairs = variant - 2;
        if (variant < 0) p.weight_pairs = -1;
        scratch = malloc(hcc_conv2d_3x3_s8_scratch_size(&p));
        hcc_conv2d_3x3_s8(&p, input, weights, bias, mult, shift, scratch, output);
    } else {
        hcc_conv2d_s8(&p, input, weights, bias, mult, shift, output);
    }
    tio_emit(output, out_size);
    return 0;
}
