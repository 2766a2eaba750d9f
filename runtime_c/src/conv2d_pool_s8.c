/* Streaming fused block: conv [+ residual add] [+ activation] [+ maxpool], row by row.
 *
 * With pooling, the scratch holds only the conv-output rows (after add and activation) that
 * the current pooling window spans, in order: slot 0 is the window's first row. Moving to the
 * next window drops the rows above it and shifts the rows it shares with the previous one
 * down (none for the common 2x2 / stride 2), then computes the missing rows below. Without
 * pooling, rows go straight to the output. The numbers are those of the separate kernels,
 * which this file calls: hcc_conv2d_s8_rows / hcc_conv2d_3x3_s8_rows, hcc_add_s8 and
 * hcc_maxpool_s8_row. */
#include <string.h>

#include "hcc_kernels.h"

static int is_3x3(const hcc_conv2d_params_t *conv) { return conv->k_h == 3 && conv->k_w == 3; }
static int is_depthwise(const hcc_conv2d_params_t *conv) {
    return conv->groups == conv->in_c && conv->groups == conv->out_c;
}
/* hcc_dwconv2d_s8_rows' convs: depthwise, any kernel, unless weight_pairs < 0 (the pass
 * conv-scratch: its padded plane would raise the arena), then hcc_dwconv2d_s8_direct_rows
 * (no scratch) */
static int is_fast_depthwise(const hcc_conv2d_params_t *conv) { return is_depthwise(conv) && conv->weight_pairs >= 0; }
#if !HCC_XTENSA_KERNELS
/* The host layout's convs (hcc_conv2d_host_s8_rows, hcc_dwconv2d_host_s8_rows) */
static int is_host_layout(const hcc_conv2d_params_t *conv) {
    return conv->weight_pairs == HCC_WEIGHTS_HOST || conv->weight_pairs == HCC_WEIGHTS_HOST_PIXELS;
}
#endif
/* hcc_conv2d_dense_s8_rows' convs (hcc_conv2d_dense_s8_scratch_size is 0 for the others):
 * the test alone, inline, as block_row asks it every row */
static int is_dense(const hcc_conv2d_params_t *conv) { return hcc_conv2d_takes_dense(conv); }

/* The single-input-channel 3x3 conv with stride_w 2, then a 2x2 / stride 2 maxpool whose
 * windows all lie inside the conv output, without residual (the first layer of an image
 * model): see mono_pool_block. */
static int is_mono_pool(const hcc_conv2d_pool_params_t *p) {
    const hcc_conv2d_params_t *c = &p->conv;
    const hcc_pool_params_t *q = &p->pool;
    return is_3x3(c) && c->in_c == 1 && c->groups == 1 && c->dilation_h == 1 && c->dilation_w == 1 &&
           c->stride_w == 2 && !p->has_residual && p->has_pool && q->k_h == 2 && q->k_w == 2 &&
           q->stride_h == 2 && q->stride_w == 2 && q->pad_top == 0 && q->pad_left == 0 &&
           2 * q->out_h <= c->out_h && 2 * q->out_w <= c->out_w;
}

/* mono_pool_block's scratch: per pooling window a block of MONO_BLOCK bytes (the four input
 * columns it starts as six interleaved rows of bytes, then its int32 result), and the
 * column after the last window. */
#define MONO_BLOCK 28
static size_t mono_pool_bytes(const hcc_conv2d_pool_params_t *p) {
    return (size_t)p->pool.out_w * MONO_BLOCK + 8u;
}

static size_t ring_bytes(const hcc_conv2d_pool_params_t *p) {
    const size_t row = (size_t)p->conv.out_w * (size_t)p->conv.out_c;
    const size_t ring = p->has_pool ? (size_t)p->pool.k_h * row : 0u;
    return (ring + 3u) & ~(size_t)3u;  /* the 3x3 kernel's scratch after it stays 4-byte aligned */
}

/* The input rows one conv row reads (the window of in-place streaming). */
static int32_t window_rows(const hcc_conv2d_params_t *c) {
    const int32_t span = (c->k_h - 1) * c->dilation_h + 1;
    return span < c->in_h ? span : c->in_h;
}

/* The workspace of the path block_row takes (FusedConv2d.kernel_path). */
static size_t conv_scratch_bytes(const hcc_conv2d_pool_params_t *p) {
    if (is_fast_depthwise(&p->conv)) return hcc_dwconv2d_s8_scratch_size(&p->conv);
    if (is_dense(&p->conv)) return hcc_conv2d_dense_s8_scratch_size(&p->conv);
    if (p->conv.weight_pairs == HCC_WEIGHTS_BLOCKED) return 0u;
#if !HCC_XTENSA_KERNELS /* the host layout (model.c refuses to build for the lx106 with it) */
    if (is_host_layout(&p->conv)) return 0u;
#endif
    return is_3x3(&p->conv) && !is_depthwise(&p->conv) ? hcc_conv2d_3x3_s8_scratch_size(&p->conv) : 0u;
}

size_t hcc_conv2d_pool_s8_scratch_size(const hcc_conv2d_pool_params_t *p) {
    if (is_mono_pool(p)) return mono_pool_bytes(p);
    return ring_bytes(p) + conv_scratch_bytes(p) +
           (p->window ? (size_t)window_rows(&p->conv) * (size_t)p->conv.in_w * (size_t)p->conv.in_c : 0u);
}

/* In-place streaming: the input rows [first, first + count) held in `rows`. */
typedef struct {
    int8_t *rows;
    int32_t first, count;
} window_t;

/* Where a conv's input rows come from: the input tensor (p NULL), or (a chain) the conv `p`
 * with no pooling, which computes each row when it is needed from its own input: through
 * its window of those rows, filled from `from` (another conv of the chain), or (window
 * NULL: the chain's first conv) straight from `from`'s tensor. */
typedef struct row_source {
    const hcc_conv2d_pool_params_t *p;  /* NULL: copy rows of `input` */
    const int8_t *input;
    const hcc_conv_weights_t *w;
    void *conv_scratch;
    window_t *window;
    const struct row_source *from;
} row_source_t;

static void block_row(const hcc_conv2d_pool_params_t *p, const row_source_t *src, const hcc_conv_weights_t *w,
                      const int8_t *residual_row, void *conv_scratch, window_t *window, int32_t row, int8_t *dst);
#if HCC_XTENSA_KERNELS
static int is_mono_rows(const hcc_conv2d_params_t *c);
static void mono_rows(const hcc_conv2d_params_t *c, const int8_t *input, const hcc_conv_weights_t *w, void *scratch,
                      int32_t row, int8_t *out);
#endif

