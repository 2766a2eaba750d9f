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

/* dense_rows' channel pairs widened at once: weight_pairs, or all of them (0 or more). */
static int32_t pairs_at_once(const hcc_conv2d_params_t *p) {
    const int32_t pairs = (p->out_c + 1) >> 1;
    return p->weight_pairs > 0 && p->weight_pairs < pairs ? p->weight_pairs : pairs;
}

/* dense_rows' input rows as int16 minus z_in with the padding as 0: columns -pad_left ..
 * (out_w - 1) stride_w - pad_left + (k_w - 1) dilation_w, in_c values each. */
static int32_t padded_row_len(const hcc_conv2d_params_t *p) {
    return ((p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1) * p->in_c;
}

size_t hcc_conv2d_dense_s8_scratch_size(const hcc_conv2d_params_t *p) {
    /* the input row held by each of k_h slots (int32), the records (hoisted requantization
     * terms, bias, accumulators) of the channels widened at once (2 x pairs_at_once), as many
     * int16 weights x n (n = k_h k_w in_c), a three-pixel int16 patch, then the k_h slots:
     * padded int16 rows */
    const size_t n = (size_t)(p->k_h * p->k_w * p->in_c), channels = (size_t)(2 * pairs_at_once(p));
    if (!is_dense(p)) return 0u;
    return (size_t)p->k_h * sizeof(int32_t) + HCC_CHANNEL_RECS_BYTES(channels) +
           (channels * n + 3u * n + (size_t)p->k_h * (size_t)padded_row_len(p)) * sizeof(int16_t);
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

/* The padded rows of output row oy, kept in k_h slots that remember which input row they
 * hold (tags): a row already in a slot is reused, so with stride_h 1 each input row is
 * converted once for the k_h output rows that read it. A missing row goes to a slot no
 * row of this output row is in (k_h slots, k_h distinct rows: there is one). */
static inline void fetch_rows(const hcc_conv2d_params_t *p, const int8_t *input, int32_t oy, int32_t *tags,
                              int16_t *slots, const int16_t **rows, int32_t kh) {
    const int32_t len = padded_row_len(p), iy0 = oy * p->stride_h - p->pad_top, dh = p->dilation_h;
    int32_t q, slot, r;
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
        pad_row(p, input, tags[slot], slots + slot * len);
    }
}

/* patch[3i + q] = src_q[i] for i < len: three pixels' runs of terms interleaved as
 * hcc_dot3x2_s16 reads them. On Xtensa two terms per pass in inline asm (17 instructions
 * for 6 values; GCC's loop takes 11 for 3). Returns the patch past them. */
static int16_t *interleave3(const int16_t *a, const int16_t *b, const int16_t *c, int32_t len, int16_t *patch) {
#if defined(__XTENSA__)
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
#if !defined(__XTENSA__)
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

#if defined(__XTENSA__)
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
#if defined(__XTENSA__)
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
            fetch_rows(p, input, oy, tags, slots, rows, 3);
        } else {
            fetch_rows(p, input, oy, tags, slots, rows, p->k_h);
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
#if defined(__XTENSA__)
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
#if defined(__XTENSA__)
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
    if (is_dense(p)) {
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
    dense_rows(p, input, weights, bias, mult, shift, scratch, row_begin, row_end, out_rows);
}
