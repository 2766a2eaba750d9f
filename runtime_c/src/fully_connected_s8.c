/* int8 fully connected: [rows, k] x [n, k]^T, per-output-channel requantization.
 *
 * Per row, the inputs minus z_in are converted to int16 once, HCC_FC_CHUNK at a time (a
 * small stack buffer, whatever k is), and four output channels share each of them (the
 * weights as w + 128, see dot_u8.h). Measured on qemu lx106 -O2, HCMTMM's fully connected
 * layers: 12.0 .. 17.5 -> 8.1 .. 10.2 instructions per MAC (docs/performance.md). */
#include "hcc_kernels.h"
#include "dot_u8.h"

#define HCC_FC_CHUNK 64

void hcc_fully_connected_s8(const hcc_fc_params_t *p, const int8_t *input, const int8_t *weights,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift,
                            int8_t *output) {
    const int32_t k = p->k, n = p->n, z_in = p->z_in;
    const uint8_t *wu = (const uint8_t *)weights;
    int16_t xs[HCC_FC_CHUNK];
    uint32_t acc[4];
    int32_t r, j, c, i;
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
