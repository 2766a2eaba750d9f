/* Int8 selective scan (Mamba S6); the integers of docs/numerics.md, "Selective scan".
 * Reference: hcc/kernels/selective_scan.py. */
#include "hcc_runtime.h"
#include "ssm_fixed_point.h"

/* Readout guard bits (READOUT_BITS in hcc/quant/ssm_constants.py). */
#define HCC_SCAN_READOUT_BITS 8
#define HCC_SCAN_READOUT_HALF (1 << (HCC_SCAN_READOUT_BITS - 1))

size_t hcc_scan_scratch_size(int D, int N)
{
    /* the state h[D*N], then per n the current token's B - z_B, C - z_C and the current
     * (t, d)'s exp(dt A) as int16 [N][4] (the 4th unused: 8-byte records, one pointer) */
    return (size_t)D * (size_t)N * sizeof(int32_t) + 4u * (size_t)N * sizeof(int16_t);
}

/* requantize(v, m, s) of hcc_ssm_requantize for |v| < 2^16 (the D-skip's u - z_u): with
 * s in [17, 47] the product splits as v (m_hi 2^16 + m_lo) and the rounding is exact in
 * 32 bits (hcc_requantize_s8_inline's fast path); the result is below 2^30, so the clamp
 * never applies. Other s: the general function. */
static inline int32_t scan_requantize_small(int32_t v, int32_t m, int32_t s)
{
    if ((uint32_t)(s - 17) <= 30u) {
        const uint32_t a = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
        const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
        const uint32_t x = a * (b >> 16) + ((a * (b & 0xFFFFu)) >> 16) + ((uint32_t)1u << (s - 17));
        const int32_t mag = (int32_t)(x >> (s - 16));
        return (v < 0) != (m < 0) ? -mag : mag;
    }
    return hcc_ssm_requantize(v, m, s);
}

/* Right shifts of negative int32 values are arithmetic (implementation-defined in C99;
 * arithmetic on GCC and Clang for every target we build).
 *
 * Per (t, d) two passes over n, each with few enough live values for the lx106's 16
 * registers (one fused loop spilled ~10 constants per (t, d, n)): first exp(dt A) into
 * the workspace records, then the state update and readout. */
void hcc_selective_scan_s8(const int8_t *u, const int8_t *dt_raw, const int8_t *B, const int8_t *C,
                           int8_t *y, int32_t *h, int L, int D, int N, const hcc_scan_params_t *p)
{
    const int16_t *const dt_table = p->dt_table;
    const uint16_t *const e_hi = p->exp2_hi;
    const uint16_t *const e_lo = p->exp2_lo;
    const int32_t sh_p = p->sh_p, k_in = p->k_in, h_max = p->h_max;
    const int32_t z_u = p->z_u, z_b = p->z_b, z_c = p->z_c, z_out = p->z_out;
    const int32_t m_y = p->m_y, s_y = p->s_y;
    /* The input term rounds half up: (v + half) >> k_in, and v itself for k_in = 0. */
    const int32_t half_in = k_in > 0 ? (int32_t)1 << (k_in - 1) : 0;
    /* Per n: B - z_B, C - z_C (lx106 has no sign-extending byte load), exp(dt A) in Q15. */
    int16_t *const rec = (int16_t *)(h + (size_t)D * (size_t)N);
    int16_t *const rec_end = rec + 4 * N;
    int t, d, n;

    for (n = 0; n < D * N; ++n) h[n] = 0;
    for (n = 0; n < N; ++n) rec[4 * n + 3] = 0;

    for (t = 0; t < L; ++t) {
        const int8_t *const u_row = u + (size_t)t * (size_t)D;
        const int8_t *const r_row = dt_raw + (size_t)t * (size_t)D;
        const int8_t *const b_row = B + (size_t)t * (size_t)N;
        const int8_t *const c_row = C + (size_t)t * (size_t)N;
        int8_t *const y_row = y + (size_t)t * (size_t)D;
        const uint16_t *ap = p->a;
        int32_t *hp = h;

        for (n = 0; n < N; ++n) {
            rec[4 * n] = (int16_t)((int32_t)b_row[n] - z_b);
            rec[4 * n + 1] = (int16_t)((int32_t)c_row[n] - z_c);
        }

        for (d = 0; d < D; ++d) {
            const int32_t u_c = (int32_t)u_row[d] - z_u;
            const int32_t dt = dt_table[(int32_t)r_row[d] + 128];   /* Q(F_dt), < 2^14 */
            const int32_t x = dt * u_c;                              /* |x| < 2^22 */
            int16_t *r;
            int32_t acc = 0, q;

            /* exp(dt A) in Q15 (<= 2^15: stored as uint16): the spec's 2^(-f/65536) in Q15,
             * ((E_hi E_lo + 2^14) >> 15), then >> i, as one floor shift by 15 + i; i > 15
             * gives 0 (the product is below 2^30 + 2^14, so >> 31 is 0 too). */
            for (r = rec; r != rec_end; r += 4) {
                const int32_t prod = (dt * (int32_t)*ap++) >> sh_p;   /* -log2(dA), Q16 */
                const int32_t i = prod >> 16;
                const int32_t e = (int32_t)e_hi[(prod >> 8) & 0xFF] * (int32_t)e_lo[prod & 0xFF] + 0x4000;
                ((uint16_t *)r)[2] = (uint16_t)(e >> (i > 16 ? 31 : 15 + i));
            }
            /* Every product fits in 31 bits. */
            for (r = rec; r != rec_end; r += 4) {
                const int32_t da = ((const uint16_t *)r)[2];          /* exp(dt A), Q15 */
                const int32_t hv = *hp;
                const int32_t v = x * (int32_t)r[0];                  /* x B', |v| < 2^30 */
                /* (h * dA + 2^14) >> 15 with h = H 2^15 + Lo, 0 <= Lo < 2^15. */
                int32_t hn = (hv >> 15) * da + (((hv & 0x7FFF) * da + 0x4000) >> 15)
                             + ((v + half_in) >> k_in);
                if (hn > h_max) hn = h_max;
                if (hn < -h_max) hn = -h_max;
                *hp++ = hn;
                acc += (int32_t)r[1] * hn;                            /* |acc| <= 255 N h_max */
            }
            /* Readout and D-skip in 2^-8 output LSB (|skip| < 255 * 2^22, scan term clamped
             * at 2^30: the sum fits), then one rounding: round_shift(q, 8). */
            q = hcc_ssm_requantize(acc, m_y, s_y) + scan_requantize_small(u_c, p->m_d[d], p->s_d[d]);
            q = z_out + ((q + HCC_SCAN_READOUT_HALF + (q >> 31)) >> HCC_SCAN_READOUT_BITS);
            y_row[d] = hcc_ssm_sat8(q, -128, 127);
        }
    }
}
