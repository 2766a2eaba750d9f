/* Int8 layer normalization over the last axis; see hcc/kernels/layernorm.py (the spec). */
#include "hcc_runtime.h"

/* floor(sqrt(v)), bit by bit: exact, no libm. */
static uint32_t isqrt_u32(uint32_t v) {
    uint32_t root = 0, bit = 1u << 30;
    while (bit > v) bit >>= 2;
    while (bit) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return root;
}

/* floor(2^29 / r) for r in [2^14, 2^15] (so the quotient is below 2^16): restoring
 * division with the divisor pre-shifted, 16 steps of compare / subtract. */
static uint32_t div_2p29(uint32_t r) {
    uint32_t rem = 1u << 29, d = r << 15, q = 0;
    int32_t k;
    for (k = 0; k < 16; ++k, d >>= 1) {
        q <<= 1;
        if (rem >= d) {
            rem -= d;
            q |= 1u;
        }
    }
    return q;
}

void hcc_layernorm_s8(const hcc_layernorm_params_t *p, const int8_t *input, int32_t rows, int32_t channels,
                      int8_t *output) {
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        const int8_t *x = input + (size_t)r * (size_t)channels;
        int8_t *y = output + (size_t)r * (size_t)channels;
        int32_t sum = 0, e, top;
        uint32_t sq = 0, w, scaled, root, q;
        for (i = 0; i < channels; ++i) {
            int32_t v = (int32_t)x[i] - p->z_x;
            sum += v;
            sq += (uint32_t)(v * v);
        }
        /* W = C * Q - S^2 + E; C * Q < 2^31 for C <= 128 and W >= E >= 1. */
        w = (uint32_t)channels * sq - (uint32_t)(sum * sum) + (uint32_t)p->eps_term;
        /* The even shift that puts W's top bit at bit 28 or 29: r lands in [2^14, 2^15]. */
        top = 31 - __builtin_clz(w);          /* W >= 1; one nsau on Xtensa */
        e = ((28 - top) % 2 == 0) ? 28 - top : 29 - top;
        scaled = e >= 0 ? w << e : w >> -e;
        root = isqrt_u32(scaled);
        q = div_2p29(root);
        {   /* the two roundings inline, their shifts and the row's offset hoisted */
            const int32_t s_n = 17 - e / 2, s_y = p->shift, z_y = p->z_y;
            const int32_t off = channels * p->z_x + sum;  /* d = channels x - off */
            for (i = 0; i < channels; ++i) {
                const int32_t d = channels * (int32_t)x[i] - off;
                const int32_t n = hcc_round_shift_inline(d * (int32_t)q, s_n);
                const int32_t v = z_y + hcc_round_shift_inline(n * p->gamma_q[i] + p->beta_q[i], s_y);
                y[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
            }
        }
    }
}
