/* Declarations of the int8 kernels; included by hcc_runtime.h.
 *
 * Conventions (docs/numerics.md is the contract; hcc/kernels/<kernel>.py the reference):
 * - activations int8, channels last (NHWC with batch 1 for images, [rows, channels] for
 *   token sequences); weights int8 OHWI / [N, K], symmetric per output channel (z = 0);
 *   bias int32; requantization by (multiplier, shift) pairs from quantize_multiplier().
 * - act_min / act_max: the fused activation clamp applied after saturation to int8
 *   (no activation: -128, 127; ReLU: z_out, 127).
 * - Output sizes are given by the caller (the compiler knows them), so no kernel divides.
 * - No kernel allocates; scratch comes from the caller, sized by *_scratch_size().
 * - Preconditions (shapes consistent, accumulators within int32) are the caller's: the
 *   kernels do not check them.
 */
#ifndef HCC_KERNELS_H
#define HCC_KERNELS_H

#include "hcc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- requantize_s8.c: fixed-point helpers shared by every kernel ----------------------- */

/* round(acc * m / 2^s), halves away from zero, computed on the exact 64-bit product
 * (without 64-bit multiply helpers). s in [1, 62] as quantize_multiplier() gives (s <= 0:
 * no shift; s > 62: 0). Results beyond int32 saturate to INT32_MIN / INT32_MAX. */
int32_t hcc_requantize(int32_t acc, int32_t m, int32_t s);

/* round(x / 2^s), halves away from zero; s <= 0 returns x. */
int32_t hcc_round_shift(int32_t x, int32_t s);

/* hcc_round_shift, inline for hot loops; the same numbers for every argument (for s in
 * [1, 31] the rounded magnitude is below 2^31, so no saturation is ever needed). */
static inline int32_t hcc_round_shift_inline(int32_t x, int32_t s) {
    uint32_t mag;
    if (s <= 0) return x;
    if (s > 32) return 0;                     /* 2^31 + 2^(s-1) < 2^s */
    mag = x < 0 ? 0u - (uint32_t)x : (uint32_t)x;  /* <= 2^31 */
    mag = s == 32 ? (uint32_t)(mag >= 0x80000000u) : (mag + ((uint32_t)1u << (s - 1))) >> s;
    return x < 0 ? -(int32_t)mag : (int32_t)mag;
}

/* x saturated to [-128, 127]. */
int8_t hcc_saturate_s8(int32_t x);

/* x saturated to int8, then clamped to [act_min, act_max]. */
int8_t hcc_clamp_s8(int32_t x, int32_t act_min, int32_t act_max);

/* The int8 output stage: clamp(saturate(z_out + hcc_requantize(acc, m, s)), act_min, act_max). */
int8_t hcc_requantize_s8(int32_t acc, int32_t m, int32_t s, int32_t z_out, int32_t act_min,
                         int32_t act_max);

/* The two fast paths of hcc_requantize_inline: floor((a b + 2^(s-1)) / 2^s) for magnitudes
 * a = |acc|, b = |m| (< 2^31), exact in 32-bit arithmetic (derivations: the comment of
 * hcc_requantize_s8_inline). mag16: a < 2^16, s in [17, 47], two multiplies. mag24:
 * a < 2^24, s in [32, 47], four multiplies, a magnitude below 2^23. */
static inline int32_t hcc_requantize_mag16(uint32_t a, uint32_t b, int32_t s) {
    const uint32_t x = a * (b >> 16) + ((a * (b & 0xFFFFu)) >> 16) + ((uint32_t)1u << (s - 17));
    return (int32_t)(x >> (s - 16));
}

static inline int32_t hcc_requantize_mag24(uint32_t a, uint32_t b, int32_t s) {
    const uint32_t ah = a >> 16, al = a & 0xFFFFu, bh = b >> 16, bl = b & 0xFFFFu;
    const uint32_t mid = al * bh + ah * bl + ((al * bl) >> 16) + ((uint32_t)1u << (s - 17));
    return (int32_t)((ah * bh + (mid >> 16)) >> (s - 32));
}

/* hcc_requantize, inline for hot loops; the same numbers for every argument: the fast
 * paths above where they apply, else the call. (hcc_requantize_s8_inline below writes the
 * same two paths out: built on these helpers it changes GCC's inlining in the conv kernels,
 * +25 lx106 instructions on HCMTMM, so its measured figures would no longer hold.) */
static inline int32_t hcc_requantize_inline(int32_t acc, int32_t m, int32_t s) {
    const uint32_t a = acc < 0 ? 0u - (uint32_t)acc : (uint32_t)acc;
    const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
    int32_t mag;
    if (a < 0x10000u && (uint32_t)(s - 17) <= 30u) {
        mag = hcc_requantize_mag16(a, b, s);
    } else if (a < 0x1000000u && (uint32_t)(s - 32) <= 15u) {
        mag = hcc_requantize_mag24(a, b, s);
    } else {
        return hcc_requantize(acc, m, s);
    }
    return (acc < 0) != (m < 0) ? -mag : mag;
}

