/* Declarations of the data-movement kernels (remap, concat, resize), int8 and float32;
 * included by hcc_runtime.h. Specs: hcc/kernels/remap.py, concat.py, resize.py. */
#ifndef HCC_MOVEMENT_H
#define HCC_MOVEMENT_H

#include "hcc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- remap.c: copy along per-axis index maps (Slice, Split, Pad, nearest Resize) ---------- */

/* The output, dense, is walked as [count[0], count[1], count[2], count[3], block] (unused
 * leading axes have count 1). Output index (i0, i1, i2, i3) reads the `block` consecutive
 * source elements from base + o0 + o1 + o2 + o3, where o_a = i_a * stride[a] on an affine
 * axis (table[a] < 0) and o_a = tables[table[a] + i_a] on a looked-up axis; a looked-up
 * offset below 0 means the block is the fill value instead. Offsets count elements of
 * elem_bytes bytes (1 in the int8 build, 4 in the float build). Built by
 * hcc.kernels.remap.remap_plan. */
typedef struct {
    int32_t count[4];
    int32_t stride[4];
    int32_t table[4];
    int32_t base, block, elem_bytes;
} hcc_remap_t;

/* tables may be NULL when no axis is looked up; fill (one element) may be NULL when no
 * offset is below 0. input and output must not overlap. */
void hcc_remap(const hcc_remap_t *p, const int32_t *tables, const void *input, const void *fill,
               void *output);

/* ---- concat_s8.c / concat_f32.c ---------------------------------------------------------- */

/* Concatenation of n_inputs tensors viewed as [outer, inner_sizes[i]] along the second axis
 * (any axis of the original shapes: outer = product of the dims before it). tables[i]
 * (NULL: a plain copy; tables itself may be NULL) requantizes input i to the output's
 * scale and zero point: y = tables[i][x + 128] (hcc.kernels.concat.requantize_table). */
void hcc_concat_s8(const int8_t *const *inputs, const int32_t *inner_sizes,
                   const int8_t *const *tables, int32_t n_inputs, int32_t outer, int8_t *output);
void hcc_concat_f32(const float *const *inputs, const int32_t *inner_sizes, int32_t n_inputs,
                    int32_t outer, float *output);

/* concat_inplace_s8.c: the same concatenation in place. data holds the inputs one after the
 * other, in slots ([outer, inner_units[0] unit bytes], then [outer, inner_units[1] unit
 * bytes], ...: each producer wrote its tensor into its slot of the output's buffer), and
 * becomes [outer, C], slot t's columns from column_units[t] units on in each row. The bytes
 * move in units of `unit` bytes (a divisor of every inner size) along the permutation's
 * cycles, after requantizing slot t through tables[t] where it is (tables or tables[t] NULL:
 * none); scratch: hcc_concat_inplace_s8_scratch_size() bytes (a bit per unit, two units). */
size_t hcc_concat_inplace_s8_scratch_size(const int32_t *inner_units, int32_t n_inputs, int32_t outer, int32_t unit);
void hcc_concat_inplace_s8(int8_t *data, const int32_t *inner_units, const int32_t *column_units,
                           const int8_t *const *tables, int32_t n_inputs, int32_t outer, int32_t unit, uint8_t *scratch);

/* ---- resize_linear_s8.c / resize_linear_f32.c: bilinear resize ---------------------------- */

/* input [outer, in_h, in_w, block] -> output [outer, out_h, out_w, block]. Output row y
 * interpolates input rows y0[y] and y1[y] with the weight wy[y] of row y1 (columns alike:
 * x0, x1, wx); the compiler builds the tables from the op's coordinate transform
 * (hcc.kernels.resize.linear_taps). int8: weights in Q11 (0..2048) and
 * q = z + round_half_away(sum of w_y w_x (x - z) / 2^22), see docs/numerics.md. */
typedef struct {
    int32_t outer, in_h, in_w, out_h, out_w, block;
    int32_t z;  /* int8: the zero point (input and output share it); float: unused */
} hcc_resize_params_t;

void hcc_resize_linear_s8(const hcc_resize_params_t *p, const int32_t *y0, const int32_t *y1,
                          const int16_t *wy, const int32_t *x0, const int32_t *x1,
                          const int16_t *wx, const int8_t *input, int8_t *output);
void hcc_resize_linear_f32(const hcc_resize_params_t *p, const int32_t *y0, const int32_t *y1,
                           const float *wy, const int32_t *x0, const int32_t *x1, const float *wx,
                           const float *input, float *output);

/* ---- tflm_resize_bilinear_s8.c: TFLite Micro's bilinear resize (the rest of its arithmetic: hcc_tflm.h) */

/* input [outer, in_h, in_w, block] -> [outer, out_h, out_w, block] (hcc_resize_params_t, z unused):
 * output row y reads input rows y0[y], y1[y] with the weight fy[y] of row y1 in Q10 (columns
 * alike), q = (sum of the four products) / 2^20 rounded half away from zero
 * (tflite_numerics.resize_bilinear_int8; input and output share their parameters). */
void hcc_tflm_resize_bilinear_s8(const hcc_resize_params_t *p, const int32_t *y0, const int32_t *y1,
                                 const int32_t *fy, const int32_t *x0, const int32_t *x1, const int32_t *fx,
                                 const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif
