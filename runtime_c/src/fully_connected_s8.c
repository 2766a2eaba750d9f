/* int8 fully connected: [rows, k] x [n, k]^T, per-output-channel requantization.
 *
 * Per row, the inputs minus z_in are converted to int16 once, HCC_FC_CHUNK at a time (a
 * small stack buffer, whatever k is), and four output channels share each of them (the
 * weights as w + 128, see dot_u8.h). Measured on qemu lx106 -O2, HCMTMM's fully connected
 * layers: 12.0 .. 17.5 -> 8.1 .. 10.2 instructions per MAC (docs/performance.md).
 *
 * With two rows or more, the weights are first unpacked to int16 channel pairs in scratch
 * (once per call, or once per chunk of channels whose int16 weights take at most
 * HCC_FC_PACK_MAX bytes) and three rows x two channels share every load (hcc_dot3x2_s16, 2.9
 * instructions per product on lx106).
 * k == 2 has its own channel-major path (fc_k2). One row goes through
 * hcc_fully_connected_row_s8 instead (the compiler's blocked weights, at the end). */
#include "hcc_kernels.h"
#include "dot_u8.h"

#define HCC_FC_CHUNK 64
#define HCC_FC_PACK_MAX 8192

static size_t packed_bytes(const hcc_fc_params_t *p) {
    return (size_t)((p->n + 1) & ~1) * (size_t)p->k * sizeof(int16_t);
}

/* The triple path takes any n whose channel pairs fit one at least (4 k <= HCC_FC_PACK_MAX):
 * when all the int16 weights do not fit, hcc_fully_connected_s8 runs it over chunks of
 * chunk_channels() channels, each packed and hoisted once, the rows once per chunk. */
static int use_triples(const hcc_fc_params_t *p) {
    return p->rows >= 2 && p->k != 2 && 4 * p->k <= HCC_FC_PACK_MAX;
}

static int32_t chunk_channels(const hcc_fc_params_t *p) {
    /* no divide instruction on the lx106 (and no libgcc helper linked): hcc_udiv_u32 */
    return packed_bytes(p) <= HCC_FC_PACK_MAX ? p->n
                                              : (int32_t)hcc_udiv_u32(HCC_FC_PACK_MAX, 4u * (uint32_t)p->k, 13) * 2;
}

size_t hcc_fully_connected_s8_scratch_size(const hcc_fc_params_t *p) {
    const int32_t nc = chunk_channels(p);
    return use_triples(p) ? HCC_CHANNEL_RECS_BYTES(nc) + (size_t)((nc + 1) & ~1) * (size_t)p->k * sizeof(int16_t) +
                                3u * (size_t)p->k * sizeof(int16_t)
                          : 0u;
}

/* ---- k == 2 (Mamba's dt_proj): two products per output, the requantization dominates ----
 *
 * Channel by channel, so that the channel's terms stay in registers over the rows. With
 * v = x + 128 (the input byte u as u ^ 0x80) and the channel's weights and bias negated
 * when m < 0 (acc' = sign(m) acc, whose sign is the result's),
 *   acc' = c + w0 v0 + w1 v1,   c = bias' - (z_in + 128)(w0 + w1).
 * Over v in [0, 255]^2, acc' spans at most 255 (|w0| + |w1|) <= 65280 < 2^16. When that span
 * lies on one side of 0 (|bias| large against the weights, as in dt_proj: |acc| is 50K ..
 * 430K, past the 2^16 of hcc_requantize_s8_inline's two-multiply path), |acc'| = amin + e
 * with e = +-acc' - amin in [0, 2^16) an affine function of v0, v1; with M = |m| = bh 2^16 + bl and
 * amin M + 2^(s-1) = Q 2^s + R, R = rh 2^16 + rl, exactly
 *   floor((|acc'| M + 2^(s-1)) / 2^s) = Q + ((e bh + rh + ((e bl + rl) >> 16)) >> (s - 16))
 * (the dropped low 16 bits cannot carry into bit 16), in 32 bits for s in [32, 47]:
 * e bh <= 65280 2^15 and rh < 2^31 keep the sum below 2^32. Two multiplies per output, no
 * 64-bit product and no magnitude test; Q (capped at 257: past 256 the output saturates
 * either way) and the sign go into the output's offset zq = z_out +- Q, and the second term
 * is below 2^16, so z_out +- |r| needs no cap before the clamp. Otherwise (a span across 0,
 * other shifts, |bias| >= 2^30, an empty clamp) hcc_requantize_s8_inline per output. */
typedef struct {
    uint32_t b, bh, bl, rh, rl;  /* b: e at v0 = v1 = 0 */
    int32_t w0, w1, sh, zq;
} fc_k2_terms_t;

/* The terms above for a channel (weights and bias already those of acc', mag_m = |m|):
 * 1 or -1, the sign of acc' (of the result), or 0 when the offset form does not apply. */
static int fc_k2_offset_terms(int32_t w0, int32_t w1, int32_t bias, int32_t z_in, uint32_t mag_m, int32_t s,
                              int32_t z_out, fc_k2_terms_t *t) {
    int32_t c, lo, hi;
    uint32_t amin, ah, al, mid, plo, phi, q;
    int neg;
    if ((uint32_t)(s - 32) > 15u || bias <= -0x40000000 || bias >= 0x40000000) return 0;
    c = bias - (z_in + 128) * (w0 + w1);  /* the span of acc', exactly: |bias| < 2^30 */
    lo = c + 255 * ((w0 < 0 ? w0 : 0) + (w1 < 0 ? w1 : 0));
    hi = c + 255 * ((w0 > 0 ? w0 : 0) + (w1 > 0 ? w1 : 0));
    if (lo <= 0 && hi >= 0) return 0;
    neg = hi < 0;
    amin = neg ? (uint32_t)-hi : (uint32_t)lo;
    /* amin M + 2^(s-1) as phi 2^32 + plo, from 16-bit pieces (amin < 2^31, M <= 2^31) */
    ah = amin >> 16;
    al = amin & 0xFFFFu;
    t->bh = mag_m >> 16;
    t->bl = mag_m & 0xFFFFu;
    mid = ah * t->bl + al * t->bh;
    plo = al * t->bl;
    phi = ah * t->bh + (mid >> 16) + ((plo + (mid << 16)) < plo);
    plo += mid << 16;
    if (s == 32) {
        phi += (plo + 0x80000000u) < plo;
        plo += 0x80000000u;
    } else {
        phi += (uint32_t)1u << (s - 33);
    }
    q = phi >> (s - 32);
    q = q > 257u ? 257u : q;
    t->rh = ((phi & (((uint32_t)1u << (s - 32)) - 1u)) << 16) | (plo >> 16);
    t->rl = plo & 0xFFFFu;
    t->sh = s - 16;
    /* e = acc' - amin, or -acc' - amin */
    t->b = neg ? (uint32_t)-c - amin : (uint32_t)c - amin;
    t->w0 = neg ? -w0 : w0;
    t->w1 = neg ? -w1 : w1;
    t->zq = neg ? z_out - (int32_t)q : z_out + (int32_t)q;
    return neg ? -1 : 1;
}

/* b + w0 v0 + w1 v1 for the input pair x (v = u ^ 0x80), in 32-bit wrap-around. */
static inline uint32_t fc_k2_dot(uint32_t b, int32_t w0, int32_t w1, const uint8_t *x) {
    uint32_t v0 = x[0], v1 = x[1];
#if HCC_XTENSA_KERNELS
    /* GCC zero-extends a xor'ed byte again (extui): 2 instructions more per output */
    __asm__("xor %0, %0, %1" : "+r"(v0) : "r"(0x80u));
    __asm__("xor %0, %0, %1" : "+r"(v1) : "r"(0x80u));
#else
    v0 ^= 0x80u;
    v1 ^= 0x80u;
#endif
    return b + (uint32_t)(w0 * (int32_t)v0) + (uint32_t)(w1 * (int32_t)v1);
}

#if HCC_XTENSA_KERNELS
/* fc_k2_offset_rows' passes. E: one row's e at byte eo of %[ep] (its input pair at xo of %[xp]);
 * R: one row's output from e, d = (e bh + rh + ((e bl + rl) >> 16)) >> sh (SAR), zq +- d (op: add
 * or sub), the int8 clamp (one unsigned compare, usually), the store, %[po] advanced by n. */
#define FC_K2_E(xo, eo)                                                           \
    "l8ui %[v0], %[xp], " #xo "\n\t"                                              \
    "l8ui %[v1], %[xp], " #xo "+1\n\t"                                            \
    "xor %[v0], %[v0], %[c80]\n\t"                                                \
    "xor %[v1], %[v1], %[c80]\n\t"                                                \
    "mull %[v0], %[v0], %[w0]\n\t"                                                \
    "mull %[v1], %[v1], %[w1]\n\t"                                                \
    "add %[v0], %[v0], %[b]\n\t"                                                  \
    "add %[v0], %[v0], %[v1]\n\t"                                                 \
    "s32i %[v0], %[ep], " #eo "\n\t"
#define FC_K2_R(eo, op)                                                           \
    "l32i %[t], %[ep], " #eo "\n\t"                                               \
    "mull %[u], %[t], %[bl]\n\t"                                                  \
    "add %[u], %[u], %[rl]\n\t"                                                   \
    "srli %[u], %[u], 16\n\t"                                                     \
    "mull %[t], %[t], %[bh]\n\t"                                                  \
    "add %[t], %[t], %[rh]\n\t"                                                   \
    "add %[t], %[t], %[u]\n\t"                                                    \
    "srl %[t], %[t]\n\t"                                                          \
    #op " %[t], %[zq], %[t]\n\t"                                                  \
    "addi %[u], %[t], 128\n\t"                                                    \
    "bltui %[u], 256, 3f\n\t"                                                     \
    "movi %[t], 127\n\t"                                                          \
    "bgez %[u], 3f\n\t"                                                           \
    "movi %[t], -128\n\t"                                                         \
    "3:\n\t"                                                                      \
    "s8i %[t], %[po], 0\n\t"                                                      \
    "add %[po], %[po], %[n]\n\t"
#define FC_K2_ROWS(op)                                                            \
    __asm__ volatile(                                                             \
        "ssr %[sh]\n\t"                                                           \
        "1:\n\t"                                                                  \
        FC_K2_R(0, op) FC_K2_R(4, op)                                             \
        "addi %[ep], %[ep], 8\n\t"                                                \
        "bne %[ep], %[eend], 1b\n\t"                                              \
        : [ep] "+r"(ep), [po] "+r"(out), [t] "=&r"(tv), [u] "=&r"(uv)             \
        : [eend] "r"(e + len), [bh] "r"(bh), [bl] "r"(bl), [rh] "r"(rh), [rl] "r"(rl), [zq] "r"(zq), \
          [n] "r"(n), [sh] "r"(sh)                                                \
        : "memory")
#endif

/* One channel over the rows in the offset form; neg: the result's sign is negative. On Xtensa
 * without an activation clamp, in chunks of up to 48 rows (an even count, an odd last row in
 * C), two asm passes over a stack buffer of e (the channel's terms do not fit the registers
 * together): 10.5 + 16 instructions per output instead of GCC's 32. */