/* hcc_requantize_s8, inline for hot loops; the same numbers for every argument.
 *
 * Fast path, |acc| < 2^16 and s in [17, 47] (every conv / fully connected output stage of
 * the models seen so far: s is 36..45): with a = |acc|, b = |m| = bh 2^16 + bl, the exact
 * product is P = A 2^16 + B, A = a bh < 2^31, B = a bl < 2^32. Then
 *   floor((P + 2^(s-1)) / 2^s) = floor((A + (B >> 16) + 2^(s-17)) / 2^(s-16))
 * (the dropped B & 0xFFFF < 2^16 cannot carry into bit 16), and the sum is below
 * 2^31 + 2^16 + 2^30 < 2^32. Two 32-bit multiplies instead of four, no call, and the
 * magnitude < 2^31 needs no int32 saturation. A second path covers |acc| < 2^24 for
 * s in [32, 47] with four multiplies; anything else takes hcc_requantize. */
static inline int8_t hcc_requantize_s8_inline(int32_t acc, int32_t m, int32_t s, int32_t z_out,
                                              int32_t act_min, int32_t act_max) {
    const uint32_t a = acc < 0 ? 0u - (uint32_t)acc : (uint32_t)acc;
    int32_t r, v;
    if (a < 0x10000u && (uint32_t)(s - 17) <= 30u) {
        const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
        const uint32_t x = a * (b >> 16) + ((a * (b & 0xFFFFu)) >> 16) + ((uint32_t)1u << (s - 17));
        const int32_t mag = (int32_t)(x >> (s - 16));
        r = (acc < 0) != (m < 0) ? -mag : mag;
    } else if (a < 0x1000000u && (uint32_t)(s - 32) <= 15u) {
        /* |acc| < 2^24, s in [32, 47]: a = ah 2^16 + al (ah < 2^8), P = ah bh 2^32
         * + (al bh + ah bl) 2^16 + al bl, and floor((P + 2^(s-1)) / 2^s) =
         * (ah bh + ((al bh + ah bl + (al bl >> 16) + 2^(s-17)) >> 16)) >> (s - 32), the
         * inner sum below 2^31 + 2^24 + 2^16 + 2^30 < 2^32. Four multiplies. */
        const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
        const uint32_t ah = a >> 16, al = a & 0xFFFFu, bh = b >> 16, bl = b & 0xFFFFu;
        const uint32_t mid = al * bh + ah * bl + ((al * bl) >> 16) + ((uint32_t)1u << (s - 17));
        const int32_t mag = (int32_t)((ah * bh + (mid >> 16)) >> (s - 32));
        r = (acc < 0) != (m < 0) ? -mag : mag;
    } else {
        r = hcc_requantize(acc, m, s);
    }
    /* anything beyond +-256 saturates the same way; clamping first keeps z_out + r in range */
    r = r < -256 ? -256 : (r > 256 ? 256 : r);
    v = z_out + r;
    v = v < -128 ? -128 : (v > 127 ? 127 : v);
    return (int8_t)(v < act_min ? act_min : (v > act_max ? act_max : v));
}

/* floor(n / d) for d > 0 when the quotient is known to be below 2^quotient_bits
 * (quotient_bits in [1, 32]): on the lx106 shift-and-subtract, quotient_bits steps, no divide
 * instruction or libgcc helper; elsewhere the divide instruction (the same quotient). */
uint32_t hcc_udiv_u32(uint32_t n, uint32_t d, int32_t quotient_bits);

/* ---- conv2d_s8.c / conv2d_3x3_s8.c: 2-D convolution --------------------------------------- */

/* Geometry and quantization of one convolution. Input [in_h, in_w, in_c] (zero point z_in);
 * weights OHWI [out_c, k_h, k_w, in_c / groups]; output [out_h, out_w, out_c]. Padding
 * reads as z_in (contributes 0); pad_bottom / pad_right only set out_h / out_w:
 * out_h = (in_h + pad_top + pad_bottom - dilation_h * (k_h - 1) - 1) / stride_h + 1.
 * groups divides in_c and out_c (depthwise: groups == in_c). */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t dilation_h, dilation_w;
    int32_t groups;
    int32_t z_in, z_out;
    int32_t act_min, act_max;
    /* 3x3, groups 1: how many output-channel pairs have their weights widened to int16 in
     * scratch at a time (0: all, once per call). Fewer pairs: less scratch, and the input
     * patches gathered once per group of pairs (see conv2d_3x3_s8.c). Negative: none; the
     * one-pixel path of grouped convs, which reads the int8 weights as they are (a depthwise
     * conv: hcc_dwconv2d_s8_direct_rows). HCC_WEIGHTS_BLOCKED: a groups-1 conv whose weights,
     * bias, mult and shift are hcc_fully_connected_row_s8's (hcc_conv2d_blocked_s8_rows). */
    int32_t weight_pairs;
} hcc_conv2d_params_t;

/* The convs hcc_conv2d_dense_s8_rows takes (conv2d_3x3_s8.c): groups 1, not depthwise,
 * weight_pairs >= 0, and 3x3 or up to HCC_DENSE_MAX_KH kernel rows whose int16 weights take at
 * most HCC_DENSE_PACK_MAX bytes. They keep the input rows they read in scratch, so their output
 * may overwrite those rows (inplace-conv counts on it). */
#define HCC_DENSE_MAX_KH 16
#define HCC_DENSE_PACK_MAX 16384
static inline int hcc_conv2d_takes_dense(const hcc_conv2d_params_t *p) {
    const int32_t packed = ((p->out_c + 1) & ~1) * p->k_h * p->k_w * p->in_c * 2;
    if (p->groups != 1 || (p->groups == p->in_c && p->groups == p->out_c) || p->weight_pairs < 0) return 0;
    return (p->k_h == 3 && p->k_w == 3) || (p->k_h <= HCC_DENSE_MAX_KH && packed <= HCC_DENSE_PACK_MAX);
}

/* hcc_conv2d_params_t.weight_pairs of a groups-1 conv on hcc_conv2d_blocked_s8_rows (no
 * scratch): its weights are hcc_fully_connected_row_s8's blocked bytes w + 128 (passed as
 * int8_t), its bias folded (fc_row_layout in hcc/ops/fully_connected.py), its mult and shift
 * the requantization words (blocked_requant_words, ibid.). */
#define HCC_WEIGHTS_BLOCKED (-2)

/* hcc_conv2d_params_t.weight_pairs of a groups-1 conv in the host layout (`hcc compile
 * --weight-layout host`; not for the lx106): its weights in blocks of 16 channels x 4 terms,
 * its bias folded as for HCC_WEIGHTS_BLOCKED, mult / shift the plain multipliers and shifts
 * (hcc_conv2d_host_s8_rows, host_layout_s8.c; host_layout in hcc/ops/fully_connected.py). */
#define HCC_WEIGHTS_HOST (-3)

/* hcc_conv2d_params_t.weight_pairs of a depthwise conv on hcc_dwconv2d_s8_direct_rows (no
 * scratch) whose 3x3 window loop takes every channel: its mult and shift the requantization
 * words, its bias array the out_c biases followed by out_c blocks of 11 int32 (b_u, the
 * three-multiply terms, the nine weights as int16 two a word: dw_win_blocks in
 * hcc/ops/fused_conv2d.py), which the lx106 kernel would otherwise make for each channel on
 * every row call. */
#define HCC_WEIGHTS_DW_BLOCKS (-4)

/* hcc_conv2d_params_t.weight_pairs of a first conv (1-4 input channels; 5-8 at stride 1) in
 * the host layout that the compiler gives to hcc_conv2d_host_s8_rows' stem path: the arrays of
 * HCC_WEIGHTS_HOST, 16 pixels of one channel a vector where AVX-512 VBMI is there (the row
 * path elsewhere); docs/performance.md "Stems: pixels in the lanes". */
#define HCC_WEIGHTS_HOST_PIXELS (-5)

/* The most terms (k_h k_w in_c) per output of a conv that hcc_conv2d_blocked_s8_rows runs three
 * pixels at a time (its stack buffer holds three pixels' terms: 3 x this many bytes). */
#define HCC_BLOCKED_TRIPLE_TERMS 384

/* output[y, x, c] = requantize_s8(bias[c] + sum (in - z_in) * w[c, ...], mult[c], shift[c]).
 * bias may be NULL (zero); mult / shift have out_c entries. */
void hcc_conv2d_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output);

/* groups == 1, any kernel, stride, padding, dilation, no scratch: rows [row_begin, row_end) of
 * hcc_conv2d_s8 with the weights blocked, the bias folded and mult / shift the compiler's words
 * as for hcc_fully_connected_row_s8 (conv2d_s8.c; HCC_WEIGHTS_BLOCKED). */
void hcc_conv2d_blocked_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const uint8_t *weights,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                                int32_t row_end, int8_t *out_rows);

/* groups == 1, any kernel, stride, padding, dilation, no scratch: rows [row_begin, row_end)
 * of hcc_conv2d_s8 with the weights, bias, mult and shift in the host layout
 * (HCC_WEIGHTS_HOST): 16 channels x 4 terms per AVX-512 VNNI vpdpbusd where the compiler
 * targets it, portable C elsewhere (host_layout_s8.c). */
void hcc_conv2d_host_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                             int32_t row_end, int8_t *out_rows);

/* A depthwise conv (groups == in_c == out_c) of at most 49 taps in the host layout
 * (HCC_WEIGHTS_HOST): rows [row_begin, row_end) of hcc_conv2d_s8, no scratch, with the weights
 * as int16 tap pairs per vector lane, the bias folded (bias - z_in sum w) and bias, mult and
 * shift in lane order, 32 lanes a vector (host_dw_layout in hcc/ops/fused_conv2d.py;
 * host_dw_s8.c). Not for the lx106. */
void hcc_dwconv2d_host_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                               const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                               int32_t row_end, int8_t *out_rows);

/* Output rows [row_begin, row_end) of hcc_conv2d_s8; row row_begin is written at out_rows. */
void hcc_conv2d_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                        const int32_t *bias, const int32_t *mult, const int32_t *shift,
                        int32_t row_begin, int32_t row_end, int8_t *out_rows);

/* Depthwise (groups == in_c == out_c), any kernel, stride, padding, dilation: rows
 * [row_begin, row_end) of hcc_conv2d_s8, channel by channel over each output row
 * (dwconv2d_s8.c). scratch: hcc_dwconv2d_s8_scratch_size() bytes (one channel's input rows). */
size_t hcc_dwconv2d_s8_scratch_size(const hcc_conv2d_params_t *p);
void hcc_dwconv2d_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                          int32_t row_begin, int32_t row_end, int8_t *out_rows);
/* The same numbers with no scratch at all: the taps read from the NHWC input, bounds checks
 * only at the borders (the lean depthwise path: weight_pairs < 0, the pass conv-scratch);
 * mult / shift the compiler's words as for hcc_fully_connected_row_s8. */
void hcc_dwconv2d_s8_direct_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t row_begin,
                                 int32_t row_end, int8_t *out_rows);

/* groups == 1 (not depthwise), k_h <= 16, any k_w, stride, padding, dilation: rows
 * [row_begin, row_end) of hcc_conv2d_s8, three pixels x two channels per int16 dot product
 * (the 3x3 kernel's dense path, conv2d_3x3_s8.c). scratch: hcc_conv2d_dense_s8_scratch_size()
 * bytes (0: the conv is not of that kind), 4-byte aligned; call for row_begin == 0 first and
 * keep the scratch between calls, as for hcc_conv2d_3x3_s8_rows. */
size_t hcc_conv2d_dense_s8_scratch_size(const hcc_conv2d_params_t *p);
void hcc_conv2d_dense_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                              const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                              int32_t row_begin, int32_t row_end, int8_t *out_rows);

/* The k_h == k_w == 3 specialisation (any stride, padding, dilation, groups), same numbers
 * as hcc_conv2d_s8. Each output pixel's zero-point-corrected patch (9 * in_c / groups int16)
 * is gathered once into scratch, padding included, so the inner loop is one contiguous
 * dot product with the OHWI weights; depthwise (groups == in_c == out_c) runs
 * hcc_dwconv2d_s8_rows; groups == 1 unpacks the weights to int16 in scratch (weight_pairs
 * channel pairs at a time) and computes three pixels x two channels at a time.
 * scratch: hcc_conv2d_3x3_s8_scratch_size() bytes, aligned for int32_t. The rows variant
 * must be called for row_begin == 0 first (that call unpacks the weights and hoists the
 * requantization terms into scratch) and the scratch kept between calls (it also caches
 * the padded input rows). */
size_t hcc_conv2d_3x3_s8_scratch_size(const hcc_conv2d_params_t *p);
void hcc_conv2d_3x3_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *mult, const int32_t *shift,
                       void *scratch, int8_t *output);
void hcc_conv2d_3x3_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, const int32_t *mult,
                            const int32_t *shift, void *scratch, int32_t row_begin,
                            int32_t row_end, int8_t *out_rows);

/* ---- maxpool_s8.c (average pooling: hcc_pool.h) ------------------------------------------- */

/* hcc_pool_params_t: in hcc_runtime.h (shared with the float kernels). */

/* Max over the window's elements inside the input (an empty window gives -128). */
void hcc_maxpool_s8(const hcc_pool_params_t *p, const int8_t *input, int8_t *output);

/* One output row [out_w, c] of hcc_maxpool_s8 from the n_rows input rows (each [in_w, c],
 * consecutive in memory) of its window that lie inside the input. */
void hcc_maxpool_s8_row(const hcc_pool_params_t *p, const int8_t *rows, int32_t n_rows,
                        int8_t *out_row);

/* ---- add_s8.c / mul_s8.c: elementwise with limited broadcast ------------------------------ */

/* hcc_broadcast_t: in hcc_runtime.h (shared with the float kernels). */

/* q = clamp(saturate(z_out + round_shift((a - z_a) * m_a + (b - z_b) * m_b, shift))),
 * (m_a, m_b, shift) from quantize_multiplier_q15_pair(s_a / s_out, s_b / s_out). */
typedef struct {
    int32_t z_a, z_b, z_out;
    int32_t m_a, m_b, shift;
    int32_t act_min, act_max;
} hcc_add_params_t;

void hcc_add_s8(const hcc_add_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output);

/* q = clamp(saturate(z_out + requantize((a - z_a) * (b - z_b), mult, shift))),
 * (mult, shift) from quantize_multiplier(s_a * s_b / s_out). */
typedef struct {
    int32_t z_a, z_b, z_out;
    int32_t mult, shift;
    int32_t act_min, act_max;
} hcc_mul_params_t;

void hcc_mul_s8(const hcc_mul_params_t *p, const int8_t *a, const int8_t *b, int32_t rows,
                int32_t channels, hcc_broadcast_t b_kind, int8_t *output);

/* ---- conv2d_pool_s8.c: streaming conv [+ residual add] [+ activation] [+ maxpool] ---------- */

/* conv (its act_min/act_max is the activation when there is no residual) -> int8 [Hc, Wc, Cout]
 * -> if has_residual: hcc_add_s8(conv_out, residual, add) (add.act_min/act_max is the
 * activation after the add) -> if has_pool: maxpool with pool (pool.in_h/in_w/c = Hc/Wc/Cout).
 * Bit-exact with running those kernels one after the other. */
typedef struct {
    hcc_conv2d_params_t conv;
    int32_t has_residual;
    hcc_add_params_t add;
    int32_t has_pool;
    hcc_pool_params_t pool;
    /* 1: in-place streaming. Every input row the conv reads is first copied into a window of
     * rows in scratch (rows shared with the previous conv row stay), so the output may
     * overwrite input rows as soon as no later conv row needs them. Only for convs the
     * 3x3 dense and single-channel paths do not take (those keep copies of their rows anyway);
     * see FusedConv2d.overlap_inputs. */
    int32_t window;
} hcc_conv2d_pool_params_t;

/* A conv's weights, bias (may be NULL), multipliers and shifts (hcc_conv_chain_s8). */
typedef struct {
    const int8_t *weights;
    const int32_t *bias, *mult, *shift;
} hcc_conv_weights_t;

/* Bytes of scratch hcc_conv2d_pool_s8 needs: the k_h conv-output rows one pooling window
 * spans (none without pooling), rounded up to 4 bytes, plus hcc_conv2d_3x3_s8_scratch_size()
 * when the conv is 3x3, plus with `window` the input rows one conv row reads. */
size_t hcc_conv2d_pool_s8_scratch_size(const hcc_conv2d_pool_params_t *p);

/* residual: int8 [Hc, Wc, Cout] (ignored without has_residual); scratch: 4-byte aligned,
 * hcc_conv2d_pool_s8_scratch_size() bytes; output: [out_h, out_w, Cout] of the last stage. */
void hcc_conv2d_pool_s8(const hcc_conv2d_pool_params_t *p, const int8_t *input,
                        const int8_t *weights, const int32_t *bias, const int32_t *mult,
                        const int32_t *shift, const int8_t *residual, void *scratch,
                        int8_t *output);

/* Two convs streamed: `first` (no pooling, no residual; its input `input`) makes the rows of
 * `second`'s input one at a time, into second's window of rows in scratch, when second needs
 * them; the full map between them is never stored. second may add a residual and pool as in
 * hcc_conv2d_pool_s8. The output may start below `input` or `residual` by the lag that
 * FusedConv2d.overlap_inputs computes from this order of reads and writes (the input rows
 * an output row needs are read before it is written). scratch:
 * hcc_conv_chain_s8_scratch_size() bytes, 4-byte aligned.
 * Neither conv may be on the single-channel path (is_mono_pool). */
size_t hcc_conv_chain_s8_scratch_size(const hcc_conv2d_pool_params_t *first, const hcc_conv2d_pool_params_t *second);
void hcc_conv_chain_s8(const hcc_conv2d_pool_params_t *first, const hcc_conv2d_pool_params_t *second,
                       const int8_t *input, const hcc_conv_weights_t *w1, const hcc_conv_weights_t *w2,
                       const int8_t *residual, void *scratch, int8_t *output);

/* A chain of n convs streamed depth first (1 <= n <= HCC_CONV_CHAIN_MAX): p[0] reads `input`;
 * each p[i], i < n - 1 (no pooling, no residual), makes the rows of p[i + 1]'s input one at a
 * time, into p[i + 1]'s window of rows in scratch, when p[i + 1] needs them; no map between
 * them is ever stored, and no row is computed twice. p[n - 1] may add a residual and pool as
 * in hcc_conv2d_pool_s8: the tensor `residual`, or with residual_conv (not NULL) the rows
 * that conv (no pooling, no residual) makes from its own input, each just before the block's
 * conv row that adds it. The output may start below `input` or `residual` by the lag
 * FusedConv2d.overlap_inputs computes (chain_schedule). hcc_conv_chain_s8 is n = 2.
 * scratch: hcc_conv_chain_n_s8_scratch_size() bytes, 4-byte aligned. The C stack holds two
 * small records per conv and the calls nest n deep. */
#define HCC_CONV_CHAIN_MAX 16
typedef struct {
    const hcc_conv2d_pool_params_t *p;
    const hcc_conv_weights_t *w;
    const int8_t *input;
} hcc_conv_source_t;
size_t hcc_conv_chain_n_s8_scratch_size(int32_t n, const hcc_conv2d_pool_params_t *const *p,
                                        const hcc_conv_source_t *residual_conv);
void hcc_conv_chain_n_s8(int32_t n, const hcc_conv2d_pool_params_t *const *p, const hcc_conv_weights_t *const *w,
                         const int8_t *input, const int8_t *residual, const hcc_conv_source_t *residual_conv,
                         void *scratch, int8_t *output);
/* The same chain, all n convs streamed (1 <= n <= HCC_CONV_CHAIN_MAX), into a mean over the
 * pixels of p[n - 1]'s output (global average pooling: hcc_mean_s8's numbers, its sums over
 * the rows as they are made): output [out_c]. scratch: hcc_conv_chain_mean_s8_scratch_size(). */
size_t hcc_conv_chain_mean_s8_scratch_size(int32_t n, const hcc_conv2d_pool_params_t *const *p);
void hcc_conv_chain_mean_s8(int32_t n, const hcc_conv2d_pool_params_t *const *p, const hcc_conv_weights_t *const *w,
                            const int8_t *input, int32_t z_in, int32_t z_out, int32_t mult, int32_t shift,
                            void *scratch, int8_t *output);

/* ---- fully_connected_s8.c / matmul_s8.c ---------------------------------------------------- */

/* input [rows, k] (z_in) x weights [n, k] (per output channel, z = 0) -> output [rows, n]. */
typedef struct {
    int32_t rows, k, n;
    int32_t z_in, z_out;
    int32_t act_min, act_max;
} hcc_fc_params_t;

/* output[r, j] = requantize_s8(bias[j] + sum_i (in[r, i] - z_in) * w[j, i], mult[j], shift[j]);
 * bias may be NULL. Covers Gemm and MatMul with constant weights (rows = tokens).
 * scratch: hcc_fully_connected_s8_scratch_size() bytes, 4-byte aligned (NULL when 0): with
 * rows >= 2, k != 2 and 4 k <= 8192, for a chunk of channels (all n when (n rounded up to
 * even) * k * 2 <= 8192, else the most pairs whose int16 weights fit 8192 bytes) their
 * records (hoisted requantization terms), their int16 weights and three int16 rows. */
size_t hcc_fully_connected_s8_scratch_size(const hcc_fc_params_t *p);

/* hcc_fully_connected_s8 for a layer split along its outputs into n_parts parts (p->n channels
 * in all, p->z_out and the clamp unused): part j has parts[4j] channels, its own z_out, act_min,
 * act_max (parts[4j + 1 .. 3]) and output outputs[j] [rows, parts[4j]]; the same integers as
 * one call per part on its rows of weights. Needs the triple path with every channel in one
 * chunk (rows >= 2, k != 2, all int16 weights <= 8 KiB) and hcc_fully_connected_s8_scratch_size(p)
 * bytes of scratch. */
void hcc_fully_connected_parts_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                                  const int32_t *bias, const int32_t *mult, const int32_t *shift, const int32_t *parts,
                                  int32_t n_parts, void *scratch, int8_t *const *outputs);
void hcc_fully_connected_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift,
                            void *scratch, int8_t *output);

/* The same outputs as hcc_fully_connected_s8 from weights and bias rearranged by the
 * compiler (hcc/ops/fully_connected.py, fc_row_layout), no scratch; chosen for rows == 1 (any
 * rows work). weights: n * k bytes, blocks of 4 output channels (the last n % 4 wide when
 * n % 4 != 0), block b at weights + 4 b k holding for each i < k its m channels' weights
 * side by side: weights[4 b k + m i + j] = w[4 b + j, i] + 128 (uint8). bias (never NULL):
 * bias[j] - (z_in + 128) * sum_i w[j, i], wrapped to int32. mult, shift: not m and s but the
 * compiler's words for them (blocked_requant_words in hcc/ops/fully_connected.py), the
 * requantization terms precomputed per channel: shift[j] & 31 nonzero: shift[j] =
 * (2 z_out + 1) 2^(s-17) + (s - 16) and mult[j] = bh 2^16 + (bl & 0xFFFF) with m = bh 2^16 + bl,
 * bl in [-2^15, 2^15); shift[j] & 31 zero: shift[j] = 32 s, mult[j] = m. */
void hcc_fully_connected_row_s8(const hcc_fc_params_t *p, const int8_t *input, const uint8_t *weights,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                int8_t *output);

/* The same outputs as hcc_fully_connected_s8 with the weights, bias, mult and shift in the
 * host layout (HCC_WEIGHTS_HOST, rows as the pixels of a 1x1 conv), no scratch. */
void hcc_fully_connected_host_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output);

/* a [batch, m, k] (z_a) x b [batch, k, n] (z_b) -> output [batch, m, n], one multiplier from
 * quantize_multiplier(s_a * s_b / s_out). */
typedef struct {
    int32_t batch, m, k, n;
    int32_t z_a, z_b, z_out;
    int32_t mult, shift;
    int32_t act_min, act_max;
} hcc_matmul_params_t;

/* scratch: hcc_matmul_s8_scratch_size() bytes, 4-byte aligned (NULL: the plain loops, no
 * scratch): b packed as int16 column pairs once per batch, three rows of a at a time. */
size_t hcc_matmul_s8_scratch_size(const hcc_matmul_params_t *p);
void hcc_matmul_s8(const hcc_matmul_params_t *p, const int8_t *a, const int8_t *b, void *scratch, int8_t *output);

