/* int8 3x3 convolution, the hot path: same numbers as hcc_conv2d_s8, restructured.
 *
 * Depthwise convolutions go to hcc_dwconv2d_s8_rows (dwconv2d_s8.c).
 * Otherwise, per output pixel (and group) the 3x3 input patch, minus z_in, is gathered once into an
 * int16 scratch buffer with padding written as 0. Every output channel is then one
 * contiguous dot product of length 9 * cin_g against its OHWI weights: no bounds checks and
 * no zero-point subtraction in the inner loop, and four channels share each patch load
 * (hcc_dot4_u8: weights read as w + 128, one correction per pixel).
 *
 * Measured on qemu lx106 (-O2, 25x25, pad 1; instructions from CCOUNT x 25): dense 16 -> 32
 * 40.3M -> 21.9M (14.0 -> 7.6 per MAC), depthwise 32 10.2M -> 5.2M, vs hcc_conv2d_s8. */
#include <string.h>

#include "hcc_kernels.h"
#include "dot_u8.h"
#include "host_paths.h"

static int32_t group_size(int32_t channels, int32_t groups) {
    /* called per row: the division (~250 lx106 instructions) only where there are groups */
    return groups == 1 ? channels : (int32_t)hcc_udiv_u32((uint32_t)channels, (uint32_t)groups, 32);
}

static int is_depthwise(const hcc_conv2d_params_t *p) {
    return p->groups == p->in_c && p->groups == p->out_c;
}

/* groups == 1 (and not depthwise): the weights unpacked to int16 in channel pairs, three
 * pixels at a time (dense_rows; also the entry point hcc_conv2d_dense_s8_rows): every 3x3
 * conv, and other kernels of up to HCC_DENSE_MAX_KH rows whose unpacked weights take at most
 * HCC_DENSE_PACK_MAX bytes of scratch. Grouped convolutions keep the one-pixel path, and so
 * does groups == 1 with weight_pairs < 0 (the pass conv-scratch: no int16 weights in scratch
 * at all; other kernels than 3x3 then take hcc_conv2d_s8_rows). The test is
 * hcc_conv2d_takes_dense (hcc_kernels.h), shared with bench/naive's stand-in. */
static int is_dense(const hcc_conv2d_params_t *p) { return hcc_conv2d_takes_dense(p); }

/* the small tests of every row call written out on Xtensa (GCC calls them otherwise) */
#if HCC_XTENSA_KERNELS
#define DENSE_INLINE HCC_ALWAYS_INLINE
#else
#define DENSE_INLINE static inline
#endif

/* dense_rows' channel pairs widened at once: weight_pairs, or all of them (0 or more). */
DENSE_INLINE int32_t pairs_at_once(const hcc_conv2d_params_t *p) {
    const int32_t pairs = (p->out_c + 1) >> 1;
    return p->weight_pairs > 0 && p->weight_pairs < pairs ? p->weight_pairs : pairs;
}

/* dense_rows' input rows as int16 minus z_in with the padding as 0: columns -pad_left ..
 * (out_w - 1) stride_w - pad_left + (k_w - 1) dilation_w, in_c values each. */
