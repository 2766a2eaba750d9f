/* Declarations of the float32 kernels (the `hcc compile --float` build); included by
 * hcc_runtime.h.
 *
 * Conventions:
 * - Semantics are the ops' float `eval` in hcc/ops/, computed in float32 (the
 *   reference computes each op in float64 and rounds its result to float32; the kernels
 *   agree within float32 rounding, not bit for bit).
 * - Layouts as in the int8 build: channels last (NHWC, batch 1, for images; [rows,
 *   channels] for token sequences); conv weights OHWI, fully connected weights [N, K].
 * - The kernels use libm (expf, log1pf, sqrtf, tanhf): link the float build with -lm.
 * - No kernel divides integers (lx106 has no divide instruction): the compiler passes
 *   every quotient it needs (in_c / groups, ...) as a parameter.
 * - No kernel allocates; the selective scan's state comes from the caller's arena.
 * - Elementwise kernels (unary, add, mul, layer norm, softmax) may run in place
 *   (output == first input); the others need distinct input and output buffers.
 */
#ifndef HCC_FLOAT_H
#define HCC_FLOAT_H

#include <math.h> /* INFINITY: the unbounded side of a fused activation clamp */
#include <stddef.h>
#include <stdint.h>

#include "hcc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pooling windows (hcc_pool_params_t) and broadcasts (hcc_broadcast_t) are the int8
 * kernels' types, defined in hcc_runtime.h. */

/* ---- conv2d_pool_f32.c: conv [+ residual] [+ clamp] [+ max pool], one NHWC block ------- */

/* Conv input [in_h, in_w, in_c]; weights OHWI [out_c, k_h, k_w, in_c_per_group]; conv
 * output [out_h, out_w, out_c] (never stored: each conv value is computed where the pool
 * window needs it). groups split in_c and out_c evenly (in_c_per_group, out_c_per_group).
 * Padding contributes 0 to the conv. Without has_pool, pool is 1x1 with stride 1 and no
 * padding, over the conv output (pool.in_h = out_h, pool.c = out_c). */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t dilation_h, dilation_w;
    int32_t groups, in_c_per_group, out_c_per_group;
    float act_min, act_max; /* the fused activation after the residual add: clamp to
                              * [act_min, act_max] (ReLU: 0, INFINITY; none: -INFINITY, INFINITY) */
    int32_t has_residual;  /* add residual [out_h, out_w, out_c] to the conv output */
    hcc_pool_params_t pool;
} hcc_conv2d_pool_f32_params_t;

/* output[py, px, c] = max over the pool window of clamp(conv(y, x, c) + bias[c] + residual[y, x, c]).
 * bias may be NULL; residual is ignored without has_residual. output is
 * [pool.out_h, pool.out_w, out_c] and must not overlap input or residual. */
void hcc_conv2d_pool_f32(const hcc_conv2d_pool_f32_params_t *p, const float *input,
                         const float *weights, const float *bias, const float *residual,
                         float *output);

/* ---- maxpool_f32.c --------------------------------------------------------------------- */

/* Rows [*y_begin, *y_end) and columns [*x_begin, *x_end) of the input the window of output
 * (oy, ox) covers (the part of it inside the input; possibly empty). */
void hcc_pool_window(const hcc_pool_params_t *p, int32_t oy, int32_t ox, int32_t *y_begin,
                     int32_t *y_end, int32_t *x_begin, int32_t *x_end);

/* Max over the window's elements inside the input (padding never wins; an empty window
 * gives -INFINITY). */
void hcc_maxpool_f32(const hcc_pool_params_t *p, const float *input, float *output);

/* ---- fully_connected_f32.c ------------------------------------------------------------- */

/* y[r, j] = clamp(bias[j] + sum_i x[r, i] * w[j, i], act_min, act_max) for x [rows, k],
 * w [n, k]; bias may be NULL; -INFINITY / INFINITY: that side unbounded. */
void hcc_fully_connected_f32(const float *x, int32_t rows, int32_t k, int32_t n,
                             const float *weights, const float *bias, float act_min, float act_max,
                             float *y);

/* ---- matmul_f32.c ---------------------------------------------------------------------- */

/* y[b] = a[b] @ bmat[b] for b < batch; a [batch, m, k], bmat [batch, k, n], y [batch, m, n]. */
void hcc_matmul_f32(const float *a, const float *bmat, int32_t batch, int32_t m, int32_t k,
                    int32_t n, float *y);

/* ---- layernorm_f32.c ------------------------------------------------------------------- */

/* Over the last axis of x [rows, channels]: (x - mean) / sqrt(var + eps) * gamma + beta
 * (biased variance; gamma / beta may be NULL: 1 / 0). */
void hcc_layernorm_f32(const float *x, int32_t rows, int32_t channels, const float *gamma,
                       const float *beta, float eps, float *y);

/* ---- softmax_f32.c --------------------------------------------------------------------- */

/* Along the last axis of x [rows, n]: exp(x - max) / sum. */
void hcc_softmax_f32(const float *x, int32_t rows, int32_t n, float *y);