/* A block's residual: a tensor, or (conv != NULL) the rows a conv makes from its input as the
 * block needs them, one at a time into `row`. */
typedef struct {
    const int8_t *tensor;
    const row_source_t *conv;
    int8_t *row;
} residual_t;

/* The residual's row `row` of block p (NULL without residual): read before the block's conv
 * row is made (a conv's: made now, reading its input's rows). */
static const int8_t *residual_row(const hcc_conv2d_pool_params_t *p, const residual_t *res, int32_t row) {
    if (!p->has_residual) return NULL;
    if (res->conv == NULL) return res->tensor + row * p->conv.out_w * p->conv.out_c;
    block_row(res->conv->p, res->conv->from, res->conv->w, NULL, res->conv->conv_scratch, NULL, row, res->row);
    return res->row;
}

/* Bring the input rows conv row `row` reads into the window (keeping those it already holds:
 * windows only move down; the missing ones copied from the input or computed by the source
 * conv) and describe them as a conv of one output row: `sub` reads the window as its whole
 * input, with the rows cut off above counted as padding. */
static const int8_t *window_fill(const hcc_conv2d_params_t *c, const row_source_t *src, window_t *w, int32_t row,
                                 hcc_conv2d_params_t *sub) {
    const int32_t row_bytes = c->in_w * c->in_c, iy0 = row * c->stride_h - c->pad_top;
    const int32_t lo = iy0 < 0 ? 0 : iy0;
    int32_t hi = iy0 + (c->k_h - 1) * c->dilation_h + 1, i;
    if (hi > c->in_h) hi = c->in_h;
    if (hi < lo) hi = lo;
    if (lo < w->first || lo > w->first + w->count) {
        w->first = lo;
        w->count = 0;
    } else if (lo > w->first) {
        const int32_t drop = lo - w->first;
        w->count -= drop;
        /* memmove, not a byte loop (4 lx106 instructions a byte, every output row) */
        memmove(w->rows, w->rows + drop * row_bytes, (size_t)(w->count * row_bytes));
        w->first = lo;
    }
    if (src->p == NULL) {
        if (hi - lo > w->count) {
            memmove(w->rows + w->count * row_bytes, src->input + (lo + w->count) * row_bytes,
                   (size_t)((hi - lo - w->count) * row_bytes));
        }
    } else {
        for (i = lo + w->count; i < hi; ++i) {
            block_row(src->p, src->from, src->w, NULL, src->conv_scratch, src->window, i, w->rows + (i - lo) * row_bytes);
        }
    }
    if (hi - lo > w->count) w->count = hi - lo;
    *sub = *c;
    sub->in_h = hi - lo;
    sub->pad_top = lo - iy0;
    sub->out_h = 1;
    return w->rows;
}

#if !HCC_XTENSA_KERNELS
/* The host layout's conv rows [row_begin, row_end) of input into dst */
static void host_rows(const hcc_conv2d_params_t *conv, const int8_t *input, const hcc_conv_weights_t *w,
                      int32_t row_begin, int32_t row_end, int8_t *dst) {
    (is_depthwise(conv) ? hcc_dwconv2d_host_s8_rows : hcc_conv2d_host_s8_rows)(conv, input, w->weights, w->bias,
                                                                              w->mult, w->shift, row_begin, row_end,
                                                                              dst);
}
#endif

/* Conv-output row `row` after the residual add (its row residual_row) and activation, written to dst. */
static void block_row(const hcc_conv2d_pool_params_t *p, const row_source_t *src, const hcc_conv_weights_t *w,
                      const int8_t *residual_row, void *conv_scratch, window_t *window, int32_t row, int8_t *dst) {
    const int32_t row_size = p->conv.out_w * p->conv.out_c;
    const hcc_conv2d_params_t *conv = &p->conv;
    const int8_t *input = src->input;
    hcc_conv2d_params_t sub;
    int32_t at = row;
    if (window != NULL) {
        input = window_fill(conv, src, window, row, &sub);
        conv = &sub;
        at = 0;
    }
#if !HCC_XTENSA_KERNELS
    if (is_host_layout(conv)) {
        host_rows(conv, input, w, at, at + 1, dst);
    } else
#endif
    if (is_fast_depthwise(conv)) {
        hcc_dwconv2d_s8_rows(conv, input, w->weights, w->bias, w->mult, w->shift, conv_scratch, at, at + 1, dst);
#if HCC_XTENSA_KERNELS
    } else if (conv->in_c == 1 && is_mono_rows(conv)) {
        mono_rows(conv, input, w, conv_scratch, at, dst);
#endif
    } else if (is_dense(conv)) {
        hcc_conv2d_dense_s8_rows(conv, input, w->weights, w->bias, w->mult, w->shift, conv_scratch, at, at + 1, dst);
    } else if (conv->weight_pairs == HCC_WEIGHTS_BLOCKED) {
        hcc_conv2d_blocked_s8_rows(conv, input, (const uint8_t *)w->weights, w->bias, w->mult, w->shift, at, at + 1,
                                   dst);
    } else if (is_3x3(conv) && !is_depthwise(conv)) {
        hcc_conv2d_3x3_s8_rows(conv, input, w->weights, w->bias, w->mult, w->shift, conv_scratch, at, at + 1, dst);
    } else if (is_depthwise(conv)) {
        hcc_dwconv2d_s8_direct_rows(conv, input, w->weights, w->bias, w->mult, w->shift, at, at + 1, dst);
    } else {
        hcc_conv2d_s8_rows(conv, input, w->weights, w->bias, w->mult, w->shift, at, at + 1, dst);
    }
    if (p->has_residual) {
        /* in place: hcc_add_s8 reads each element before writing it */
        hcc_add_s8(&p->add, dst, residual_row, 1, row_size, HCC_BROADCAST_NONE, dst);
    }
}

/* is_mono_pool: 9 multiplies per conv output, so the generic path's patch gathering and
 * per-output requantization dominate it. Here, per pooling-window row oy, the six input rows
 * of its two conv rows are converted once to bytes u = x + 128 (padding: z_in + 128, so that
 * u - (z_in + 128) = x - z_in), interleaved column by column: slot 3 py + ky of column c
 * holds the row of tap ky for conv row 2 oy + py. Column c is byte (c / 4) MONO_BLOCK +
 * 6 (c % 4) + slot: window ox reads the four columns of block ox and the first of block
 * ox + 1 at constant offsets, and leaves its result in the block's last four bytes. Per
 * channel the nine weights stay in registers over the row; the four conv outputs of a
 * window are reduced before one requantization. Bit-exact with requantizing first:
 * requantize (round half away from zero of acc m / 2^s), the zero point and the clamps are
 * nondecreasing in acc for m >= 0 and nonincreasing for m < 0, so the max of the four
 * outputs is the output of the max accumulator (of the min one for m < 0: the max of -acc,
 * computed with the weights negated, and requantize(acc, m) = requantize(-acc, -m)). With
 * S = sum w u and B = bias - (z_in + 128) sum w, acc = B + S. */