/* ---- lut_s8.c, softmax_s8.c, argmax_s8.c ------------------------------------------------- */

/* output[i] = table[input[i] + 128] (table from hcc.quant.lut.build_lut). */
void hcc_lut_s8(const int8_t *input, int32_t size, const int8_t *table, int8_t *output);

/* Softmax over the last axis of [rows, n], output scale 1/256, zero point -128:
 * e = exp_table[max - x], q = saturate(round(256 * e / sum e) - 128), the division exact
 * (hcc_udiv_u32). exp_table from hcc.quant.lut.build_softmax_exp_table (entries <= 2^15);
 * n * 2^15 must stay below 2^31. */
void hcc_softmax_s8(const int8_t *input, int32_t rows, int32_t n, const uint16_t *exp_table,
                    int8_t *output);

/* The same along the middle axis of [outer, n, inner] (a softmax over any axis). */
void hcc_softmax_axis_s8(const int8_t *input, int32_t outer, int32_t n, int32_t inner, const uint16_t *exp_table,
                         int8_t *output);

/* Index of the largest element of each row of [rows, n] (the first one on ties). */
void hcc_argmax_s8(const int8_t *input, int32_t rows, int32_t n, int32_t *output);

/* ---- transpose_s8.c (more data movement: hcc_movement.h) ---------------------------------- */

/* transpose_inplace_s8.c: data [rows, cols] becomes its transpose [cols, rows] in place;
 * visited: hcc_transpose_inplace_s8_scratch_size() bytes (one bit per element). */
size_t hcc_transpose_inplace_s8_scratch_size(int32_t rows, int32_t cols);
void hcc_transpose_inplace_s8(int8_t *data, int32_t rows, int32_t cols, uint8_t *visited);

/* output = input transposed: output dim i is input dim perm[i]; rank in [1, 4]. */
void hcc_transpose_s8(const int8_t *input, int32_t rank, const int32_t *dims, const int32_t *perm,
                      int8_t *output);

/* ---- hoisted requantization: one (m, s) over a whole loop -------------------------------- */

/* hcc_requantize_s8_inline for every |acc| <= bound, with everything that depends only on
 * (m, s, z_out, act_min, act_max) computed once. Signed, without the magnitude and sign
 * steps: m = bh 2^16 + bl with bl in [-2^15, 2^15) (|bh| <= 2^15), so that
 *   acc m + 2^(s-1) + z_out 2^s = 2^16 (acc bh + c) + acc bl,  c = 2^(s-17) + z_out 2^(s-16),
 *   z_out + floor((acc m + 2^(s-1)) / 2^s) = (acc bh + ((acc bl) >> 16) + c) >> (s - 16)
 * (floor shifts: >> of a negative int32 is arithmetic on every compiler we build with, as
 * in selective_scan_s8.c), two multiplies, no 64-bit product. That is round half up; it
 * equals requantize's round half away from zero unless acc m / 2^s is a tie, which needs
 * v2(acc m) = s - 1: impossible when the lowest set bit of m is below 2^(s-16), since
 * 0 < |acc| < 2^16 has v2(acc) <= 15. |acc| <= bound <= 2^16 - 1 keeps acc bh and acc bl in
 * int32, and bound (|bh| + 1) + |c| <= 2^31 - 1 keeps the sum there. Then saturating to int8
 * and clamping to [act_min, act_max] is one clamp to [lo, hi]. */
typedef struct {
    int32_t bh, bl, c, sh;  /* sh = s - 16 */
    int32_t lo, hi;         /* max(act_min, -128), min(act_max, 127) */
} hcc_requant_hoisted_t;

/* Fills q and returns 1 when hcc_requant_hoisted(q, acc) equals
 * hcc_requantize_s8(acc, m, s, z_out, act_min, act_max) for every |acc| <= bound; else 0. */
static inline int hcc_requant_hoist(hcc_requant_hoisted_t *q, int32_t m, int32_t s, int32_t z_out,
                                    int32_t act_min, int32_t act_max, uint32_t bound) {
    const uint32_t um = (uint32_t)m, lowbit = um & (0u - um);
    uint32_t c1, cmag;
    if (bound > 0xFFFFu || s < 17 || s > 47 || z_out < -128 || z_out > 127) return 0;
    if (lowbit >= (uint32_t)1u << (s - 16)) return 0;  /* a tie is possible */
    q->lo = act_min > -128 ? act_min : -128;
    q->hi = act_max < 127 ? act_max : 127;
    if (q->lo > q->hi) return 0;
    q->bl = (int32_t)(um & 0x7FFFu) - (int32_t)(um & 0x8000u);
    q->bh = (m >> 16) + (int32_t)((um >> 15) & 1u);
    /* c = (2 z_out + 1) 2^(s-17), |2 z_out + 1| <= 255 */
    c1 = z_out < 0 ? (uint32_t)(-2 * z_out - 1) : (uint32_t)(2 * z_out + 1);
    if (c1 > (0x7FFFFFFFu >> (s - 17))) return 0;
    cmag = c1 << (s - 17);
    if (bound * (uint32_t)((q->bh < 0 ? -q->bh : q->bh) + 1) > 0x7FFFFFFFu - cmag) return 0;
    q->c = z_out < 0 ? -(int32_t)cmag : (int32_t)cmag;
    q->sh = s - 16;
    return 1;
}

