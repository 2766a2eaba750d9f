/* hcc runtime: the kernels that generated models call. C99, no malloc, no globals.
 *
 * Every kernel takes its buffers from the caller (the generated model passes slices of
 * one arena planned at compile time). Requantization is defined once (hcc_requantize)
 * and matches hcc's int8 reference interpreter bit for bit; see docs/numerics.md.
 */
#ifndef HCC_RUNTIME_H
#define HCC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* 1 where the runtime compiles its Xtensa kernels (inline asm and the loops written around it):
 * on the Xtensa with optimisation. At -O0 GCC keeps every variable in memory and cannot give the
 * asm its registers, so an unoptimised build takes the portable C, which computes the same bytes. */
#if defined(__XTENSA__) && defined(__OPTIMIZE__)
#define HCC_XTENSA_KERNELS 1
#else
#define HCC_XTENSA_KERNELS 0
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by the public API of generated models and by the blob loader. */
typedef enum {
    HCC_OK = 0,
    HCC_ERR_NULL_ARGUMENT = 1,     /* a required pointer is NULL */
    HCC_ERR_ARENA_TOO_SMALL = 2,   /* arena_size < NAME_ARENA_SIZE */
    HCC_ERR_ARENA_MISALIGNED = 3,  /* arena not aligned to HCC_ARENA_ALIGN */
    HCC_ERR_BAD_SIZE = 4,          /* an input/output length does not match the model */
    HCC_ERR_SCRATCH = 5,           /* (HCC_DEBUG_CHECKS) a kernel needs more scratch than the plan gave it: a compiler bug */
    HCC_ERR_BLOB_MAGIC = 10,       /* weights blob: wrong magic */
    HCC_ERR_BLOB_VERSION = 11,     /* weights blob: unsupported format version */
    HCC_ERR_BLOB_HASH = 12,        /* weights blob: built for another graph */
    HCC_ERR_BLOB_LENGTH = 13,      /* weights blob: payload length wrong or truncated */
    HCC_ERR_BLOB_CRC = 14          /* weights blob: payload CRC32 mismatch */
} hcc_status_t;

/* Alignment of generated constant arrays and arenas (a GNU C attribute where available). */
#if defined(__GNUC__) || defined(__clang__)
#define HCC_ALIGN(n) __attribute__((aligned(n)))
#else
#define HCC_ALIGN(n)
#endif

/* Generated code states each kernel's scratch as planned at compile time; built with
 * -DHCC_DEBUG_CHECKS it also asks the kernel and returns HCC_ERR_SCRATCH if the plan is short
 * (hcc's own tests and `hcc verify` build this way). */
#ifdef HCC_DEBUG_CHECKS
#define HCC_CHECK_SCRATCH(needed, planned) \
    do { if ((size_t)(needed) > (size_t)(planned)) return HCC_ERR_SCRATCH; } while (0)
#else
#define HCC_CHECK_SCRATCH(needed, planned) ((void)0)
#endif

/* Optional per-op profiling: a harness that defines HCC_PROFILE and provides
 * hcc_profile_hook() is called before (phase 0) and after (phase 1) every op. */
#ifdef HCC_PROFILE
void hcc_profile_hook(int op_index, int phase);
#define HCC_PROFILE_OP(index, phase) hcc_profile_hook((index), (phase))
#else
#define HCC_PROFILE_OP(index, phase) ((void)0)
#endif

/* Types shared by the int8 and float32 kernels. */

/* Input [in_h, in_w, c] -> output [out_h, out_w, c]; window k_h x k_w at
 * (y * stride_h - pad_top, x * stride_w - pad_left). Padding never takes part. */
typedef struct {
    int32_t in_h, in_w, c;
    int32_t out_h, out_w;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
} hcc_pool_params_t;

/* What the second operand b of a [rows, channels] elementwise op holds. */
typedef enum {
    HCC_BROADCAST_NONE = 0,     /* b is [rows, channels], like a */
    HCC_BROADCAST_CHANNEL = 1,  /* b is [channels], repeated for every row */
    HCC_BROADCAST_SCALAR = 2    /* b is one element */
} hcc_broadcast_t;

/* Any numpy broadcast of two operands a and b, as the compiler merged it
 * (hcc/kernels/broadcast.py: broadcast_plan): the result is dims[0] x ... x dims[rank-1]
 * (row-major, rank in [1, HCC_BROADCAST_MAX_RANK], every dim >= 1), and its element
 * [i0, ..., i_{rank-1}] reads a at sum i_k a_strides[k] and b at sum i_k b_strides[k]
 * (element strides, 0 along an axis the operand is broadcast on). */
#define HCC_BROADCAST_MAX_RANK 5
typedef struct {
    int32_t rank;
    int32_t dims[HCC_BROADCAST_MAX_RANK];
    int32_t a_strides[HCC_BROADCAST_MAX_RANK];
    int32_t b_strides[HCC_BROADCAST_MAX_RANK];
} hcc_broadcast_shape_t;

/* One row of a broadcast: n result elements from y_offset on, reading a from a_offset in
 * steps of a_step and b from b_offset in steps of b_step (offsets in elements; ctx is the
 * kernel's own: its operand pointers and constants). */
typedef void (*hcc_broadcast_row_fn)(const void *ctx, int32_t a_offset, int32_t a_step, int32_t b_offset,
                                     int32_t b_step, int32_t y_offset, int32_t n);

/* Calls row once for each index of the outer axes, in row-major order, over the innermost
 * axis (broadcast.c; shared by the int8 and float kernels). */
void hcc_broadcast_rows(const hcc_broadcast_shape_t *shape, hcc_broadcast_row_fn row, const void *ctx);

/* Bilinear resize (half-pixel centres, Q8 fixed point) of a src_w x src_h window of an
 * 8-bit image whose rows are src_stride bytes apart; spec: hcc/kernels/resize.py. */
void hcc_resize_bilinear_u8(const uint8_t *src, int32_t src_w, int32_t src_h, int32_t src_stride,
                            uint8_t *dst, int32_t dst_w, int32_t dst_h);

#ifdef __cplusplus
}
#endif

/* Kernel declarations, one header per kernel family. */
#include "hcc_kernels.h"   /* requantize, conv, pooling, fully connected, elementwise, LUT, softmax */
#include "hcc_ssm.h"       /* causal depthwise conv1d and the selective scan */
#include "hcc_norm.h"      /* layer normalization */
#include "hcc_pool.h"      /* average pooling, mean and max reductions */
#include "hcc_movement.h"  /* remap (slice, split, pad, nearest resize), concat, bilinear resize */
#include "hcc_float.h"     /* float32 kernels of the --float build */

#endif /* HCC_RUNTIME_H */