static int32_t padded_row_len(const hcc_conv2d_params_t *p) {
    return ((p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1) * p->in_c;
}

/* The dense 3x3 convs of 8 input channels with stride_w 1 and weight_pairs 0 (the default:
 * all channel pairs at once; conv-scratch gives weight_pairs = the pairs, dense_rows' smaller
 * scratch, where wino_rows' would raise the arena): mini-Xception's, HCMTMM's and U-Net's 8 -> 8.
 * On Xtensa Winograd F(2, 3) along the row (wino_rows), on other targets dense_rows as any
 * other; the scratch holds either layout. */
DENSE_INLINE int is_wino(const hcc_conv2d_params_t *p) {
    return p->in_c == 8 && p->k_h == 3 && p->k_w == 3 && p->stride_w == 1 && p->dilation_w == 1 &&
           p->weight_pairs == 0;
}

/* wino_rows' transformed pairs a row: out_w / 2 rounded up, at least 2 (one wino_pair of two) */
DENSE_INLINE int32_t wino_pairs(const hcc_conv2d_params_t *p) { return p->out_w < 3 ? 2 : (p->out_w + 1) >> 1; }

/* wino_rows' int16 words of a channel pair's weights: 4 planes x 3 kernel rows x 8 channels
 * x 2, then the two int32 biases */
#define WINO_PAIR_TERMS 196

/* wino_rows' scratch: the k_h row tags (int32), the records of all channels twice (the odd
 * and the even pixels), the transformed weights (WINO_PAIR_TERMS a channel pair), the k_h
 * transformed rows (4 planes of wino_pairs x in_c int16), one padded int16 input row of
 * 2 wino_pairs + 2 columns and a dummy output pixel (out_c bytes). */
static size_t wino_scratch_size(const hcc_conv2d_params_t *p) {
    const size_t pairs = (size_t)((p->out_c + 1) >> 1), nq = (size_t)wino_pairs(p), cin = (size_t)p->in_c;
    return 3u * sizeof(int32_t) + 2u * HCC_CHANNEL_RECS_BYTES(2u * pairs) +
           (WINO_PAIR_TERMS * pairs + 12u * nq * cin + (2u * nq + 2u) * cin) * sizeof(int16_t) +
           (((size_t)p->out_c + 3u) & ~(size_t)3u);
}

/* size, or wino_rows' scratch where is_wino and larger; out of line on Xtensa, where the
 * mono path asks for the dense scratch size every row (mono_rows_fit) */
#if HCC_XTENSA_KERNELS
__attribute__((noinline))
#endif
static size_t wino_max(const hcc_conv2d_params_t *p, size_t size) {
    return is_wino(p) && wino_scratch_size(p) > size ? wino_scratch_size(p) : size;
}

size_t hcc_conv2d_dense_s8_scratch_size(const hcc_conv2d_params_t *p) {
    /* the input row held by each of k_h slots (int32), the records (hoisted requantization
     * terms, bias, accumulators) of the channels widened at once (2 x pairs_at_once), as many
     * int16 weights x n (n = k_h k_w in_c), a three-pixel int16 patch, then the k_h slots:
     * padded int16 rows; or (is_wino) wino_rows', the larger of the two */
    const size_t n = (size_t)(p->k_h * p->k_w * p->in_c), channels = (size_t)(2 * pairs_at_once(p));
    size_t size;
    if (!is_dense(p)) return 0u;
    size = (size_t)p->k_h * sizeof(int32_t) + HCC_CHANNEL_RECS_BYTES(channels) +
           (channels * n + 3u * n + (size_t)p->k_h * (size_t)padded_row_len(p)) * sizeof(int16_t);
    return p->in_c == 8 ? wino_max(p, size) : size;
}

size_t hcc_conv2d_3x3_s8_scratch_size(const hcc_conv2d_params_t *p) {
    if (is_depthwise(p)) return hcc_dwconv2d_s8_scratch_size(p);
    if (is_dense(p)) return hcc_conv2d_dense_s8_scratch_size(p);
    return (size_t)(9 * group_size(p->in_c, p->groups)) * sizeof(int16_t);
}

static void gather_patch(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy0,
                         int32_t ix0, int32_t channel0, int32_t cin_g, int16_t *patch) {
    int32_t ky, kx, i;
    for (ky = 0; ky < 3; ++ky) {
        const int32_t iy = iy0 + ky * p->dilation_h;
        for (kx = 0; kx < 3; ++kx) {
            const int32_t ix = ix0 + kx * p->dilation_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (i = 0; i < cin_g; ++i) patch[i] = 0;
            } else {
                const int8_t *in = input + (iy * p->in_w + ix) * p->in_c + channel0;
                for (i = 0; i < cin_g; ++i) patch[i] = (int16_t)(in[i] - p->z_in);
            }
            patch += cin_g;
        }
    }
}

/* Input row iy of the conv (any iy: outside the input it is all padding) into the padded
 * int16 layout of padded_row_len. */
static void pad_row(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy, int16_t *row) {
    const int32_t cin = p->in_c, len = padded_row_len(p);
    int32_t i = 0;
    if (iy >= 0 && iy < p->in_h) {
        const int32_t first = p->pad_left * cin;
        const int32_t past = p->in_w * cin + first < len ? p->in_w * cin + first : len;
        for (; i < first; ++i) row[i] = 0;
        hcc_widen_s16(input + iy * p->in_w * cin, past - first, p->z_in, row + first, 1);
        i = past;
    }
    for (; i < len; ++i) row[i] = 0;
}

#if HCC_XTENSA_KERNELS
/* wino_row's channel at byte offset o of a pair of in_c 8 (four columns 16 bytes apart) */
#define HCC_WINO_T(o)                                                             \
    "l16si %[d0], %[s], " #o "\n\t"                                               \
    "l16si %[d1], %[s], 16+" #o "\n\t"                                            \
    "l16si %[d2], %[s], 32+" #o "\n\t"                                            \
    "l16si %[d3], %[s], 48+" #o "\n\t"                                            \
    "sub %[t], %[d0], %[d2]\n\t"                                                  \
    "s16i %[t], %[r0], " #o "\n\t"                                                \
    "add %[t], %[d1], %[d2]\n\t"                                                  \
    "s16i %[t], %[r1], " #o "\n\t"                                                \
    "sub %[t], %[d2], %[d1]\n\t"                                                  \
    "s16i %[t], %[r2], " #o "\n\t"                                                \
    "sub %[t], %[d1], %[d3]\n\t"                                                  \
    "s16i %[t], %[r3], " #o "\n\t"

/* wino_rows' transformed input row: the padded row (pad_row into tmp, zeros up to 2 nq + 2
 * columns) as F(2, 3)'s four planes of nq pairs, pair k's columns d0 .. d3 = 2k .. 2k + 3:
 * d0 - d2, d1 + d2, d2 - d1, d1 - d3 (in_c 8 terms each; |t| <= 510); a pair's 8 channels
 * written out, 12 instructions for 4 values (GCC's loop took 31). */
static void wino_row(const hcc_conv2d_params_t *p, const int8_t *input, int32_t iy, int16_t *tmp, int16_t *row) {
    const int32_t nq = wino_pairs(p), plane = nq * 8;
    const int16_t *const end = tmp + 16 * nq;
    int16_t *r1 = row + plane, *r2 = r1 + plane, *r3 = r2 + plane;
    int32_t i, d0, d1, d2, d3, t;
    pad_row(p, input, iy, tmp);
    for (i = padded_row_len(p); i < (2 * nq + 2) * 8; ++i) tmp[i] = 0;
    __asm__ volatile("1:\n\t"
                     HCC_WINO_T(0) HCC_WINO_T(2) HCC_WINO_T(4) HCC_WINO_T(6) HCC_WINO_T(8) HCC_WINO_T(10)
                     HCC_WINO_T(12) HCC_WINO_T(14)
                     "addi %[s], %[s], 32\n\t"
                     "addi %[r0], %[r0], 16\n\t"
                     "addi %[r1], %[r1], 16\n\t"
                     "addi %[r2], %[r2], 16\n\t"
                     "addi %[r3], %[r3], 16\n\t"
                     "bne %[s], %[end], 1b\n\t"
                     : [s] "+r"(tmp), [r0] "+r"(row), [r1] "+r"(r1), [r2] "+r"(r2), [r3] "+r"(r3), [d0] "=&r"(d0),
                       [d1] "=&r"(d1), [d2] "=&r"(d2), [d3] "=&r"(d3), [t] "=&r"(t)
                     : [end] "r"(end)
                     : "memory");
}
#endif

/* The padded rows of output row oy, kept in k_h slots of len int16 that remember which
 * input row they hold (tags): a row already in a slot is reused, so with stride_h 1 each
 * input row is converted once for the k_h output rows that read it. A missing row goes to a
 * slot no row of this output row is in (k_h slots, k_h distinct rows: there is one). With
 * tmp (wino_rows) the slots hold wino_row's transformed rows. */
static inline void fetch_rows(const hcc_conv2d_params_t *p, const int8_t *input, int32_t oy, int32_t *tags,
                              int16_t *slots, const int16_t **rows, int32_t kh, int32_t len, int16_t *tmp) {
    const int32_t iy0 = oy * p->stride_h - p->pad_top, dh = p->dilation_h;
    int32_t q, slot, r;
    (void)tmp;
    for (q = 0; q < kh; ++q) {
        rows[q] = NULL;
        for (slot = 0; slot < kh; ++slot) {
            if (tags[slot] == iy0 + q * dh) rows[q] = slots + slot * len;
        }
    }
    for (q = 0; q < kh; ++q) {
        if (rows[q] != NULL) continue;
        for (slot = 0; slot < kh; ++slot) {
            for (r = 0; r < kh && tags[slot] != iy0 + r * dh; ++r) {
            }
            if (r == kh) break;  /* holds none of this output row's rows */
        }
        tags[slot] = iy0 + q * dh;
        rows[q] = slots + slot * len;
#if HCC_XTENSA_KERNELS
        if (tmp != NULL) {
            wino_row(p, input, tags[slot], tmp, slots + slot * len);
            continue;
        }
#endif
        pad_row(p, input, tags[slot], slots + slot * len);
    }
}

/* patch[3i + q] = src_q[i] for i < len: three pixels' runs of terms interleaved as
 * hcc_dot3x2_s16 reads them. On Xtensa two terms per pass in inline asm (17 instructions
 * for 6 values; GCC's loop takes 11 for 3). Returns the patch past them. */
static int16_t *interleave3(const int16_t *a, const int16_t *b, const int16_t *c, int32_t len, int16_t *patch) {
#if HCC_XTENSA_KERNELS
    if (len >= 2) {
        const int16_t *end = patch + 3 * (len & ~(int32_t)1);
        int32_t t;
        __asm__ volatile(
            "1:\n\t"
            "l16ui %[t], %[pa], 0\n\t"
            "s16i %[t], %[pp], 0\n\t"
            "l16ui %[t], %[pb], 0\n\t"
            "s16i %[t], %[pp], 2\n\t"
            "l16ui %[t], %[pc], 0\n\t"
            "s16i %[t], %[pp], 4\n\t"
            "l16ui %[t], %[pa], 2\n\t"
            "s16i %[t], %[pp], 6\n\t"
            "l16ui %[t], %[pb], 2\n\t"
            "s16i %[t], %[pp], 8\n\t"
            "l16ui %[t], %[pc], 2\n\t"
            "s16i %[t], %[pp], 10\n\t"
            "addi %[pa], %[pa], 4\n\t"
            "addi %[pb], %[pb], 4\n\t"
            "addi %[pc], %[pc], 4\n\t"
            "addi %[pp], %[pp], 12\n\t"
            "bne %[pp], %[end], 1b\n\t"
            : [pa] "+r"(a), [pb] "+r"(b), [pc] "+r"(c), [pp] "+r"(patch), [t] "=&r"(t)
            : [end] "r"(end)
            : "memory");
        len &= 1;
    }
#endif
    for (; len > 0; --len) {
        patch[0] = *a++;
        patch[1] = *b++;
        patch[2] = *c++;
        patch += 3;
    }
    return patch;
}