/* hcc_requant_hoist with z_out added after the shift, for a channel whose c cannot hold
 * z_out 2^(s-16) beside bound (|bh| + 1) (a large shift with z_out near -128, as a ReLU's
 * output takes): q's terms are those of z_out = 0, its clamp [lo - z_out, hi - z_out], so that
 *   z_out + ((acc bh + ((acc bl) >> 16) + c) >> sh) clamped to [lo - z_out, hi - z_out]
 * equals hcc_requantize_s8(acc, ...) for |acc| <= bound (floor shifts: adding z_out 2^sh
 * before the shift or z_out after it is the same integer). One add more per output. */
static inline int hcc_requant_hoist_z_after(hcc_requant_hoisted_t *q, int32_t m, int32_t s, int32_t z_out,
                                            int32_t act_min, int32_t act_max, uint32_t bound) {
    if (z_out < -128 || z_out > 127 || !hcc_requant_hoist(q, m, s, 0, act_min, act_max, bound)) return 0;
    q->lo = (act_min > -128 ? act_min : -128) - z_out;
    q->hi = (act_max < 127 ? act_max : 127) - z_out;
    return q->lo <= q->hi;
}

static inline int8_t hcc_requant_hoisted(const hcc_requant_hoisted_t *q, int32_t acc) {
    const int32_t v = (acc * q->bh + ((acc * q->bl) >> 16) + q->c) >> q->sh;
    return (int8_t)(v < q->lo ? q->lo : (v > q->hi ? q->hi : v));
}

/* The same on Xtensa, for inline asm loops (which keep q's fields in registers and set SAR
 * to q->sh once, with ssr): %[t] = acc in, the clamped result out; clobbers %[u]. GCC keeps
 * no value in SAR between instructions, so an asm statement may set it. */
#define HCC_REQUANT_HOISTED_ASM HCC_REQUANT_HOISTED_TERMS_ASM HCC_CLAMP_ASM
/* ... its six instructions before the clamp */
#define HCC_REQUANT_HOISTED_TERMS_ASM                                             \
    "mull %[u], %[t], %[bl]\n\t"                                                  \
    "mull %[t], %[t], %[bh]\n\t"                                                  \
    "srai %[u], %[u], 16\n\t"                                                     \
    "add %[t], %[t], %[u]\n\t"                                                    \
    "add %[t], %[t], %[c]\n\t"                                                    \
    "sra %[t], %[t]\n\t"

/* %[t] clamped to [%[lo], %[hi]] (two branches, usually not taken; local labels 8, 9). */
#define HCC_CLAMP_ASM                                                             \
    "bge %[t], %[lo], 8f\n\t"                                                     \
    "mov %[t], %[lo]\n\t"                                                         \
    "8:\n\t"                                                                      \
    "bge %[hi], %[t], 9f\n\t"                                                     \
    "mov %[t], %[hi]\n\t"                                                         \
    "9:\n\t"

/* The loop of an elementwise asm kernel: SAR = %[t], then four elements per pass, TERM(k)
 * for byte offset k of %[pa], %[pb] and %[po] (advanced by 4), until %[pa] reaches %[end]. */
#define HCC_BINARY_LOOP4_ASM(TERM)                                                \
    "ssr %[t]\n\t"                                                                \
    "1:\n\t"                                                                      \
    TERM(0) TERM(1) TERM(2) TERM(3)                                               \
    "addi %[pa], %[pa], 4\n\t"                                                    \
    "addi %[pb], %[pb], 4\n\t"                                                    \
    "addi %[po], %[po], 4\n\t"                                                    \
    "bne %[pa], %[end], 1b\n\t"

/* max |x - z| over int8 x for a zero point z in [-128, 127] (at most 255); 0xFFFF for any
 * other z, which every bound built from it then exceeds. */
static inline uint32_t hcc_s8_max_diff(int32_t z) {
    return z < -128 || z > 127 ? 0xFFFFu : (uint32_t)(z < 0 ? 127 - z : z + 128);
}

#ifdef __cplusplus
}
#endif

#include "hcc_expand.h"     /* Expand (broadcast copy, both builds) */
#include "hcc_recurrent.h"  /* GRU and LSTM (int8 and float) */
/* The broadcasting elementwise kernels (add, sub, mul, max, min, prelu) use the types above. */
#include "hcc_elementwise.h"
#include "hcc_conv_transpose.h" /* transposed convolution, int8 and float32 (hcc_conv2d_params_t) */
#include "hcc_tflm.h"           /* TFLite Micro's arithmetic, for ops with numerics = "tflite" (hcc_tflm.h; resize: hcc_movement.h) */

#endif /* HCC_KERNELS_H */