/* Byte offset in a block of window column j (0..4; 4: the next block's first) and slot r. */
#define MONO_AT(j, r) ((j) == 4 ? MONO_BLOCK + (r) : 6 * (j) + (r))

#if HCC_XTENSA_KERNELS
/* acc += u * w for the byte of window column j (0..3), slot r. */
#define MONO_TAP(acc, j, r, w)                                                    \
    "l8ui %[t], %[x], (" #j ")*6+(" #r ")\n\t"                                    \
    "mull %[t], %[t], %[" #w "]\n\t"                                              \
    "add %[" #acc "], %[" #acc "], %[t]\n\t"
/* The same for column 2 (left pixel) or 4 (right pixel: the next block's column 0). */
#define MONO_COL2(acc, r, w) MONO_TAP(acc, 2, r, w)
#define MONO_COL4(acc, r, w)                                                      \
    "l8ui %[t], %[x], 28+(" #r ")\n\t"                                            \
    "mull %[t], %[t], %[" #w "]\n\t"                                              \
    "add %[" #acc "], %[" #acc "], %[t]\n\t"
/* One conv output of the window into register acc: columns j, j+1, j+2 (j = 0 or 2; the
 * last through `last`), rows r .. r + 2 (r = 0 or 3); 26 instructions. */
#define MONO_PIXEL(acc, j, r, last)                                               \
    "l8ui %[t], %[x], (" #j ")*6+(" #r ")\n\t"                                    \
    "mull %[" #acc "], %[t], %[w0]\n\t"                                           \
    MONO_TAP(acc, j+1, r, w1) last(acc, r, w2)                                    \
    MONO_TAP(acc, j, r+1, w3) MONO_TAP(acc, j+1, r+1, w4) last(acc, r+1, w5)      \
    MONO_TAP(acc, j, r+2, w6) MONO_TAP(acc, j+1, r+2, w7) last(acc, r+2, w8)
#define MONO_MAX                                                                  \
    "bge %[m], %[v], 5f\n\t"                                                      \
    "mov %[m], %[v]\n\t"                                                          \
    "5:\n\t"
#endif

/* Every window of the row for one channel (w: its nine weights as w[ky 3 + kx], negated for
 * m < 0): block ox's result = max over its four conv outputs of sum w u. Not inlined on
 * Xtensa: the asm needs 14 registers, all GCC can give one outside any other live state. */
#if HCC_XTENSA_KERNELS
__attribute__((noinline))
#endif
static void mono_windows(uint8_t *buf, int32_t pw, const int32_t *w) {
#if HCC_XTENSA_KERNELS
    const uint8_t *const end = buf + pw * MONO_BLOCK;
    int32_t m, v, t;
    if (pw <= 0) return;
    __asm__ volatile(
        "1:\n\t"
        MONO_PIXEL(m, 0, 0, MONO_COL2)
        MONO_PIXEL(v, 2, 0, MONO_COL4) MONO_MAX
        MONO_PIXEL(v, 0, 3, MONO_COL2) MONO_MAX
        MONO_PIXEL(v, 2, 3, MONO_COL4) MONO_MAX
        "s32i %[m], %[x], 24\n\t"
        "addi %[x], %[x], 28\n\t"
        "bne %[x], %[end], 1b\n\t"
        : [x] "+r"(buf), [m] "=&r"(m), [v] "=&r"(v), [t] "=&r"(t)
        : [end] "r"(end), [w0] "r"(w[0]), [w1] "r"(w[1]), [w2] "r"(w[2]), [w3] "r"(w[3]), [w4] "r"(w[4]),
          [w5] "r"(w[5]), [w6] "r"(w[6]), [w7] "r"(w[7]), [w8] "r"(w[8])
        : "memory");
#else
    int32_t ox, px, py, ky, kx;
    for (ox = 0; ox < pw; ++ox, buf += MONO_BLOCK) {
        int32_t best = INT32_MIN;
        for (py = 0; py < 2; ++py) {
            for (px = 0; px < 2; ++px) {
                int32_t v = 0;
                for (ky = 0; ky < 3; ++ky) {
                    for (kx = 0; kx < 3; ++kx) v += w[3 * ky + kx] * buf[MONO_AT(2 * px + kx, 3 * py + ky)];
                }
                best = v > best ? v : best;
            }
        }
        *(int32_t *)(buf + 24) = best;
    }
#endif
}

/* Byte u of column c, slot r: the input when c is in [j0, j1), else the padding. */
static inline void mono_put(uint8_t *buf, int32_t r, const int8_t *src, int32_t pad_left, int32_t j0, int32_t j1,
                            int32_t c, uint8_t pad) {
    buf[(c >> 2) * MONO_BLOCK + 6 * (c & 3) + r] =
        c >= j0 && c < j1 ? (uint8_t)((uint8_t)src[c - pad_left] ^ 0x80u) : pad;
}

/* Slot r of columns [0, n_cols): input row src (NULL: padding) at columns [j0, j1), pad
 * elsewhere; the whole blocks inside [j0, j1) four bytes at a time. */
static void mono_fill(uint8_t *buf, int32_t r, const int8_t *src, int32_t pad_left, int32_t j0, int32_t j1,
                      int32_t n_cols, uint8_t pad) {
    int32_t c, c0, c1;
    if (!src) j0 = j1 = n_cols;
    c0 = (j0 + 3) & ~(int32_t)3;
    c1 = j1 & ~(int32_t)3;
    for (c = 0; c < c0 && c < n_cols; ++c) mono_put(buf, r, src, pad_left, j0, j1, c, pad);
    if (c1 > c0) {
        const int8_t *x = src + (c0 - pad_left), *const x_end = src + (c1 - pad_left);
        uint8_t *d = buf + (c0 >> 2) * MONO_BLOCK + r;
#if HCC_XTENSA_KERNELS
        const uint32_t c80 = 0x80u;
        uint32_t t;
        __asm__ volatile(
            "1:\n\t"
            "l8ui %[t], %[x], 0\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "s8i %[t], %[d], 0\n\t"
            "l8ui %[t], %[x], 1\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "s8i %[t], %[d], 6\n\t"
            "l8ui %[t], %[x], 2\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "s8i %[t], %[d], 12\n\t"
            "l8ui %[t], %[x], 3\n\t"
            "xor %[t], %[t], %[c80]\n\t"
            "s8i %[t], %[d], 18\n\t"
            "addi %[x], %[x], 4\n\t"
            "addi %[d], %[d], 28\n\t"
            "bne %[x], %[xe], 1b\n\t"
            : [x] "+r"(x), [d] "+r"(d), [t] "=&r"(t)
            : [xe] "r"(x_end), [c80] "r"(c80)
            : "memory");
#else
        for (; x != x_end; x += 4, d += MONO_BLOCK) {
            for (c = 0; c < 4; ++c) d[6 * c] = (uint8_t)((uint8_t)x[c] ^ 0x80u);
        }
#endif
    }
    for (c = c1 > c0 ? c1 : c0; c < n_cols; ++c) mono_put(buf, r, src, pad_left, j0, j1, c, pad);
}