/* The patches of output pixels ox[0..2] of the current row (its padded input rows
 * rows[ky]), interleaved term by term (hcc_dot3x2_s16's layout). With dilation_w 1 a
 * pixel's k_w taps of one kernel row are one run of k_w in_c terms. */
static inline void gather_triple(const hcc_conv2d_params_t *p, const int16_t *const *rows, const int32_t *ox,
                                 int16_t *patch, int32_t kh, int32_t kw) {
    const int32_t cin = p->in_c, step = p->dilation_w * cin;
    const int32_t run = p->dilation_w == 1 ? kw * cin : cin, runs = p->dilation_w == 1 ? 1 : kw;
    int32_t ky, kx;
#if !HCC_XTENSA_KERNELS
    /* the host layout (HCC_TRIPLE_AT, dot_u8.h): each pixel's patch one contiguous run */
    int32_t q, i;
    for (q = 0; q < 3; ++q) {
        for (ky = 0; ky < kh; ++ky) {
            const int16_t *a = rows[ky] + ox[q] * p->stride_w * cin;
            for (kx = 0; kx < runs; ++kx, a += step, patch += run) {
                for (i = 0; i < run; ++i) patch[i] = a[i];
            }
        }
    }
    return;
#endif
    for (ky = 0; ky < kh; ++ky) {
        const int16_t *a = rows[ky] + ox[0] * p->stride_w * cin, *b = rows[ky] + ox[1] * p->stride_w * cin,
                      *c = rows[ky] + ox[2] * p->stride_w * cin;
        for (kx = 0; kx < runs; ++kx, a += step, b += step, c += step) patch = interleave3(a, b, c, run, patch);
    }
}

#if HCC_XTENSA_KERNELS
/* dense_rows' triples of output pixels ox, ox + 1, ox + 2 < out_w of one output row (its
 * padded input rows rows[ky]; the channels c0 .. c0 + channels - 1 at out) with each pixel
 * read in place, 2 in_c stride_w bytes from the next (HCC_STRIDED_P): no patch. Returns the
 * first pixel left (a last triple of fewer pixels takes the patch). Not inlined: dense_rows'
 * own loop keeps its registers. */
__attribute__((noinline)) static int32_t strided_triples(const hcc_conv2d_params_t *p, const int16_t *const *rows,
                                                         const int16_t *packed, int32_t channels,
                                                         hcc_channel_rec_t *recs, int8_t *out) {
    const int32_t step = p->stride_w * p->in_c;
    const int16_t *runs[HCC_DENSE_MAX_KH];
    int32_t ox, q;
    for (q = 0; q < p->k_h; ++q) runs[q] = rows[q];
    for (ox = 0; ox + 2 < p->out_w; ox += 3) {
        int8_t *const dst[3] = {out + ox * p->out_c, out + (ox + 1) * p->out_c, out + (ox + 2) * p->out_c};
        hcc_strided_triples(runs, p->k_h, p->k_w * p->in_c, 2 * step, packed, channels, recs);
        hcc_requant_records(recs, channels, p->z_out, p->act_min, p->act_max, dst);
        for (q = 0; q < p->k_h; ++q) runs[q] += 3 * step;
    }
    return ox;
}
#endif

#if HCC_XTENSA_KERNELS
/* wino_pair's asm, for three output pairs (lanes a, b, c: L3) or two (a, b: L2). L(m) is m
 * applied to each lane's accumulators (channel 0, channel 1) and its number. */
#define HCC_WINO_L2(m) m(a0, a1, 0) m(b0, b1, 1)
#define HCC_WINO_L3(m) HCC_WINO_L2(m) m(c0, c1, 2)
/* one term k of a kernel row: the pair's two weights, each lane's input (16 bytes apart) */
#define HCC_WINO_TERM(L, k)                                                       \
    "l16ui %[w0], %[wp], 4*" #k "\n\t"                                            \
    "l16ui %[w1], %[wp], 4*" #k "+2\n\t" L(HCC_WINO_PIX_##k)
/* HCC_DOT3X2_PIX needs the term's offset as a literal: one lane macro per term */
#define HCC_WINO_PIX_0(x0, x1, l) HCC_DOT3X2_PIX(0+16*l, x0, x1)
#define HCC_WINO_PIX_1(x0, x1, l) HCC_DOT3X2_PIX(2+16*l, x0, x1)
#define HCC_WINO_PIX_2(x0, x1, l) HCC_DOT3X2_PIX(4+16*l, x0, x1)
#define HCC_WINO_PIX_3(x0, x1, l) HCC_DOT3X2_PIX(6+16*l, x0, x1)
#define HCC_WINO_PIX_4(x0, x1, l) HCC_DOT3X2_PIX(8+16*l, x0, x1)
#define HCC_WINO_PIX_5(x0, x1, l) HCC_DOT3X2_PIX(10+16*l, x0, x1)
#define HCC_WINO_PIX_6(x0, x1, l) HCC_DOT3X2_PIX(12+16*l, x0, x1)
#define HCC_WINO_PIX_7(x0, x1, l) HCC_DOT3X2_PIX(14+16*l, x0, x1)
/* the 8 terms of one kernel row: its pointer from the frame's byte ro, the weights advanced
 * past them after */