static void fc_k2_offset_rows(const uint8_t *x, const uint8_t *end, int8_t *out, int32_t n,
                              const fc_k2_terms_t *t, int32_t lo, int32_t hi, int neg) {
    const uint32_t b = t->b, bh = t->bh, bl = t->bl, rh = t->rh, rl = t->rl;
    const int32_t w0 = t->w0, w1 = t->w1, sh = t->sh, zq = t->zq;
#if HCC_XTENSA_KERNELS
    uint32_t e[48];
    while (lo == -128 && hi == 127 && end - x >= 4) {
        const int32_t len = (int32_t)(end - x) / 4 * 2 < 48 ? (int32_t)(end - x) / 4 * 2 : 48;
        const uint8_t *xp = x;
        uint32_t *ep = e;
        uint32_t v0, v1, tv, uv;
        __asm__ volatile(
            "1:\n\t"
            FC_K2_E(0, 0) FC_K2_E(2, 4)
            "addi %[xp], %[xp], 4\n\t"
            "addi %[ep], %[ep], 8\n\t"
            "bne %[ep], %[eend], 1b\n\t"
            : [xp] "+r"(xp), [ep] "+r"(ep), [v0] "=&r"(v0), [v1] "=&r"(v1)
            : [eend] "r"(e + len), [c80] "r"(0x80u), [w0] "r"(w0), [w1] "r"(w1), [b] "r"(b)
            : "memory");
        ep = e;
        if (neg) {
            FC_K2_ROWS(sub);
        } else {
            FC_K2_ROWS(add);
        }
        x += 2 * len;
    }
#endif
    for (; x != end; x += 2, out += n) {
        const uint32_t e1 = fc_k2_dot(b, w0, w1, x);
        const int32_t d = (int32_t)((e1 * bh + rh + ((e1 * bl + rl) >> 16)) >> sh);
        const int32_t v = neg ? zq - d : zq + d;
        *out = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
    }
}

static void fc_k2(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *output) {
    const int32_t n = p->n, z_in = p->z_in, z_out = p->z_out, act_min = p->act_min, act_max = p->act_max;
    const int32_t lo = act_min > -128 ? act_min : -128, hi = act_max < 127 ? act_max : 127;
    const uint8_t *end = (const uint8_t *)input + 2 * p->rows;
    int32_t j;
    for (j = 0; j < n; ++j, weights += 2) {
        const int32_t m = mult[j], s = shift[j], bj = bias ? bias[j] : 0;
        const uint32_t bm = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
        /* acc' = sign(m) acc */
        const int32_t w0 = m < 0 ? -weights[0] : weights[0], w1 = m < 0 ? -weights[1] : weights[1];
        const uint8_t *x = (const uint8_t *)input;
        int8_t *out = output + j;
        fc_k2_terms_t t;
        const int form =
            lo <= hi && bj != INT32_MIN ? fc_k2_offset_terms(w0, w1, m < 0 ? -bj : bj, z_in, bm, s, z_out, &t) : 0;
        if (form > 0) {
            fc_k2_offset_rows(x, end, out, n, &t, lo, hi, 0);
        } else if (form < 0) {
            fc_k2_offset_rows(x, end, out, n, &t, lo, hi, 1);
        } else {
            const int32_t w0j = weights[0], w1j = weights[1];
            const uint32_t b = (uint32_t)bj - (uint32_t)((z_in + 128) * (w0j + w1j));
            for (; x != end; x += 2, out += n) {
                *out = hcc_requantize_s8_inline((int32_t)fc_k2_dot(b, w0j, w1j, x), m, s, z_out, act_min, act_max);
            }
        }
    }
}

/* The triple path, for a layer whose n output channels are n_parts consecutive parts (one part:
 * the plain layer; several: fuse-linear's split FC, hcc/ops/fully_connected.py), part j with
 * parts[4j] channels, its own z_out, act_min, act_max (parts[4j + 1 .. 3]) and output
 * outputs[j] [rows, parts[4j]]. Weights [n, k] -> channel pair q at packed + 2 k q,
 * packed[2 k q + 2 i + j] = w[2q + j][i] (0 past n); per three rows (a short last triple repeats
 * its last row, written again with the same bytes) the inputs minus z_in interleaved once for
 * every part, the dot products of all channel pairs, then each part's channels requantized
 * into its own rows. hcc_requant_records keeps a flag in the word after its last record,
 * which for all but the last part is the next part's first record: saved and put back. */