/* A channel's requantization for mono_channel_requant, worked out once: q (with |m|), z_after,
 * whether the hoisted form applies, and sb, the term added to every result word. */
typedef struct {
    hcc_requant_hoisted_t q;
    int32_t z_after, fast;
    uint32_t sb;
} mono_channel_t;

/* From the result word *res (a channel's int32 sum, `step` bytes from the next) and output
 * *out, while the result + ch->sb lies in [-0xFFFF, 0xFFFF] (ch->q's bound) and *res != end:
 * *out = hcc_requant_hoisted(q, result + sb) (plus z_after: q from
 * hcc_requant_hoist_z_after, else 0), then *res += step, *out += out_c. */
#if HCC_XTENSA_KERNELS
/* the asm loop; ADD_Z is empty or the add of z_after */
#define MONO_REQUANT_ASM(ADD_Z)                                                   \
    __asm__ volatile(                                                             \
        "ssr %[t]\n\t"                                                            \
        "1:\n\t"                                                                 \
        "l32i %[t], %[bp], 0\n\t"                                                \
        "add %[t], %[t], %[sb]\n\t"                                              \
        "abs %[u], %[t]\n\t"                                                     \
        "bgeui %[u], 65536, 2f\n\t"                                              \
        HCC_REQUANT_HOISTED_ASM                                                   \
        ADD_Z                                                                     \
        "s8i %[t], %[yp], 0\n\t"                                                 \
        "add %[bp], %[bp], %[st]\n\t"                                            \
        "add %[yp], %[yp], %[oc]\n\t"                                            \
        "bne %[bp], %[end], 1b\n\t"                                              \
        "2:\n\t"                                                                 \
        : [bp] "+r"(bp), [yp] "+r"(yp), [t] "+&r"(t), [u] "=&r"(u)               \
        : [end] "r"(end), [st] "r"(step), [oc] "r"(out_c), [sb] "r"(ch->sb), [bh] "r"(ch->q.bh), \
          [bl] "r"(ch->q.bl), [c] "r"(ch->q.c), [lo] "r"(ch->q.lo), [hi] "r"(ch->q.hi), [z] "r"(ch->z_after) \
        : "memory")
__attribute__((noinline))
#endif
static void mono_requant(const mono_channel_t *ch, const uint8_t **res, const uint8_t *end, int32_t step,
                         int32_t out_c, int8_t **out) {
    const uint8_t *bp = *res;
    int8_t *yp = *out;
#if HCC_XTENSA_KERNELS
    int32_t t = ch->q.sh, u;
    if (bp != end) {
        if (ch->z_after == 0) {
            MONO_REQUANT_ASM("");
        } else {
            MONO_REQUANT_ASM("add %[t], %[t], %[z]\n\t");
        }
    }
#else
    const hcc_requant_hoisted_t *const q = &ch->q;
    for (; bp != end; bp += step, yp += out_c) {
        const uint32_t v = (uint32_t) * (const int32_t *)bp + ch->sb;
        int32_t r;
        if (v + 0xFFFFu > 0x1FFFEu) break;
        r = ((int32_t)v * q->bh + (((int32_t)v * q->bl) >> 16) + q->c) >> q->sh;
        *yp = (int8_t)((r < q->lo ? q->lo : (r > q->hi ? q->hi : r)) + ch->z_after);
    }
#endif
    *res = bp;
    *out = yp;
}

/* Inlined on Xtensa: as calls, mono_pool_block's channel loop costs ~50 instructions more a
 * channel and row (HCMTMM's first conv: +8K). */
#if HCC_XTENSA_KERNELS
#define MONO_INLINE inline __attribute__((always_inline))
#else
#define MONO_INLINE
#endif

/* ch for multiplier m, shift s; neg: the result words are -(acc - sb), sb already negated. */
static MONO_INLINE void mono_channel_hoist(const hcc_conv2d_params_t *c, int32_t m, int32_t s, int neg, uint32_t sb,
                               mono_channel_t *ch) {
    const int32_t am = m != INT32_MIN && neg ? -m : m;
#if !HCC_XTENSA_KERNELS
    /* GCC -O3 -march=native cannot see that mono_requant reads q only once hoisted (maybe-uninitialized) */
    memset(&ch->q, 0, sizeof ch->q);
#endif
    ch->sb = sb;
    ch->z_after = 0;
    ch->fast = m != INT32_MIN;
    if (ch->fast && !hcc_requant_hoist(&ch->q, am, s, c->z_out, c->act_min, c->act_max, 0xFFFFu)) {
        /* c cannot hold z_out beside the bound: z_out after the shift */
        ch->fast = hcc_requant_hoist_z_after(&ch->q, am, s, c->z_out, c->act_min, c->act_max, 0xFFFFu);
        ch->z_after = c->z_out;
    }
}

/* Output channel ch (multiplier m, shift s, sign neg as hoisted) of n pixels: the int32 words
 * at res (`step` bytes apart) plus sb, requantized to out[i out_c]: the hoisted form while
 * |word + sb| < 2^16, hcc_requantize_s8 past it. */
static MONO_INLINE void mono_channel_requant(const hcc_conv2d_params_t *c, const mono_channel_t *ch, int32_t m, int32_t s,
                                 int neg, const uint8_t *res, int32_t step, int32_t n, int8_t *out) {
    const uint8_t *const end = res + n * step;
    while (res != end) {
        uint32_t v;
        if (ch->fast) {
            mono_requant(ch, &res, end, step, c->out_c, &out);
            if (res == end) break;
        }
        /* beyond the fast path: the accumulator with its sign, requantized in full */
        v = (uint32_t) * (const int32_t *)res + ch->sb;
        *out = hcc_requantize_s8((int32_t)(neg ? 0u - v : v), m, s, c->z_out, c->act_min, c->act_max);
        res += step;
        out += c->out_c;
    }
}