#define HCC_WINO_RUN(L, ro)                                                                                  \
    "l32i %[xs], %[rp], " #ro "\n\t" HCC_WINO_TERM(L, 0) HCC_WINO_TERM(L, 1) HCC_WINO_TERM(L, 2)             \
        HCC_WINO_TERM(L, 3) HCC_WINO_TERM(L, 4) HCC_WINO_TERM(L, 5) HCC_WINO_TERM(L, 6) HCC_WINO_TERM(L, 7)  \
            "addi %[wp], %[wp], 32\n\t"
#define HCC_WINO_PLANE(L, ro) HCC_WINO_RUN(L, ro) HCC_WINO_RUN(L, ro+4) HCC_WINO_RUN(L, ro+8)
#define HCC_WINO_ZERO_(x0, x1, l) "movi %[" #x0 "], 0\n\t" "movi %[" #x1 "], 0\n\t"
/* the frame's words d (byte 48 + 8 lane + 4 channel) stored, loaded, or d = d - acc with acc = d + acc */
#define HCC_WINO_SAVE_(x0, x1, l) "s32i %[" #x0 "], %[rp], 48+8*" #l "\n\t" "s32i %[" #x1 "], %[rp], 52+8*" #l "\n\t"
#define HCC_WINO_LOAD_(x0, x1, l) "l32i %[" #x0 "], %[rp], 48+8*" #l "\n\t" "l32i %[" #x1 "], %[rp], 52+8*" #l "\n\t"
#define HCC_WINO_SD(acc, ro)                                                                                 \
    "l32i %[t], %[rp], " ro "\n\t" "sub %[x], %[t], %[" #acc "]\n\t" "s32i %[x], %[rp], " ro "\n\t"          \
    "add %[" #acc "], %[t], %[" #acc "]\n\t"
#define HCC_WINO_SUMDIFF_(x0, x1, l) HCC_WINO_SD(x0, "48+8*" #l) HCC_WINO_SD(x1, "52+8*" #l)
/* acc = (acc >> 1) + bias (the sums carry the weights' factor 2: exact; biases in w0, w1) */
#define HCC_WINO_HALF_(x0, x1, l)                                                                            \
    "srai %[" #x0 "], %[" #x0 "], 1\n\t" "add %[" #x0 "], %[" #x0 "], %[w0]\n\t"                             \
    "srai %[" #x1 "], %[" #x1 "], 1\n\t" "add %[" #x1 "], %[" #x1 "], %[w1]\n\t"
/* into the records (acc[l] at 28 + 4 l, the next record's at 100 + 4 l) */
#define HCC_WINO_STORE_(x0, x1, l) "s32i %[" #x0 "], %[xs], 28+4*" #l "\n\t" "s32i %[" #x1 "], %[xs], 100+4*" #l "\n\t"
/* the lanes halved, biased and stored to the records at the frame's word ro, which then moves
 * on a channel pair */
#define HCC_WINO_FINISH(L, ro)                                                                               \
    L(HCC_WINO_HALF_) "l32i %[xs], %[rp], " #ro "\n\t" L(HCC_WINO_STORE_) "addi %[xs], %[xs], 144\n\t"      \
        "s32i %[xs], %[rp], " #ro "\n\t"
/* M1 saved, M2 into M1 + M2 and M1 - M2, M0 on M1 + M2 (twice the even pixels' sums), M3
 * (negated) on M1 - M2 (the odd ones'), each finished; w past the pair's weights and biases */
#define HCC_WINO_ASM(L)                                                                                      \
    L(HCC_WINO_ZERO_) HCC_WINO_PLANE(L, 0) L(HCC_WINO_SAVE_) L(HCC_WINO_ZERO_) HCC_WINO_PLANE(L, 12)          \
        L(HCC_WINO_SUMDIFF_) HCC_WINO_PLANE(L, 24) "l32i %[w0], %[wp], 96\n\t" "l32i %[w1], %[wp], 100\n\t"  \
            HCC_WINO_FINISH(L, 72) L(HCC_WINO_LOAD_) HCC_WINO_PLANE(L, 36) "l32i %[w0], %[wp], 0\n\t"         \
                "l32i %[w1], %[wp], 4\n\t" "addi %[wp], %[wp], 8\n\t" HCC_WINO_FINISH(L, 76)