static void fc_triples(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                       const int32_t *mult, const int32_t *shift, const int32_t *parts, int32_t n_parts,
                       int32_t out_stride, void *scratch, int8_t *const *outputs) {
    const int32_t k = p->k, n = p->n, pairs = (n + 1) >> 1, z = p->z_in;
    hcc_channel_rec_t *recs = (hcc_channel_rec_t *)scratch;
    int16_t *packed = (int16_t *)((char *)scratch + HCC_CHANNEL_RECS_BYTES(n)), *xs = packed + 2 * k * pairs;
    int32_t r, q, j, c;
    hcc_pack_pairs_s16(weights, n, k, packed);
    for (j = 0, c = 0; j < n_parts; c += parts[4 * j], ++j) {
        hcc_hoist_channels(recs + c, mult + c, shift + c, bias ? bias + c : NULL, parts[4 * j], parts[4 * j + 1],
                           parts[4 * j + 2], parts[4 * j + 3]);
    }
    hcc_hoist_pad(recs, n);
    for (r = 0; r < p->rows; r += 3) {
        for (q = 0; q < 3; ++q) hcc_widen_s16(input + (r + q < p->rows ? r + q : p->rows - 1) * k, k, z, xs + HCC_TRIPLE_AT(q, k),
                                                 HCC_TRIPLE_STEP);
        for (c = 0; c < n; c += 2) hcc_dot3x2_s16(xs, k, packed + k * c, &recs[c], &recs[c + 1]);
        for (j = 0, c = 0; j < n_parts; c += parts[4 * j], ++j) {
            const int32_t nj = parts[4 * j];
            uint32_t *const after = (uint32_t *)(recs + c + nj);
            const uint32_t saved = *after;
            int8_t *dst[3];
            for (q = 0; q < 3; ++q) dst[q] = outputs[j] + (r + q < p->rows ? r + q : p->rows - 1) * (out_stride ? out_stride : nj);
            hcc_requant_records(recs + c, nj, parts[4 * j + 1], parts[4 * j + 2], parts[4 * j + 3], dst);
            *after = saved;
        }
    }
}

void hcc_fully_connected_parts_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                                  const int32_t *bias, const int32_t *mult, const int32_t *shift, const int32_t *parts,
                                  int32_t n_parts, void *scratch, int8_t *const *outputs) {
    fc_triples(p, input, weights, bias, mult, shift, parts, n_parts, 0, scratch, outputs);
}

void hcc_fully_connected_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift,
                            void *scratch, int8_t *output) {
    const int32_t k = p->k, n = p->n, z_in = p->z_in;
    const uint8_t *wu = (const uint8_t *)weights;
    int16_t xs[HCC_FC_CHUNK];
    uint32_t acc[4];
    int32_t r, j, c, i;
    if (p->k == 2) {
        fc_k2(p, input, weights, bias, mult, shift, output);
        return;
    }
    if (use_triples(p)) {  /* over chunks of channels whose int16 weights fit the scratch */
        const int32_t chunk = chunk_channels(p);
        hcc_fc_params_t q = *p;
        for (c = 0; c < n; c += chunk) {
            const int32_t part[4] = {n - c < chunk ? n - c : chunk, p->z_out, p->act_min, p->act_max};
            int8_t *out = output + c;
            q.n = part[0];
            fc_triples(&q, input, weights + c * k, bias ? bias + c : NULL, mult + c, shift + c, part, 1, n, scratch,
                       &out);
        }
        return;
    }
    for (r = 0; r < p->rows; ++r) {
        const int8_t *in = input + r * k;
        uint32_t sum_x = 0;
        for (j = 0; j < n; j += 4) {
            const int32_t m = n - j < 4 ? n - j : 4;
            for (i = 0; i < m; ++i) acc[i] = bias ? (uint32_t)bias[j + i] : 0u;
            for (c = 0; c < k; c += HCC_FC_CHUNK) {
                const int32_t len = k - c < HCC_FC_CHUNK ? k - c : HCC_FC_CHUNK;
                if (j == 0 || k > HCC_FC_CHUNK) {  /* a short row is converted once */
                    if (c == 0) sum_x = 0;
                    for (i = 0; i < len; ++i) {
                        xs[i] = (int16_t)((int32_t)in[c + i] - z_in);
                        sum_x += (uint32_t)(int32_t)xs[i];
                    }
                }
                if (m == 4) {
                    hcc_dot4_u8(xs, len, wu + j * k + c, k, acc);
                } else {
                    for (i = 0; i < m; ++i) acc[i] = hcc_dot1_u8(xs, len, wu + (j + i) * k + c, acc[i]);
                }
            }
            for (i = 0; i < m; ++i) {
                output[j + i] = hcc_requantize_s8_inline((int32_t)(acc[i] - (sum_x << 7)), mult[j + i], shift[j + i],
                                                         p->z_out, p->act_min, p->act_max);
            }
        }
        output += n;
    }
}