static void mono_pool_block(const hcc_conv2d_pool_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift, uint8_t *buf,
                            int8_t *output) {
    const hcc_conv2d_params_t *c = &p->conv;
    const int32_t out_c = c->out_c, pw = p->pool.out_w, n_cols = 4 * pw + 1, zu = c->z_in + 128;
    const int32_t j0 = c->pad_left < n_cols ? c->pad_left : n_cols;
    const int32_t j1 = c->in_w + c->pad_left < n_cols ? c->in_w + c->pad_left : n_cols;
    int32_t oy, r, k, i;
    for (oy = 0; oy < p->pool.out_h; ++oy) {
        int8_t *const out = output + oy * pw * out_c;
        for (r = 0; r < 6; ++r) {
            const int32_t py = r >= 3, iy = (2 * oy + py) * c->stride_h - c->pad_top + r - 3 * py;
            mono_fill(buf, r, iy < 0 || iy >= c->in_h ? NULL : input + iy * c->in_w, c->pad_left, j0, j1, n_cols,
                      (uint8_t)zu);
        }
        for (k = 0; k < out_c; ++k) {
            const int32_t m = mult[k], neg = m < 0;
            int32_t w[9], sum_w = 0;
            uint32_t sb;
            mono_channel_t ch;
            for (i = 0; i < 9; ++i) {
                sum_w += weights[9 * k + i];
                w[i] = neg ? -weights[9 * k + i] : weights[9 * k + i];
            }
            mono_windows(buf, pw, w);
            /* acc' = best + (neg ? -B : B) = acc (neg ? -1 : 1), requantized with |m| */
            sb = (uint32_t)(bias ? bias[k] : 0) - (uint32_t)(zu * sum_w);
            mono_channel_hoist(c, m, shift[k], neg, neg ? 0u - sb : sb, &ch);
            mono_channel_requant(c, &ch, m, shift[k], neg, buf + 24, MONO_BLOCK, pw, out + k);
        }
    }
}

#if HCC_XTENSA_KERNELS
/* is_mono_rows: the dense path's 3x3 convs of one input channel with stride 1 and no
 * dilation (an image model's first conv: 9 products an output, so the dense path's patch
 * and per-output set-up dominate it). Per output row the three input rows it reads are
 * bytes u = x + 128 (padding: z_in + 128), column by column: column j is the word at
 * MONO_COL j of the scratch, input row iy in its byte iy mod 3 (each row written once, when
 * the first output row that reads it is made, as the dense path reads them: the same
 * in-place streaming), its byte 3 the loop's sentinel; the int32 sum of pixel j goes to the
 * word after it. Per channel the nine weights, assigned to the bytes by row, stay in
 * registers over the row; two pixels share each column's load (mono_pairs). Same integers
 * as the dense path: acc = bias - (z_in + 128) sum w + sum w u. Xtensa only: the scratch is
 * the dense path's (it needs no more: mono_rows_fit), so nothing else moves. */
#define MONO_COL 8
/* Scratch: three int32 (the rows held), the channels' requantization (hoisted once, when row
 * 0 is made), then columns 0 .. 2 pairs + 1 (a pair past an odd out_w reads two more). */
static size_t mono_rows_bytes(const hcc_conv2d_params_t *c) {
    return 3u * sizeof(int32_t) + (size_t)c->out_c * sizeof(mono_channel_t) +
           (size_t)(2 * ((c->out_w + 1) >> 1) + 2) * MONO_COL;
}

static int is_mono_rows(const hcc_conv2d_params_t *c) {
    return is_3x3(c) && c->in_c == 1 && c->groups == 1 && c->dilation_h == 1 && c->dilation_w == 1 &&
           c->stride_h == 1 && c->stride_w == 1 && is_dense(c) &&
           mono_rows_bytes(c) <= hcc_conv2d_dense_s8_scratch_size(c);
}

/* acc (a or b) = or += u * w for byte r of the column at byte offset col */
#define MONO_ROW_FIRST(r, w0, w1, w2)                                             \
    "l8ui %[x], %[p], " #r "\n\t"                                                 \
    "mull %[a], %[x], %[" #w0 "]\n\t"                                             \
    "l8ui %[x], %[p], 8+" #r "\n\t"                                               \
    "mull %[t], %[x], %[" #w1 "]\n\t"                                             \
    "add %[a], %[a], %[t]\n\t"                                                    \
    "mull %[b], %[x], %[" #w0 "]\n\t"                                             \
    MONO_ROW_TAIL(r, w1, w2)
#define MONO_ROW(r, w0, w1, w2)                                                   \
    "l8ui %[x], %[p], " #r "\n\t"                                                 \
    "mull %[t], %[x], %[" #w0 "]\n\t"                                             \
    "add %[a], %[a], %[t]\n\t"                                                    \
    "l8ui %[x], %[p], 8+" #r "\n\t"                                               \
    "mull %[t], %[x], %[" #w1 "]\n\t"                                             \
    "add %[a], %[a], %[t]\n\t"                                                    \
    "mull %[x], %[x], %[" #w0 "]\n\t"                                             \
    "add %[b], %[b], %[x]\n\t"                                                    \
    MONO_ROW_TAIL(r, w1, w2)
/* columns 2 and 3 of the pair's window in byte r */
#define MONO_ROW_TAIL(r, w1, w2)                                                  \
    "l8ui %[x], %[p], 16+" #r "\n\t"                                              \
    "mull %[t], %[x], %[" #w2 "]\n\t"                                             \
    "add %[a], %[a], %[t]\n\t"                                                    \
    "mull %[x], %[x], %[" #w1 "]\n\t"                                             \
    "add %[b], %[b], %[x]\n\t"                                                    \
    "l8ui %[x], %[p], 24+" #r "\n\t"                                              \
    "mull %[x], %[x], %[" #w2 "]\n\t"                                             \
    "add %[b], %[b], %[x]\n\t"

/* The sums of every pixel pair of the row for one channel: w[3 r + kx] is the weight of
 * byte r, column kx of the window. Per pair 12 loads, 18 multiplies, 16 adds, two stores
 * and the sentinel's load and branch (51 instructions, 2.8 a product); 14 registers, all
 * GCC gives an asm (hence the sentinel, not an end pointer; not inlined). */