#define HCC_WINO_OUTS                                                                                        \
    [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0), [b1] "=&r"(b1), [xs] "=&r"(xs), [wp] "+r"(w),            \
        [x] "=&r"(x), [w0] "=&r"(w0), [w1] "=&r"(w1), [t] "=&r"(t)

/* wino_pair's frame: the rows of the four planes (the order of wino_weights, 3 kernel rows
 * each, at the current three output pairs), the words M1 - M2 (2p + j: pair p, channel j of
 * the pair) and the channel pair's records of the even and of the odd pixels. The asm's
 * offsets: rows 0, d 48, even 72, odd 76. */
typedef struct {
    const int16_t *rows[12];
    uint32_t d[6];
    hcc_channel_rec_t *even, *odd;
} wino_frame_t;

/* the asm's offsets: the frame's words, the records' acc at 28, 72 bytes each */
typedef char wino_frame_check[sizeof(wino_frame_t) == 80 && sizeof(hcc_channel_rec_t) == 72 ? 1 : -1];

/* One channel pair (weights w, wino_weights') on the frame's three output pairs (n 3) or
 * the first two (n 2; the third's records keep what they held): the four planes' dot
 * products, 8 terms of a kernel row at a time (17 instructions a term for three pairs, 12
 * for two, no loop), combined, halved, biased and stored to the records (HCC_WINO_ASM);
 * ~100 instructions besides the 96 terms. Returns w past the pair's weights. */
static inline const int16_t *wino_pair(wino_frame_t *f, const int16_t *w, int32_t n) {
    uint32_t a0, a1, b0, b1, c0, c1;
    const int16_t *xs;
    int32_t x, w0, w1, t;
    if (n == 3) {
        __asm__ volatile(HCC_WINO_ASM(HCC_WINO_L3)
                         : HCC_WINO_OUTS, [c0] "=&r"(c0), [c1] "=&r"(c1)
                         : [rp] "r"(f)
                         : "memory");
    } else {
        __asm__ volatile(HCC_WINO_ASM(HCC_WINO_L2) : HCC_WINO_OUTS : [rp] "r"(f) : "memory");
    }
    return w;
}

/* The weights of wino_rows: per channel pair, the planes in the order 1, 2, 0, 3 wino_pair
 * takes them, each 3 kernel rows x in_c terms x the pair (hcc_dot3x2_s16's order), from
 * kernel row g0 g1 g2 of a channel: g0 + g1 + g2, g0 - g1 + g2, 2 g0, -2 g2 (F(2, 3)'s, times
 * 2; the last negated so that wino_pair only adds), then the pair's biases (int32, 0 without).
 * A channel past out_c is 0. */
static void wino_weights(const hcc_conv2d_params_t *p, const int8_t *weights, const int32_t *bias, int16_t *v) {
    const int32_t cin = p->in_c, n = 9 * cin;
    int32_t c, j, q, i, ch;
    for (c = 0; c < p->out_c; c += 2) {
        for (j = 0; j < 4; ++j) {
            for (q = 0; q < 3; ++q) {
                for (i = 0; i < cin; ++i) {
                    for (ch = 0; ch < 2; ++ch, ++v) {
                        const int8_t *g = weights + (c + ch) * n + 3 * q * cin + i;
                        const int32_t g0 = g[0], g1 = g[cin], g2 = g[2 * cin];
                        *v = c + ch >= p->out_c ? 0
                             : (int16_t)(j == 0 ? g0 + g1 + g2 : j == 1 ? g0 - g1 + g2 : j == 2 ? 2 * g0 : -2 * g2);
                    }
                }
            }
        }
        for (ch = 0; ch < 2; ++ch, v += 2) {
            const int32_t b = bias != NULL && c + ch < p->out_c ? bias[c + ch] : 0;
            memcpy(v, &b, sizeof b);
        }
    }
}

/* is_wino's convs on Xtensa: Winograd F(2, 3) along the row. Each input row is transformed
 * once (wino_row, into the k_h slots as dense_rows keeps its padded rows); per three output
 * pairs and channel pair the four planes' dot products (wino_pair: 96 products for the 144 of
 * two pixels' 3x3 kernels) M1, M2, then M0 on M1 + M2 and -M3 on M1 - M2: twice the even and
 * the odd pixel's sums, exact, halved, the bias added; then the records requantize the odd
 * pixels and the even ones (a pixel past out_w to the dummy). Same integers as dense_rows. */