/* ---- one row at a time, weights blocked by the compiler (hcc_fully_connected_row_s8) ----
 *
 * With v = x + 128 (the input byte u as u ^ 0x80, in [0, 255]) and the weights stored as
 * w + 128 (l8ui reads them as they are), exactly (in 32-bit wrap-around):
 *   sum_i w (x - z) = sum_i (w + 128) v - 128 sum_i v - (z + 128) sum_i w,
 * the last term folded into the bias by the compiler and sum_i v formed once per row, with
 * the first block. A block of m <= 4 channels holds for each i its m weights side by side,
 * so one pointer with offsets 0 .. m - 1 reads them (hcc_row_block_u8, dot_u8.h). */
#if HCC_XTENSA_KERNELS
/* Three rows or more (a pointwise conv's pixels): the rows are the pixels of a 1x1 conv over one
 * row of `rows` pixels with the same blocked weights and folded bias, whose kernel reads each
 * weight byte once for three pixels (conv_pixels: 17 lx106 instructions for 6 products, here 14
 * for 4) where its terms fit its stack buffer. */
HCC_OUT_OF_LINE void fc_rows_as_pixels(const hcc_fc_params_t *p, const int8_t *input, const uint8_t *weights,
                                       const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                       int8_t *output) {
    const hcc_conv2d_params_t row = {1, p->rows, p->k, 1, p->rows, p->n, 1, 1, 1, 1, 0, 0, 1, 1, 1,
                                     p->z_in, p->z_out, p->act_min, p->act_max, HCC_WEIGHTS_BLOCKED};
    hcc_conv2d_blocked_s8_rows(&row, input, weights, bias, mult, shift, 0, 1, output);
}
#endif

/* One row at a time. Out of line on the lx106, where hcc_fully_connected_row_s8 only chooses: a
 * call to fc_rows_as_pixels inside this loop's function cost every one-row call ~28 lx106
 * instructions (measured on the autoencoder's ten layers), the choice outside it ~12. */
HCC_OUT_OF_LINE void fc_rows_one_by_one(const hcc_fc_params_t *p, const int8_t *input, const uint8_t *weights,
                                        const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                        int8_t *output) {
    const int32_t k = p->k, n = p->n;
    const int32_t lo = p->act_min > -128 ? p->act_min : -128, hi = p->act_max < 127 ? p->act_max : 127;
    int32_t r, j, i;
    for (r = 0; r < p->rows; ++r, input += k, output += n) {
        uint32_t sum = 0, acc[4];
        for (j = 0; j < n; j += 4) {
            const int32_t m = n - j < 4 ? n - j : 4;
            for (i = 0; i < 4; ++i) acc[i] = i < m ? (uint32_t)bias[j + i] : 0u;
            hcc_row_block_u8(input, k, weights + j * k, m, j == 0 ? &sum : NULL, acc);
            if (m == 4) {
                hcc_requant_words4(acc, sum << 7, mult + j, shift + j, output + j, p->z_out, lo, hi, p->act_min,
                                   p->act_max);
                continue;
            }
            for (i = 0; i < m; ++i) {
                output[j + i] = hcc_requant_word_s8((int32_t)(acc[i] - (sum << 7)), mult[j + i], shift[j + i], p->z_out,
                                                    lo, hi, p->act_min, p->act_max);
            }
        }
    }
}

void hcc_fully_connected_row_s8(const hcc_fc_params_t *p, const int8_t *input, const uint8_t *weights,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output) {
#if HCC_XTENSA_KERNELS
    if (p->rows >= 3 && p->n >= 4 && p->k <= HCC_BLOCKED_TRIPLE_TERMS) {
        fc_rows_as_pixels(p, input, weights, bias, mult, shift, output);
        return;
    }
#endif
    fc_rows_one_by_one(p, input, weights, bias, mult, shift, output);
}