__attribute__((noinline)) static void mono_pairs(uint8_t *cols, const int32_t *w) {
    int32_t a, b, x, t;
    __asm__ volatile(
        "1:\n\t"
        MONO_ROW_FIRST(0, w0, w1, w2)
        MONO_ROW(1, w3, w4, w5)
        MONO_ROW(2, w6, w7, w8)
        "s32i %[a], %[p], 4\n\t"
        "s32i %[b], %[p], 12\n\t"
        "addi %[p], %[p], 16\n\t"
        "l8ui %[t], %[p], 3\n\t"
        "bnez %[t], 1b\n\t"
        : [p] "+r"(cols), [a] "=&r"(a), [b] "=&r"(b), [x] "=&r"(x), [t] "=&r"(t)
        : [w0] "r"(w[0]), [w1] "r"(w[1]), [w2] "r"(w[2]), [w3] "r"(w[3]), [w4] "r"(w[4]), [w5] "r"(w[5]),
          [w6] "r"(w[6]), [w7] "r"(w[7]), [w8] "r"(w[8])
        : "memory");
}

/* Input row iy (outside the input: padding) into byte `slot` (iy mod 3) of every column. */
static void mono_row_in(const hcc_conv2d_params_t *c, const int8_t *input, int32_t iy, int32_t slot, uint8_t *cols,
                        int32_t n_cols) {
    const uint8_t zu = (uint8_t)(c->z_in + 128);
    uint8_t *d = cols + slot;
    int32_t j = 0;
    if (iy >= 0 && iy < c->in_h) {
        const int8_t *x = input + iy * c->in_w - c->pad_left;
        const int32_t j0 = c->pad_left < n_cols ? c->pad_left : n_cols;
        const int32_t j1 = c->in_w + c->pad_left < n_cols ? c->in_w + c->pad_left : n_cols;
        for (; j < j0; ++j) d[j * MONO_COL] = zu;
        for (; j < j1; ++j) d[j * MONO_COL] = (uint8_t)((uint8_t)x[j] ^ 0x80u);
    }
    for (; j < n_cols; ++j) d[j * MONO_COL] = zu;
}

/* v mod 3 in [0, 2] for a row index v (-3 * 2^16 < v < 3 * 2^17) without % or /, which are
 * libgcc calls on the lx106: 3 * 2^16 added, then 3 * 2^k taken away greedily from k = 17 down. */
static int32_t row_mod3(int32_t v) {
    uint32_t u = (uint32_t)v + 3u * 65536u, s;
    for (s = 3u << 17; s >= 3u; s >>= 1) {
        if (u >= s) u -= s;
    }
    return (int32_t)u;
}

/* Output row `row` (0 first: the state in scratch starts there). Not inlined: block_row's
 * frame (every conv's, once per chain level) stays as it was. */
__attribute__((noinline)) static void mono_rows(const hcc_conv2d_params_t *c, const int8_t *input,
                                                const hcc_conv_weights_t *w, void *scratch, int32_t row,
                                                int8_t *out) {
    const int8_t *const weights = w->weights;
    const int32_t *const bias = w->bias, *const mult = w->mult, *const shift = w->shift;
    const int32_t row_begin = row, row_end = row + 1;
    /* input rows held[0] .. held[1] - 1, held[2] = held[1] mod 3 (no / or % in the loops: a
     * libgcc call on the lx106) */
    int32_t *const held = (int32_t *)scratch;
    mono_channel_t *const chs = (mono_channel_t *)(held + 3);
    uint8_t *const cols = (uint8_t *)(chs + c->out_c);
    const int32_t pairs = (c->out_w + 1) >> 1, n_cols = 2 * pairs + 2, zu = c->z_in + 128;
    int32_t oy, j, k, i, ky[3];
    if (row_begin == 0) {
        held[0] = held[1] = INT32_MIN;
        for (j = 0; j < n_cols; j += 2) cols[j * MONO_COL + 3] = j < 2 * pairs;  /* the sentinels */
        for (k = 0; k < c->out_c; ++k) {
            int32_t sum_w = 0;
            for (i = 0; i < 9; ++i) sum_w += weights[9 * k + i];
            mono_channel_hoist(c, mult[k], shift[k], 0, (uint32_t)(bias ? bias[k] : 0) - (uint32_t)(zu * sum_w),
                               &chs[k]);
        }
    }
    for (oy = row_begin; oy < row_end; ++oy, out += c->out_w * c->out_c) {
        const int32_t iy0 = oy - c->pad_top;
        if (held[0] == INT32_MIN || iy0 < held[0] || iy0 > held[1]) {
            held[0] = held[1] = iy0;
            held[2] = row_mod3(iy0);
        }
        for (; held[1] < iy0 + 3; ++held[1], held[2] = held[2] == 2 ? 0 : held[2] + 1) {
            mono_row_in(c, input, held[1], held[2], cols, n_cols);
        }
        held[0] = iy0;
        /* byte r holds kernel row (r - iy0) mod 3; iy0 = held[1] - 3 */
        for (i = 0; i < 3; ++i) ky[i] = 3 * (i >= held[2] ? i - held[2] : i - held[2] + 3);
        for (k = 0; k < c->out_c; ++k) {
            const int8_t *const wk = weights + 9 * k;
            int32_t wr[9], r, kx;
            for (r = 0; r < 3; ++r) {
                for (kx = 0; kx < 3; ++kx) wr[3 * r + kx] = wk[ky[r] + kx];
            }
            mono_pairs(cols, wr);
            mono_channel_requant(c, &chs[k], mult[k], shift[k], 0, cols + 4, MONO_COL, c->out_w, out + k);
        }
    }
}
#endif

/* 2x2 max pooling with stride 2 and no padding over two conv rows (rows, in_w x c each) into
 * out_w x c outputs: the bytes compared as x + 128 = u ^ 0x80 (unsigned), no sign extension;
 * the same numbers as hcc_maxpool_s8_row. */
static void pool2x2_row(const int8_t *rows, int32_t in_w, int32_t c, int32_t out_w, int8_t *out) {
    const uint8_t *r0 = (const uint8_t *)rows, *r1 = r0 + in_w * c;
    uint8_t *o = (uint8_t *)out;
    int32_t ox, ch;
    for (ox = 0; ox < out_w; ++ox, r0 += 2 * c, r1 += 2 * c, o += c) {
        for (ch = 0; ch < c; ++ch) {
            uint32_t a = r0[ch] ^ 0x80u, b = r0[ch + c] ^ 0x80u;
            const uint32_t d = r1[ch] ^ 0x80u, e = r1[ch + c] ^ 0x80u;
            a = a > b ? a : b;
            b = d > e ? d : e;
            o[ch] = (uint8_t)((a > b ? a : b) ^ 0x80u);
        }
    }
}

/* 1 where hcc_maxpool_s8_row has a vector form (host_dw_s8.c), which is faster than pool2x2_row */
#if !HCC_XTENSA_KERNELS && defined(__AVX512BW__)
#define HOST_MAXPOOL 1
#else
#define HOST_MAXPOOL 0
#endif