/* The same along the middle axis of x [outer, n, inner] (a softmax over any axis). */
void hcc_softmax_axis_f32(const float *x, int32_t outer, int32_t n, int32_t inner, float *y);

/* ---- unary_f32.c ----------------------------------------------------------------------- */

typedef enum {
    HCC_UNARY_RELU = 0,
    HCC_UNARY_SIGMOID = 1,   /* 1 / (1 + exp(-x)) */
    HCC_UNARY_SILU = 2,      /* x * sigmoid(x) */
    HCC_UNARY_SOFTPLUS = 3,  /* log(1 + exp(x)), without overflow */
    HCC_UNARY_EXP = 4,
    HCC_UNARY_TANH = 5,
    HCC_UNARY_NEG = 6,
    HCC_UNARY_LEAKY_RELU = 7,   /* x >= 0 ? x : a * x (hcc_unary_param_f32) */
    HCC_UNARY_HARD_SIGMOID = 8, /* max(0, min(1, a * x + b)) (hcc_unary_param_f32) */
    HCC_UNARY_HARD_SWISH = 9,   /* x * max(0, min(1, x / 6 + 1/2)) */
    HCC_UNARY_CLIP = 10,        /* min(max(x, a), b) (hcc_unary_param_f32) */
    HCC_UNARY_ABS = 11,
} hcc_unary_t;

/* log(1 + exp(x)) without overflow (the scan folds it into dt). */
float hcc_softplus_f32(float x);

/* y[i] = f(x[i]) for i < n. */
void hcc_unary_f32(hcc_unary_t fn, const float *x, int32_t n, float *y);

/* The same for the functions with parameters a and b (the op's attributes; b unused by some). */
void hcc_unary_param_f32(hcc_unary_t fn, float a, float b, const float *x, int32_t n, float *y);

/* ---- binary_f32.c: add, mul; any binary op under any broadcast ------------------------- */

/* y = a + b / a * b for a, y [rows, channels]; b broadcasts as hcc_broadcast_t says
 * (same shape, [channels] per row, or one scalar). */
void hcc_add_f32(const float *a, const float *b, int32_t rows, int32_t channels,
                 hcc_broadcast_t broadcast, float *y);
void hcc_mul_f32(const float *a, const float *b, int32_t rows, int32_t channels,
                 hcc_broadcast_t broadcast, float *y);

/* y = a op b under any broadcast (hcc_broadcast_shape_t, hcc_runtime.h); y may be a when a
 * has the result's shape. */
typedef enum {
    HCC_BINARY_ADD = 0,
    HCC_BINARY_SUB = 1,
    HCC_BINARY_MUL = 2,
    HCC_BINARY_DIV = 3,
    HCC_BINARY_MAX = 4,
    HCC_BINARY_MIN = 5
} hcc_binary_t;

void hcc_binary_f32(hcc_binary_t fn, const hcc_broadcast_shape_t *shape, const float *a, const float *b, float *y);

/* ---- prelu_f32.c ----------------------------------------------------------------------- */

/* y = x >= 0 ? x : slope * x, the slope broadcast as shape's b (x: a, the result's shape). */
void hcc_prelu_f32(const hcc_broadcast_shape_t *shape, const float *x, const float *slope, float *y);

/* ---- transpose_f32.c ------------------------------------------------------------------- */

/* output = input [dims[0], ..., dims[rank-1]] with its axes permuted: output axis i is
 * input axis perm[i]. rank in [1, 4]. */
void hcc_transpose_f32(const float *input, int32_t rank, const int32_t *dims, const int32_t *perm,
                       float *output);

/* ---- dwconv1d_causal_f32.c ------------------------------------------------------------- */

/* y[t, d] = bias[d] + sum_j w[d, j] * x[t - kernel + 1 + j, d] (x before t = 0 is 0);
 * x, y [length, channels]; w [channels, kernel]; bias may be NULL. */
void hcc_dwconv1d_causal_f32(const float *x, float *y, int32_t length, int32_t channels,
                             int32_t kernel, const float *weights, const float *bias);

/* ---- selective_scan_f32.c -------------------------------------------------------------- */

/* Mamba's recurrence (hcc/ops/selective_scan.py), h_0 = 0:
 *   delta = dt_softplus ? softplus(dt[t, d]) : dt[t, d]
 *   h[d, n] = exp(delta * a[d, n]) * h[d, n] + delta * u[t, d] * b[t, n]
 *   y[t, d] = sum_n h[d, n] * c[t, n] + d_skip[d] * u[t, d]
 * u, dt, y [length, channels]; b, c [length, states]; a [channels, states]; d_skip
 * [channels]; state: channels * states floats of scratch (hcc_selective_scan_f32_scratch_size). */
void hcc_selective_scan_f32(const float *u, const float *dt, const float *b, const float *c,
                            const float *a, const float *d_skip, int32_t length, int32_t channels,
                            int32_t states, int32_t dt_softplus, float *state, float *y);
size_t hcc_selective_scan_f32_scratch_size(int32_t channels, int32_t states);

#ifdef __cplusplus
}
#endif

#endif /* HCC_FLOAT_H */
