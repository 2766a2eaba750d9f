/* Fixed-point helpers private to the ssm kernels (selective_scan_s8.c, dwconv1d_causal_s8.c). */
#ifndef HCC_SSM_FIXED_POINT_H
#define HCC_SSM_FIXED_POINT_H

#include <stdint.h>

#define HCC_SSM_REQ_CLAMP ((uint32_t)1 << 30)

/* requantize(acc, m, s) = round_shift(acc * m, s) (docs/numerics.md), clamped to
 * [-2^30, 2^30]. Must equal hcc_requantize (runtime_c/src/requantize_s8.c, on another
 * branch; switch to it at merge) wherever that result lies in the clamp range. Callers
 * saturate to int8 after adding at most a zero point and (the scan) a D-skip term below
 * 255 * 2^22 in 2^-8 LSB, so the clamp never changes an output. (hcc_requantize itself
 * cannot serve the scan's readout on lx106: it needs a 64-bit multiply.)
 *
 * 64-bit-free and exact: |acc| and |m| are split into 16-bit halves and the 62-bit
 * product is formed in two uint32 words, because the lx106 has no 32x32->64 multiply and
 * its libgcc lacks __muldi3. s in [1, 62]. About 40 instructions (25 with s in [33, 47]);
 * called per output, not per multiply-accumulate. */
static inline int32_t hcc_ssm_requantize(int32_t acc, int32_t m, int32_t s)
{
    const uint32_t a = acc < 0 ? 0u - (uint32_t)acc : (uint32_t)acc;
    const uint32_t b = m < 0 ? 0u - (uint32_t)m : (uint32_t)m;
    const uint32_t a0 = a & 0xFFFFu, a1 = a >> 16, b0 = b & 0xFFFFu, b1 = b >> 16;
    const uint32_t mid1 = a1 * b0, mid2 = a0 * b1;
    uint32_t lo = a0 * b0, hi = a1 * b1, t, mag;

    if ((uint32_t)(s - 33) <= 14u) {
        /* s in [33, 47] (the scan's readout): only the bits from 2^16 up matter. a1, b1 <=
         * 2^15, so mid1, mid2 < 2^31 and their sum fits; adding (lo >> 16) and the rounding
         * 2^(s-17) <= 2^30 may carry once into bit 32, caught by the unsigned compare. Then
         * floor((a b + 2^(s-1)) / 2^32) = hi + (sum >> 16) + carry 2^16 (the dropped lo & 0xFFFF
         * cannot carry), and the magnitude, below 2^31 / 2, needs no clamp. */
        const uint32_t mids = mid1 + mid2;
        const uint32_t sum = mids + (lo >> 16) + ((uint32_t)1 << (s - 17));
        mag = (hi + (sum >> 16) + ((uint32_t)(sum < mids) << 16)) >> (s - 32);
        return ((acc < 0) != (m < 0)) ? -(int32_t)mag : (int32_t)mag;
    }
    t = lo + (mid1 << 16);
    hi += (mid1 >> 16) + (t < lo);
    lo = t;
    t = lo + (mid2 << 16);
    hi += (mid2 >> 16) + (t < lo);
    lo = t;
    if (s <= 32) {                         /* + 2^(s-1), rounding half away from zero */
        t = lo + ((uint32_t)1 << (s - 1));
        hi += (t < lo);
        lo = t;
    } else {
        hi += (uint32_t)1 << (s - 33);
    }
    if (s >= 32) {
        mag = hi >> (s - 32);
    } else if ((hi >> s) != 0) {
        mag = HCC_SSM_REQ_CLAMP;           /* >= 2^32 */
    } else {
        mag = (lo >> s) | (hi << (32 - s));
    }
    if (mag > HCC_SSM_REQ_CLAMP) mag = HCC_SSM_REQ_CLAMP;
    return ((acc < 0) != (m < 0)) ? -(int32_t)mag : (int32_t)mag;
}

static inline int8_t hcc_ssm_sat8(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

#endif
