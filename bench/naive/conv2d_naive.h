/* The speed baseline: a plain nested-loop int8 3x3 convolution (see conv2d_naive.c). */
#ifndef HCC_BENCH_CONV2D_NAIVE_H
#define HCC_BENCH_CONV2D_NAIVE_H

#include <stdint.h>

/* Shapes are compile-time constants, as in generated code; override with -D. */
#ifndef CONV_H
#define CONV_H 49
#endif
#ifndef CONV_W
#define CONV_W 49
#endif
#ifndef CONV_CIN
#define CONV_CIN 16
#endif
#ifndef CONV_COUT
#define CONV_COUT 32
#endif

/* NHWC input (CONV_H x CONV_W x CONV_CIN), OHWI weights (CONV_COUT x 3 x 3 x CONV_CIN),
 * stride 1, zero padding 1, int32 accumulation; output CONV_H x CONV_W x CONV_COUT int8
 * = ((acc + bias) >> shift) clamped to [-128, 127]. */
void conv2d_naive_3x3(const int8_t *input, const int8_t *weights, const int32_t *bias,
                      int shift, int8_t *output);

#endif /* HCC_BENCH_CONV2D_NAIVE_H */
