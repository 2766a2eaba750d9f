/* int8 fully connected: [rows, k] x [n, k]^T, per-output-channel requantization.
 *
 * Per row, the inputs minus z_in are converted to int16 once, HCC_FC_CHUNK at a time (a
 * small stack buffer, whatever k is), and four output channels share each of them (the
 * weights as w + 128, see dot_u8.h). Measured on qemu lx106 -O2, HCMTMM's fully connected
 * layers: 12.0 .. 17.5 -> 8.1 .. 10.2 instructions per MAC (docs/performance.md).
 *
 * With two rows or more and int16 weights of at most HCC_FC_PACK_MAX bytes, the weights are
 * first unpacked to int16 channel pairs in scratch (once per call) and three rows x two
 * channels share every load (hcc_dot3x2_s16, 2.9 instructions per product on lx106).
 * k == 2 has its own channel-major path (fc_k2). One row goes through
 * hcc_fully_connected_row_s8 instead (the compiler's blocked weights, at the end). */
#include "hcc_kernels.h"
#include "dot_u8.h"

#define HCC_FC_CHUNK 64
#define HCC_FC_PACK_MAX 8192

static size_t packed_bytes(const hcc_fc_params_t *p) {
    return (size_t)((p->n + 1) & ~1) * (size_t)p->k * sizeof(int16_t);
}

static int use_triples(const hcc_fc_params_t *p) {
    return p->rows >= 2 && p->k != 2 && packed_bytes(p) <= HCC_FC_PACK_MAX;
}

size_t hcc_fully_connected_s8_scratch_size(const hcc_fc_params_t *p) {
    return use_triples(p) ? (size_t)p->n * sizeof(hcc_requant_hoisted_t) + packed_bytes(p) +
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
#if defined(__XTENSA__)
    /* GCC zero-extends a xor'ed byte again (extui): 2 instructions more per output */
    __asm__("xor %0, %0, %1" : "+r"(v0) : "r"(0x80u));
    __asm__("xor %0, %0, %1" : "+r"(v1) : "r"(0x80u));
#else
    v0 ^= 0x80u;
    v1 ^= 0x80u;
#endif
    return b + (uint32_t)(w0 * (int32_t)v0) + (uint32_t)(w1 * (int32_t)v1);
}

/* One channel over the rows in the offset form; neg: the result's sign is negative. */
static inline void fc_k2_offset_rows(const uint8_t *x, const uint8_t *end, int8_t *out, int32_t n,
                                     const fc_k2_terms_t *t, int32_t lo, int32_t hi, int neg) {
    const uint32_t b = t->b, bh = t->bh, bl = t->bl, rh = t->rh, rl = t->rl;
    const int32_t w0 = t->w0, w1 = t->w1, sh = t->sh, zq = t->zq;
    for (; x != end; x += 2, out += n) {
        const uint32_t e = fc_k2_dot(b, w0, w1, x);
        const int32_t d = (int32_t)((e * bh + rh + ((e * bl + rl) >> 16)) >> sh);
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

/* Weights [n, k] -> channel pair q at packed + 2 k q, packed[2 k q + 2 i + j] = w[2q + j][i]
 * (0 past n); per three rows (a short last triple repeats its last row, written again with
 * the same bytes) the inputs minus z_in interleaved, then hcc_triples_requantize. */
static void fc_triples(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                       const int32_t *mult, const int32_t *shift, void *scratch, int8_t *output) {
    const int32_t k = p->k, n = p->n, pairs = (n + 1) >> 1, z = p->z_in;
    hcc_requant_hoisted_t *hoisted = (hcc_requant_hoisted_t *)scratch;
    int16_t *packed = (int16_t *)(hoisted + n), *xs = packed + 2 * k * pairs;
    int32_t r, q;
    hcc_pack_pairs_s16(weights, n, k, packed);
    hcc_hoist_channels(hoisted, mult, shift, n, p->z_out, p->act_min, p->act_max);
    for (r = 0; r < p->rows; r += 3) {
        int8_t *dst[3];
        for (q = 0; q < 3; ++q) {
            const int32_t row = r + q < p->rows ? r + q : p->rows - 1;
            hcc_widen_s16(input + row * k, k, z, xs + q, 3);
            dst[q] = output + row * n;
        }
        hcc_triples_requantize(xs, k, packed, n, bias, hoisted, mult, shift, p->z_out, p->act_min, p->act_max, dst);
    }
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
    if (use_triples(p)) {
        fc_triples(p, input, weights, bias, mult, shift, scratch, output);
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
void hcc_fully_connected_row_s8(const hcc_fc_params_t *p, const int8_t *input, const uint8_t *weights,
                                const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output) {
    const int32_t k = p->k, n = p->n;
    int32_t r, j, i;
    for (r = 0; r < p->rows; ++r, input += k, output += n) {
        uint32_t sum = 0, acc[4];
        for (j = 0; j < n; j += 4) {
            const int32_t m = n - j < 4 ? n - j : 4;
            for (i = 0; i < 4; ++i) acc[i] = i < m ? (uint32_t)bias[j + i] : 0u;
            hcc_row_block_u8(input, k, weights + j * k, m, j == 0 ? &sum : NULL, acc);
            for (i = 0; i < m; ++i) {
                output[j + i] = hcc_requantize_s8_inline((int32_t)(acc[i] - (sum << 7)), mult[j + i], shift[j + i],
                                                         p->z_out, p->act_min, p->act_max);
            }
        }
    }
}
