/* int8 fully connected: [rows, k] x [n, k]^T, per-output-channel requantization.
 *
 * Per row, the inputs minus z_in are converted to int16 once, HCC_FC_CHUNK at a time (a
 * small stack buffer, whatever k is), and four output channels share each of them (the
 * weights as w + 128, see dot_u8.h). Measured on qemu lx106 -O2, HCMTMM's fully connected
 * layers: 12.0 .. 17.5 -> 8.1 .. 10.2 instructions per MAC (docs/performance.md).
 *
 * With two rows or more and int16 weights of at most HCC_FC_PACK_MAX bytes, the weights are
 * first unpacked to int16 channel pairs in scratch (once per call) and two rows x two
 * channels share every load (hcc_dot2x2_s16, 3.2 instructions per product on lx106). */
#include "hcc_kernels.h"
#include "dot_u8.h"

#define HCC_FC_CHUNK 64
#define HCC_FC_PACK_MAX 8192

static size_t packed_bytes(const hcc_fc_params_t *p) {
    return (size_t)((p->n + 1) & ~1) * (size_t)p->k * sizeof(int16_t);
}

static int use_pairs(const hcc_fc_params_t *p) { return p->rows >= 2 && packed_bytes(p) <= HCC_FC_PACK_MAX; }

size_t hcc_fully_connected_s8_scratch_size(const hcc_fc_params_t *p) {
    return use_pairs(p) ? packed_bytes(p) + 2u * (size_t)p->k * sizeof(int16_t) : 0u;
}

/* Weights [n, k] -> channel pair q at packed + 2 k q, packed[2 k q + 2 i + j] = w[2q + j][i]
 * (0 past n); per pair of rows (an odd last row paired with itself, written once) the
 * inputs minus z_in interleaved, then one hcc_dot2x2_s16 per channel pair. */
static void fc_pairs(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, void *scratch, int8_t *output) {
    const int32_t k = p->k, n = p->n, pairs = (n + 1) >> 1, z = p->z_in;
    int16_t *packed = (int16_t *)scratch, *xs = packed + 2 * k * pairs;
    int32_t r, i;
    hcc_pack_pairs_s16(weights, n, k, packed);
    if (k == 2) {
        /* two products per output (Mamba's dt_proj): the dot-product call and pairing cost
         * more than the products, so each output is formed directly from the int16 weights */
        const int32_t z_out = p->z_out, lo = p->act_min, hi = p->act_max;
        for (r = 0; r < p->rows; ++r, input += 2, output += n) {
            const int32_t x0 = input[0] - z, x1 = input[1] - z;
            const int16_t *w = packed;
            for (i = 0; i < n; i += 2, w += 4) {  /* w: w[i][0], w[i + 1][0], w[i][1], w[i + 1][1] */
                output[i] = hcc_requantize_s8_inline((bias ? bias[i] : 0) + w[0] * x0 + w[2] * x1, mult[i], shift[i],
                                                     z_out, lo, hi);
                if (i + 1 < n) {
                    output[i + 1] = hcc_requantize_s8_inline((bias ? bias[i + 1] : 0) + w[1] * x0 + w[3] * x1,
                                                             mult[i + 1], shift[i + 1], z_out, lo, hi);
                }
            }
        }
        return;
    }
    for (r = 0; r < p->rows; r += 2) {
        const int32_t r1 = r + 1 < p->rows ? r + 1 : r;
        const int8_t *in_a = input + r * k, *in_b = input + r1 * k;
        for (i = 0; i < k; ++i) {
            xs[2 * i] = (int16_t)(in_a[i] - z);
            xs[2 * i + 1] = (int16_t)(in_b[i] - z);
        }
        hcc_pairs_requantize(xs, k, packed, n, bias, mult, shift, p->z_out, p->act_min, p->act_max, output + r * n,
                             output + r1 * n);
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
    if (use_pairs(p)) {
        fc_pairs(p, input, weights, bias, mult, shift, scratch, output);
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
