/* The speed baseline for hcc's kernels: the int8 3x3 convolution as anyone would first
 * write it. Nested loops, bounds tests for the padding inside the window loops, int32
 * accumulation, no unrolling, no im2col. Shapes are compile-time constants (as they are
 * in generated code): with run-time shapes GCC cannot unroll the channel loop and the
 * figure is ~11.8 instructions/MAC at both -O2 and -O3 instead of ~11.6 / ~10.0.
 * Measured on the lx106 simulator by bench/naive/conv2d_naive_main.c
 * (docs/xtensa-harness.md). */
#include "conv2d_naive.h"

void conv2d_naive_3x3(const int8_t *input, const int8_t *weights, const int32_t *bias,
                      int shift, int8_t *output)
{
    for (int y = 0; y < CONV_H; y++) {
        for (int x = 0; x < CONV_W; x++) {
            for (int oc = 0; oc < CONV_COUT; oc++) {
                int32_t acc = bias[oc];
                for (int ky = 0; ky < 3; ky++) {
                    int iy = y + ky - 1;
                    if (iy < 0 || iy >= CONV_H) {
                        continue;
                    }
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x + kx - 1;
                        if (ix < 0 || ix >= CONV_W) {
                            continue;
                        }
                        const int8_t *px = input + (iy * CONV_W + ix) * CONV_CIN;
                        const int8_t *wk = weights + ((oc * 3 + ky) * 3 + kx) * CONV_CIN;
                        for (int ic = 0; ic < CONV_CIN; ic++) {
                            acc += (int32_t)px[ic] * (int32_t)wk[ic];
                        }
                    }
                }
                acc >>= shift;
                output[(y * CONV_W + x) * CONV_COUT + oc] =
                    (int8_t)(acc < -128 ? -128 : (acc > 127 ? 127 : acc));
            }
        }
    }
}