static int is_pool2x2(const hcc_pool_params_t *q) {
    return q->k_h == 2 && q->k_w == 2 && q->stride_h == 2 && q->stride_w == 2 && q->pad_top == 0 && q->pad_left == 0 &&
           2 * q->out_w <= q->in_w;
}

/* The rows of block p (after the mono path's check): from src, through a window when `window`. */
static void run_block(const hcc_conv2d_pool_params_t *p, const row_source_t *src, const hcc_conv_weights_t *w,
                      const residual_t *residual, void *scratch, int window_on, int8_t *output) {
    const int32_t row_size = p->conv.out_w * p->conv.out_c;
    int8_t *ring = (int8_t *)scratch;
    void *conv_scratch = (unsigned char *)scratch + ring_bytes(p);
    window_t window, *win = window_on ? &window : NULL;
    int32_t oy, row;
    int32_t first = 0, held = 0;  /* the ring holds conv rows first .. first + held - 1 */
    window.rows = (int8_t *)conv_scratch + conv_scratch_bytes(p);
    window.first = 0;
    window.count = 0;
    if (!p->has_pool) {
        for (row = 0; row < p->conv.out_h; ++row) {
            const int8_t *res = residual_row(p, residual, row);
            block_row(p, src, w, res, conv_scratch, win, row, output + row * row_size);
        }
        return;
    }
    for (oy = 0; oy < p->pool.out_h; ++oy) {
        const int32_t iy0 = oy * p->pool.stride_h - p->pool.pad_top;
        const int32_t y_begin = iy0 < 0 ? 0 : iy0;
        const int32_t y_end = iy0 + p->pool.k_h > p->conv.out_h ? p->conv.out_h : iy0 + p->pool.k_h;
        const int32_t n_rows = y_end > y_begin ? y_end - y_begin : 0;
        if (n_rows > 0) {
            const int32_t drop = y_begin - first;  /* >= 0: windows only move down */
            if (drop >= held) {
                held = 0;
            } else if (drop > 0) {
                held -= drop;
                /* memmove, not a byte loop (~4.8 lx106 instructions a byte: a 3x3 / 2 pool keeps a
                 * row of every three) */
                memmove(ring, ring + drop * row_size, (size_t)(held * row_size));
            }
            first = y_begin;
#if !HCC_XTENSA_KERNELS
            if (is_host_layout(&p->conv) && src->p == NULL && win == NULL && !p->has_residual && first + held < y_end) {
                /* the rows the window lacks in one call (the kernel's per-call terms made once) */
                host_rows(&p->conv, src->input, w, first + held, y_end, ring + held * row_size);
                held = y_end - first;
            }
#endif
            for (row = first + held; row < y_end; ++row, ++held) {
                block_row(p, src, w, residual_row(p, residual, row), conv_scratch, win, row, ring + held * row_size);
            }
        }
        if (n_rows == 2 && is_pool2x2(&p->pool) && !HOST_MAXPOOL) {
            pool2x2_row(ring, p->pool.in_w, p->conv.out_c, p->pool.out_w, output + oy * p->pool.out_w * p->conv.out_c);
        } else {
            hcc_maxpool_s8_row(&p->pool, ring, n_rows, output + oy * p->pool.out_w * p->conv.out_c);
        }
    }
}

void hcc_conv2d_pool_s8(const hcc_conv2d_pool_params_t *p, const int8_t *input,
                        const int8_t *weights, const int32_t *bias, const int32_t *mult,
                        const int32_t *shift, const int8_t *residual, void *scratch,
                        int8_t *output) {
    const hcc_conv_weights_t w = {weights, bias, mult, shift};
    const row_source_t src = {NULL, input, NULL, NULL, NULL, NULL};
    const residual_t res = {residual, NULL, NULL};
    if (is_mono_pool(p)) {
        mono_pool_block(p, input, weights, bias, mult, shift, (uint8_t *)scratch, output);
        return;
    }
    if (!p->has_pool && !p->has_residual && !p->window && is_depthwise(&p->conv)) {
        /* all rows in one call (channel by channel: it reads every input row before the last
         * output row is written, so never with the window of in-place streaming) */
#if !HCC_XTENSA_KERNELS
        if (p->conv.weight_pairs == HCC_WEIGHTS_HOST) {
            hcc_dwconv2d_host_s8_rows(&p->conv, input, weights, bias, mult, shift, 0, p->conv.out_h, output);
            return;
        }
#endif
        if (is_fast_depthwise(&p->conv)) {
            hcc_dwconv2d_s8_rows(&p->conv, input, weights, bias, mult, shift, (unsigned char *)scratch + ring_bytes(p),
                                 0, p->conv.out_h, output);
        } else {
            hcc_dwconv2d_s8_direct_rows(&p->conv, input, weights, bias, mult, shift, 0, p->conv.out_h, output);
        }
        return;
    }
#if !HCC_XTENSA_KERNELS
    if (!p->has_pool && !p->has_residual && !p->window && p->conv.weight_pairs == HCC_WEIGHTS_HOST_PIXELS) {
        /* a stem: all rows in one call (its per-call terms made once; rows in order, each
         * row's input read before its outputs are written, as one call a row would) */
        hcc_conv2d_host_s8_rows(&p->conv, input, weights, bias, mult, shift, 0, p->conv.out_h, output);
        return;
    }
#endif
    run_block(p, &src, &w, &res, scratch, p->window, output);
}

/* A chain's scratch, each piece 4-byte aligned: the consumer's own part (`head`), then for
 * each streamed conv from the last to the first its workspace and (all but the first) its
 * window of input rows. */
static size_t align4(size_t n) { return (n + 3u) & ~(size_t)3u; }

static size_t chain_window_bytes(const hcc_conv2d_pool_params_t *p) {
    return (size_t)window_rows(&p->conv) * (size_t)p->conv.in_w * (size_t)p->conv.in_c;
}

static size_t chain_scratch(size_t head, int32_t n, const hcc_conv2d_pool_params_t *const *p) {
    size_t at = head;
    int32_t i;
    for (i = n - 1; i >= 0; --i) {
        at = align4(at) + conv_scratch_bytes(p[i]);
        if (i > 0) at = align4(at) + chain_window_bytes(p[i]);
    }
    return at;
}

/* The row sources of the streamed convs p[0 .. n-1] (src[i] computes p[i]'s rows), their
 * workspaces and windows laid out in scratch from `head` as chain_scratch says. */
