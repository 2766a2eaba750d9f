/* Declarations of the average pooling and reduction kernels, int8 and float32; included by
 * hcc_runtime.h. Specs: hcc/kernels/avgpool.py, hcc/kernels/reduce.py. (Max pooling, which
 * the streaming conv block shares, is in hcc_kernels.h / hcc_float.h.) */
#ifndef HCC_POOL_H
#define HCC_POOL_H

#include "hcc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- avgpool_s8.c / avgpool_f32.c -------------------------------------------------------- */

/* The window of output (y, x) sums the input elements it covers (padding adds nothing) and
 * divides by the number of its elements inside [-count_top, in_h + count_bottom) x
 * [-count_left, in_w + count_right): the input itself (count_include_pad = 0: all four 0)
 * or the input and its explicit pads (count_include_pad = 1: the pads), never the extra
 * end rows and columns of ceil_mode. z_in / z_out: int8 only. */
typedef struct {
    hcc_pool_params_t pool;
    int32_t count_top, count_left, count_bottom, count_right;
    int32_t z_in, z_out;
} hcc_avgpool_params_t;

/* The input rows [*y0, *y1) and columns [*x0, *x1) the window of output (oy, ox) sums;
 * returns its divisor (the count above). */
static inline int32_t hcc_avgpool_window(const hcc_avgpool_params_t *p, int32_t oy, int32_t ox,
                                         int32_t *y0, int32_t *y1, int32_t *x0, int32_t *x1) {
    const hcc_pool_params_t *g = &p->pool;
    const int32_t wy = oy * g->stride_h - g->pad_top, wx = ox * g->stride_w - g->pad_left;
    const int32_t cy0 = wy < -p->count_top ? -p->count_top : wy;
    const int32_t cy1 = wy + g->k_h > g->in_h + p->count_bottom ? g->in_h + p->count_bottom : wy + g->k_h;
    const int32_t cx0 = wx < -p->count_left ? -p->count_left : wx;
    const int32_t cx1 = wx + g->k_w > g->in_w + p->count_right ? g->in_w + p->count_right : wx + g->k_w;
    *y0 = wy < 0 ? 0 : wy;
    *y1 = wy + g->k_h > g->in_h ? g->in_h : wy + g->k_h;
    *x0 = wx < 0 ? 0 : wx;
    *x1 = wx + g->k_w > g->in_w ? g->in_w : wx + g->k_w;
    if (*y1 < *y0) *y1 = *y0;
    if (*x1 < *x0) *x1 = *x0;
    return (cy1 > cy0 ? cy1 - cy0 : 0) * (cx1 > cx0 ? cx1 - cx0 : 0);
}

/* q = saturate(z_out + requantize(sum (x - z_in), mult[count], shift[count])); mult / shift
 * have k_h * k_w + 1 entries, entry n from quantize_multiplier(s_in / (s_out * n)) (entry 0:
 * an empty window, m = 0). */
void hcc_avgpool_s8(const hcc_avgpool_params_t *p, const int8_t *input, const int32_t *mult,
                    const int32_t *shift, int8_t *output);
void hcc_avgpool_f32(const hcc_avgpool_params_t *p, const float *input, float *output);

/* ---- reduce_s8.c / reduce_f32.c: over the middle axis of [outer, n, inner] -> [outer, inner] */

/* Mean (GlobalAveragePool, ReduceMean): q = saturate(z_out + requantize(sum (x - z_in), mult,
 * shift)), (mult, shift) from quantize_multiplier(s_in / (s_out * n)); n * 255 < 2^31. */
void hcc_mean_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, int32_t z_in,
                 int32_t z_out, int32_t mult, int32_t shift, int8_t *output);
void hcc_mean_f32(const float *input, int32_t outer, int32_t n, int32_t inner, float *output);

/* Max (ReduceMax; int8: the same scale and zero point in and out). n >= 1. */
void hcc_reduce_max_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, int8_t *output);
void hcc_reduce_max_f32(const float *input, int32_t outer, int32_t n, int32_t inner, float *output);

#ifdef __cplusplus
}
#endif

#endif
