/* Declarations of the ssm kernels; included by hcc_runtime.h.
 *
 * Both kernels compute exactly the integers of docs/numerics.md (the numpy references
 * hcc/kernels/dwconv1d_causal.py and hcc/kernels/selective_scan.py). Token sequences are
 * channels-last: element (t, d) of an [L, D] tensor is at t * D + d. */
#ifndef HCC_SSM_H
#define HCC_SSM_H

#include "hcc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Causal depthwise conv1d over tokens (Mamba's short conv before the scan).
 *
 *   acc[t,d] = bias[d] + sum_{k=0}^{K-1} (x[t-K+1+k, d] - z_in) * w[d*K + k]
 *   y[t,d]   = clamp(saturate_int8(z_out + requantize(acc, mult[d], shift[d])), act_min, act_max)
 *
 * Positions before t = 0 read as z_in (contribute 0). x, y: int8 [L, D] (must not alias);
 * w: int8 [D, K] symmetric per channel (PyTorch Conv1d weight [D, 1, K]); bias: int32 [D];
 * mult/shift: per channel (quantize_multiplier). act_min/act_max: fused activation clamp
 * (-128/127 for none, z_out/127 for ReLU). Requires |bias| + K * 255 * 128 < 2^31. */
void hcc_dwconv1d_causal_s8(const int8_t *x, int8_t *y, int L, int D, int K,
                            const int8_t *w, const int32_t *bias,
                            const int32_t *mult, const int32_t *shift,
                            int32_t z_in, int32_t z_out, int32_t act_min, int32_t act_max);

/* Constants of one selective scan, built by hcc.quant.ssm_constants.build_scan_params
 * (docs/numerics.md, "Selective scan"). The tables are const (flash); the struct may be too. */
#define HCC_SCAN_EXP_BITS 5   /* EXP_BITS: exp_table rows have 2^(EXP_BITS + 2) entries */
typedef struct {
    /* dt_rec is indexed by dt_raw's byte, (uint8_t)dt_raw = code ^ 0x80 (the spec's tables are
     * indexed by code = dt_raw + 128: hcc/ops/selective_scan.py reorders them) */
    const int32_t *dt_rec;     /* [256][2]: dt_row's offset in bytes into exp_table (rows of
                                * 2^(EXP_BITS + 2) uint16), then dt_mant | (T_dt << 16): dt_mant in
                                * [2^14, 2^15) or 0, T_dt = softplus(dt) in Q(F_dt), 0 <= T_dt < 2^14 */
    const int32_t *a_word;     /* [D * N] a_mant | (a_row << 24), a_mant in [2^15, 2^16) or 0, row-major [d][n] */
    const uint16_t *exp_table; /* [rows][2^(EXP_BITS + 2)] exp(dt A) in Q15, <= 2^15 */
    const int32_t *m_d;        /* [D] D-skip multipliers in 2^-s_o output LSB, 255 |m_d| <= 2^29 */
    int32_t k_in;              /* input-term shift, in [0, 31] */
    int32_t h_max;             /* state clamp, 1 <= h_max <= min(2^16 - 1, (2^31 - 1) / (255 N)) */
    int32_t z_u, z_b, z_c, z_out;  /* zero points of u, B, C, y */
    int32_t m_y;               /* readout multiplier in 2^-(16 + s_o) output LSB, 0 <= m_y < 2^15 */
    int32_t s_o;               /* readout shift, in [0, 21] */
} hcc_scan_params_t;

/* Bytes of scratch that hcc_selective_scan_s8 needs from the caller: the int32 state
 * h[D * N] followed by N pairs of int16 (the token's B - z_B, C - z_C per n). */
size_t hcc_scan_scratch_size(int D, int N);

/* Int8 selective scan (Mamba S6), one pass per token with discretisation, state update,
 * readout and D-skip fused:
 *
 *   h[d,n] = exp(dt A[d,n]) h[d,n] + dt u[t,d] B[t,n],  dt = softplus(dt_raw[t,d])
 *   y[t,d] = sum_n C[t,n] h[d,n] + Dskip[d] u[t,d]   (one rounding)
 *
 * u, dt_raw, y: int8 [L, D]; B, C: int8 [L, N]; h: scratch of hcc_scan_scratch_size(D, N)
 * bytes (4-byte aligned), zeroed here; h[0 .. D*N-1] holds the final state on return.
 * No buffer may alias y or h. Uses only 32-bit multiplies, no division, no 64-bit
 * arithmetic, no libm (Xtensa lx106). */
void hcc_selective_scan_s8(const int8_t *u, const int8_t *dt_raw, const int8_t *B, const int8_t *C,
                           int8_t *y, int32_t *h, int L, int D, int N, const hcc_scan_params_t *p);

#ifdef __cplusplus
}
#endif

#endif