static void wino_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                      const int32_t *mult, const int32_t *shift, void *scratch, int32_t row_begin, int32_t row_end,
                      int8_t *out) {
    const int32_t cin = p->in_c, out_c = p->out_c, pairs = (out_c + 1) >> 1, nq = wino_pairs(p);
    const int32_t len = 4 * nq * cin;
    int32_t *tags = (int32_t *)scratch;
    hcc_channel_rec_t *odd = (hcc_channel_rec_t *)(tags + 3);
    hcc_channel_rec_t *even = (hcc_channel_rec_t *)((char *)odd + HCC_CHANNEL_RECS_BYTES(2 * pairs));
    int16_t *v = (int16_t *)((char *)even + HCC_CHANNEL_RECS_BYTES(2 * pairs));
    int16_t *slots = v + WINO_PAIR_TERMS * pairs;
    int16_t *tmp = slots + 3 * len;
    int8_t *dummy = (int8_t *)(tmp + (2 * nq + 2) * cin);
    static const int32_t plane[4] = {1, 2, 0, 3}; /* wino_weights' order */
    wino_frame_t f;
    const int32_t npr = (p->out_w + 1) >> 1;  /* the output pairs, the last one short for odd out_w */
    int32_t oy, k, c, q, j, g;
    if (row_begin == 0) {
        wino_weights(p, weights, bias, v);
        hcc_hoist_channels(odd, mult, shift, bias, out_c, p->z_out, p->act_min, p->act_max);
        hcc_hoist_pad(odd, out_c);
        hcc_hoist_channels(even, mult, shift, bias, out_c, p->z_out, p->act_min, p->act_max);
        hcc_hoist_pad(even, out_c);
        for (q = 0; q < 3; ++q) tags[q] = INT32_MIN;
    }
    for (oy = row_begin; oy < row_end; ++oy, out += p->out_w * out_c) {
        const int16_t *rows[3];
        fetch_rows(p, input, oy, tags, slots, rows, 3, len, tmp);
        for (k = 0; k < npr; k += g) {
            int8_t *dst_even[3], *dst_odd[3];
            const int16_t *w = v;
            /* three pairs at a time, two where fewer or four are left */
            g = npr - k == 4 || npr - k <= 2 ? 2 : 3;
            for (q = 0; q < 3; ++q) {
                dst_even[q] = q < g && 2 * (k + q) < p->out_w ? out + 2 * (k + q) * out_c : dummy;
                dst_odd[q] = q < g && 2 * (k + q) + 1 < p->out_w ? out + (2 * (k + q) + 1) * out_c : dummy;
                for (j = 0; j < 4; ++j) f.rows[3 * j + q] = rows[q] + plane[j] * nq * cin + k * cin;
            }
            f.even = even;
            f.odd = odd;
            for (c = 0; c < out_c; c += 2) w = wino_pair(&f, w, g);
            hcc_requant_records(odd, out_c, p->z_out, p->act_min, p->act_max, dst_odd);
            hcc_requant_records(even, out_c, p->z_out, p->act_min, p->act_max, dst_even);
        }
    }
}
#endif

/* groups == 1: the OHWI int8 weights unpacked into int16 channel pairs, pair q at
 * wq = packed + 2 n q with wq[2i + j] = w[2q + j][i] (0 past out_c): all of them once, when
 * row 0 is computed, or (weight_pairs) a group of pairs at a time, again for every row, so
 * that the scratch holds a group's weights, never all of them. Then per three output pixels
 * the three patches are gathered (once per group), interleaved, and every channel pair is
 * one hcc_dot3x2_s16 (6 accumulators, 2.9 instructions per product on lx106) followed by up
 * to six requantizations. Past the row's last pixel the last one is repeated (and written
 * again, the same bytes). */
static void dense_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                       int32_t row_begin, int32_t row_end, int8_t *out) {
    const int32_t n = p->k_h * p->k_w * p->in_c, out_c = p->out_c, pairs = (out_c + 1) >> 1, group = pairs_at_once(p);
    int32_t *tags = (int32_t *)scratch;
    hcc_channel_rec_t *recs = (hcc_channel_rec_t *)(tags + p->k_h);
    int16_t *packed = (int16_t *)((char *)recs + HCC_CHANNEL_RECS_BYTES(2 * group));
    int16_t *patch = packed + 2 * n * group;
    int16_t *slots = patch + 3 * n;
    const int is_3x3 = p->k_h == 3 && p->k_w == 3;  /* constant loop bounds for GCC to unroll */
#if HCC_XTENSA_KERNELS
    /* the strided dot products where they pay: ~24 instructions a channel pair and kernel row
     * against the patch's ~8.5 a term of a kernel row (mini-Xception: its 3x3 8 -> 8 gains
     * 6%, its 1x1 16 -> 32 would lose 3%) */
    const int strided = p->dilation_w == 1 && HCC_STRIDED_P(2 * p->in_c * p->stride_w) &&
                        p->k_w * p->in_c >= 3 * group;
#endif
    int32_t oy, ox, q, c0;
    if (row_begin == 0) {
        if (group == pairs) {
            hcc_pack_pairs_s16(weights, out_c, n, packed);
            hcc_hoist_channels(recs, mult, shift, bias, out_c, p->z_out, p->act_min, p->act_max);
            hcc_hoist_pad(recs, out_c);
        }
        for (q = 0; q < p->k_h; ++q) tags[q] = INT32_MIN;  /* no row held (INT32_MIN is no row index) */
    }
    for (oy = row_begin; oy < row_end; ++oy) {
        const int16_t *rows[HCC_DENSE_MAX_KH];
        if (is_3x3) {
            fetch_rows(p, input, oy, tags, slots, rows, 3, padded_row_len(p), NULL);
        } else {
            fetch_rows(p, input, oy, tags, slots, rows, p->k_h, padded_row_len(p), NULL);
        }
        for (c0 = 0; c0 < out_c; c0 += 2 * group) {
            const int32_t channels = out_c - c0 < 2 * group ? out_c - c0 : 2 * group;
            if (group < pairs) {  /* this group's weights and records (the records end in a flag word) */
                hcc_pack_pairs_s16(weights + c0 * n, channels, n, packed);
                hcc_hoist_channels(recs, mult + c0, shift + c0, bias ? bias + c0 : NULL, channels, p->z_out, p->act_min,
                                   p->act_max);
                hcc_hoist_pad(recs, channels);
            }
            ox = 0;
#if HCC_XTENSA_KERNELS
            if (strided) ox = strided_triples(p, rows, packed, channels, recs, out + c0);
#endif
            for (; ox < p->out_w; ox += 3) {
                int32_t oxs[3];
                int8_t *dst[3];
                for (q = 0; q < 3; ++q) {
                    oxs[q] = ox + q < p->out_w ? ox + q : p->out_w - 1;
                    dst[q] = out + oxs[q] * out_c + c0;
                }
                if (is_3x3) {
                    gather_triple(p, rows, oxs, patch, 3, 3);
                } else {
                    gather_triple(p, rows, oxs, patch, p->k_h, p->k_w);
                }
#if HCC_XTENSA_KERNELS
                hcc_triples_requantize(patch, n, packed, channels, recs, p->z_out, p->act_min, p->act_max, dst);
#else
                hcc_host_triples_requantize(patch, n, packed, channels, recs, mult + c0, shift + c0,
                                            p->z_out, p->act_min, p->act_max, dst);
#endif
            }
        }
        out += p->out_w * out_c;
    }
}

