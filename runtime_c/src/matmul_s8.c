/* int8 batched matmul of two activations (attention): one multiplier for the whole output.
 *
 * With scratch (hcc_matmul_s8_scratch_size > 0): per batch, b [k, n] minus z_b is packed once
 * into int16 column pairs (the fully connected kernel's channel pairs of b^T), then every three
 * rows of a, minus z_a, are interleaved and go through the fully connected kernel's triple path
 * (hcc_triples_requantize: three rows x two columns per asm dot product, 2.9 instructions per
 * product on lx106, the records' requantization). The records all hold the one multiplier.
 * Without scratch: the plain loops. */
#include "hcc_kernels.h"
#include "dot_u8.h"

#define HCC_MATMUL_PACK_MAX 16384

static size_t packed_bytes(const hcc_matmul_params_t *p) {
    return (size_t)((p->n + 1) & ~1) * (size_t)p->k * sizeof(int16_t);
}

static int use_triples(const hcc_matmul_params_t *p) {
    return p->m >= 1 && p->n >= 1 && p->k >= 1 && packed_bytes(p) <= HCC_MATMUL_PACK_MAX;
}

size_t hcc_matmul_s8_scratch_size(const hcc_matmul_params_t *p) {
    return use_triples(p) ? HCC_CHANNEL_RECS_BYTES(p->n) + packed_bytes(p) + 3u * (size_t)p->k * sizeof(int16_t)
                          : 0u;
}

/* b [k, n] minus z_b as column pairs: pair q at packed + 2 k q, packed[2 k q + 2 i + j] =
 * b[i][2q + j] - z_b (0 past n), term i of column 2q + j at HCC_PAIR_AT(j, i, k) (dot_u8.h). */
static void pack_columns(const int8_t *b, int32_t k, int32_t n, int32_t z_b, int16_t *packed) {
    int32_t q, i;
    for (q = 0; 2 * q < n; ++q) {
        const int8_t *col = b + 2 * q;
        const int32_t second = 2 * q + 1 < n;
#if HCC_XTENSA_KERNELS
        for (i = 0; i < k; ++i, col += n, packed += 2) {
            packed[0] = (int16_t)(col[0] - z_b);
            packed[1] = (int16_t)(second ? col[1] - z_b : 0);
        }
#else
        for (i = 0; i < k; ++i, col += n) {
            packed[HCC_PAIR_AT(0, i, k)] = (int16_t)(col[0] - z_b);
            packed[HCC_PAIR_AT(1, i, k)] = (int16_t)(second ? col[1] - z_b : 0);
        }
        packed += 2 * k;
#endif
    }
}

static void matmul_triples(const hcc_matmul_params_t *p, const int8_t *a, const int8_t *b, void *scratch,
                           int8_t *output) {
    const int32_t m = p->m, k = p->k, n = p->n;
    hcc_channel_rec_t *recs = (hcc_channel_rec_t *)scratch;
    int16_t *packed = (int16_t *)((char *)scratch + HCC_CHANNEL_RECS_BYTES(n)), *xs = packed + 2 * k * ((n + 1) >> 1);
    int32_t bt, r, q, c;
    /* one multiplier: the first record's terms, copied to every column */
    hcc_hoist_channels(recs, &p->mult, &p->shift, NULL, 1, p->z_out, p->act_min, p->act_max);
    for (c = 1; c < n; ++c) recs[c] = recs[0];
    hcc_hoist_pad(recs, n);
    for (bt = 0; bt < p->batch; ++bt, a += m * k, b += k * n, output += m * n) {
        pack_columns(b, k, n, p->z_b, packed);
        for (r = 0; r < m; r += 3) {
            int8_t *dst[3];
            for (q = 0; q < 3; ++q) {
                const int32_t row = r + q < m ? r + q : m - 1;
                hcc_widen_s16(a + row * k, k, p->z_a, xs + HCC_TRIPLE_AT(q, k), HCC_TRIPLE_STEP);
                dst[q] = output + row * n;
            }
            hcc_triples_requantize(xs, k, packed, n, recs, p->z_out, p->act_min, p->act_max, dst);
        }
    }
}

void hcc_matmul_s8(const hcc_matmul_params_t *p, const int8_t *a, const int8_t *b, void *scratch, int8_t *output) {
    int32_t bt, i, j, t;
    if (scratch != NULL && use_triples(p)) {
        matmul_triples(p, a, b, scratch, output);
        return;
    }
    for (bt = 0; bt < p->batch; ++bt) {
        for (i = 0; i < p->m; ++i) {
            const int8_t *a_row = a + i * p->k;
            for (j = 0; j < p->n; ++j) {
                int32_t acc = 0;
                for (t = 0; t < p->k; ++t) acc += (a_row[t] - p->z_a) * (b[t * p->n + j] - p->z_b);
                *output++ = hcc_requantize_s8(acc, p->mult, p->shift, p->z_out, p->act_min,
                                              p->act_max);
            }
        }
        a += p->m * p->k;
        b += p->k * p->n;
    }
}