static void chain_sources(int32_t n, const hcc_conv2d_pool_params_t *const *p, const hcc_conv_weights_t *const *w,
                          const row_source_t *input, unsigned char *scratch, size_t head, row_source_t *src,
                          window_t *win) {
    size_t at = head;
    int32_t i;
    for (i = n - 1; i >= 0; --i) {
        at = align4(at);
        src[i].p = p[i];
        src[i].input = input->input;
        src[i].w = w[i];
        src[i].conv_scratch = scratch + at;
        src[i].window = NULL;
        src[i].from = i > 0 ? &src[i - 1] : input;
        at += conv_scratch_bytes(p[i]);
        if (i > 0) {
            at = align4(at);
            win[i].rows = (int8_t *)(scratch + at);
            win[i].first = 0;
            win[i].count = 0;
            src[i].window = &win[i];
            at += chain_window_bytes(p[i]);
        }
    }
}

/* The last block's part of a chain's scratch: its ring, workspace and window (always on
 * when it reads a streamed conv; else as hcc_conv2d_pool_s8 has it). */
static size_t block_bytes(int32_t n, const hcc_conv2d_pool_params_t *block) {
    return ring_bytes(block) + conv_scratch_bytes(block) + (n > 1 || block->window ? chain_window_bytes(block) : 0u);
}

/* After the chain's part: the residual conv's row of output, then its workspace. */
static size_t residual_conv_scratch(size_t at, const hcc_conv2d_pool_params_t *block, const hcc_conv_source_t *rc) {
    if (rc == NULL) return at;
    at = align4(at) + (size_t)block->conv.out_w * (size_t)block->conv.out_c;
    return align4(at) + conv_scratch_bytes(rc->p);
}

size_t hcc_conv_chain_n_s8_scratch_size(int32_t n, const hcc_conv2d_pool_params_t *const *p,
                                        const hcc_conv_source_t *residual_conv) {
    return residual_conv_scratch(chain_scratch(block_bytes(n, p[n - 1]), n - 1, p), p[n - 1], residual_conv);
}

void hcc_conv_chain_n_s8(int32_t n, const hcc_conv2d_pool_params_t *const *p, const hcc_conv_weights_t *const *w,
                         const int8_t *input, const int8_t *residual, const hcc_conv_source_t *residual_conv,
                         void *scratch, int8_t *output) {
    const hcc_conv2d_pool_params_t *last = p[n - 1];
    const row_source_t direct = {NULL, input, NULL, NULL, NULL, NULL};
    row_source_t src[HCC_CONV_CHAIN_MAX], res_direct, res_src;
    window_t win[HCC_CONV_CHAIN_MAX];
    residual_t res = {residual, NULL, NULL};
    const size_t chain_end = chain_scratch(block_bytes(n, last), n - 1, p);
    chain_sources(n - 1, p, w, &direct, (unsigned char *)scratch, block_bytes(n, last), src, win);
    if (residual_conv != NULL) {
        const size_t row_at = align4(chain_end);
        const size_t ws_at = align4(row_at + (size_t)last->conv.out_w * (size_t)last->conv.out_c);
        res_direct = direct;
        res_direct.input = residual_conv->input;
        res_src = res_direct;
        res_src.p = residual_conv->p;
        res_src.w = residual_conv->w;
        res_src.conv_scratch = (unsigned char *)scratch + ws_at;
        res_src.from = &res_direct;
        res.conv = &res_src;
        res.row = (int8_t *)scratch + row_at;
    }
    run_block(last, n > 1 ? &src[n - 2] : &direct, w[n - 1], &res, scratch, n > 1 || last->window, output);
}

size_t hcc_conv_chain_s8_scratch_size(const hcc_conv2d_pool_params_t *first, const hcc_conv2d_pool_params_t *second) {
    const hcc_conv2d_pool_params_t *const p[2] = {first, second};
    return hcc_conv_chain_n_s8_scratch_size(2, p, NULL);
}

void hcc_conv_chain_s8(const hcc_conv2d_pool_params_t *first, const hcc_conv2d_pool_params_t *second,
                       const int8_t *input, const hcc_conv_weights_t *w1, const hcc_conv_weights_t *w2,
                       const int8_t *residual, void *scratch, int8_t *output) {
    const hcc_conv2d_pool_params_t *p[2];
    const hcc_conv_weights_t *w[2];
    p[0] = first;
    p[1] = second;
    w[0] = w1;
    w[1] = w2;
    hcc_conv_chain_n_s8(2, p, w, input, residual, NULL, scratch, output);
}

/* The mean's part: int32 sums per channel, then one row of the last conv's output. */
static size_t mean_head(const hcc_conv2d_pool_params_t *last) {
    return 4u * (size_t)last->conv.out_c + (size_t)last->conv.out_w * (size_t)last->conv.out_c;
}

size_t hcc_conv_chain_mean_s8_scratch_size(int32_t n, const hcc_conv2d_pool_params_t *const *p) {
    return chain_scratch(mean_head(p[n - 1]), n, p);
}

void hcc_conv_chain_mean_s8(int32_t n, const hcc_conv2d_pool_params_t *const *p, const hcc_conv_weights_t *const *w,
                            const int8_t *input, int32_t z_in, int32_t z_out, int32_t mult, int32_t shift,
                            void *scratch, int8_t *output) {
    const hcc_conv2d_pool_params_t *last = p[n - 1];
    const int32_t out_c = last->conv.out_c, row_size = last->conv.out_w * out_c;
    const int32_t count = last->conv.out_h * last->conv.out_w;
    const row_source_t direct = {NULL, input, NULL, NULL, NULL, NULL};
    row_source_t src[HCC_CONV_CHAIN_MAX];
    window_t win[HCC_CONV_CHAIN_MAX];
    int32_t *sums = (int32_t *)scratch;
    int8_t *row = (int8_t *)(sums + out_c);
    const row_source_t *tail;
    int32_t r, i, x;
    chain_sources(n, p, w, &direct, (unsigned char *)scratch, mean_head(last), src, win);
    tail = &src[n - 1];
    for (i = 0; i < out_c; ++i) sums[i] = 0;
    for (r = 0; r < last->conv.out_h; ++r) {
        /* the last conv's row r, then its pixels into the sums (hcc_mean_s8's integers) */
        block_row(tail->p, tail->from, tail->w, NULL, tail->conv_scratch, tail->window, r, row);
        for (x = 0; x < row_size; x += out_c) {
            for (i = 0; i < out_c; ++i) sums[i] += row[x + i];
        }
    }
    for (i = 0; i < out_c; ++i) {
        output[i] = hcc_requantize_s8_inline(sums[i] - count * z_in, mult, shift, z_out, -128, 127);
    }
}