void hcc_conv2d_3x3_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input,
                            const int8_t *weights, const int32_t *bias, const int32_t *mult,
                            const int32_t *shift, void *scratch, int32_t row_begin,
                            int32_t row_end, int8_t *out_rows) {
    const int32_t cin_g = group_size(p->in_c, p->groups);
    const int32_t cout_g = group_size(p->out_c, p->groups);
    const int32_t n = 9 * cin_g;
    int16_t *patch = (int16_t *)scratch;
    int8_t *out = out_rows;
    int32_t oy, ox, g, c;
    if (is_depthwise(p)) {
        hcc_dwconv2d_s8_rows(p, input, weights, bias, mult, shift, scratch, row_begin, row_end, out_rows);
        return;
    }
    if (is_dense(p)) {  /* dense_rows fits wino_rows' scratch too */
        dense_rows(p, input, weights, bias, mult, shift, scratch, row_begin, row_end, out_rows);
        return;
    }
    for (oy = row_begin; oy < row_end; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            for (g = 0; g < p->groups; ++g) {
                const int32_t c_end = (g + 1) * cout_g;
                uint32_t sum128 = 0, acc[4];
                int32_t m, i;
                gather_patch(p, input, iy0, ix0, g * cin_g, cin_g, patch);
                for (i = 0; i < n; ++i) sum128 += (uint32_t)(int32_t)patch[i];
                sum128 <<= 7;  /* the weights are read as w + 128 (dot_u8.h) */
                for (c = g * cout_g; c < c_end; c += m) {
                    m = c_end - c < 4 ? c_end - c : 4;
                    for (i = 0; i < m; ++i) acc[i] = bias ? (uint32_t)bias[c + i] : 0u;
                    if (m == 4) {
                        hcc_dot4_u8(patch, n, (const uint8_t *)weights + c * n, n, acc);
                    } else {
                        for (i = 0; i < m; ++i) acc[i] = hcc_dot1_u8(patch, n, (const uint8_t *)weights + (c + i) * n, acc[i]);
                    }
                    for (i = 0; i < m; ++i) {
                        out[c + i] = hcc_requantize_s8_inline((int32_t)(acc[i] - sum128), mult[c + i], shift[c + i],
                                                              p->z_out, p->act_min, p->act_max);
                    }
                }
            }
            out += p->out_c;
        }
    }
}

void hcc_conv2d_3x3_s8(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *mult, const int32_t *shift,
                       void *scratch, int8_t *output) {
    hcc_conv2d_3x3_s8_rows(p, input, weights, bias, mult, shift, scratch, 0, p->out_h, output);
}

void hcc_conv2d_dense_s8_rows(const hcc_conv2d_params_t *p, const int8_t *input, const int8_t *weights,
                              const int32_t *bias, const int32_t *mult, const int32_t *shift, void *scratch,
                              int32_t row_begin, int32_t row_end, int8_t *out_rows) {
#if HCC_XTENSA_KERNELS
    if (is_wino(p)) {
        wino_rows(p, input, weights, bias, mult, shift, scratch, row_begin, row_end, out_rows);
        return;
    }
#endif
    dense_rows(p, input, weights, bias, mult, shift, scratch, row_begin, row_end, out_rows);
}
