/* Requantization: the one definition every int8 kernel uses (docs/numerics.md). */
#include "hcc_kernels.h"

/* |a| * |b| as an exact 64-bit unsigned value (hi:lo) built from four 16x16 -> 32 products,
 * so that no 64-bit multiply helper (__muldi3, missing from the lx106 libgcc) is needed. */
static void mul_u32_u32(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo) {
    const uint32_t a0 = a & 0xFFFFu, a1 = a >> 16;
    const uint32_t b0 = b & 0xFFFFu, b1 = b >> 16;
    const uint32_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    /* middle column: at most 3 * (2^16 - 1) fits easily in 32 bits */
    const uint32_t mid = (p00 >> 16) + (p01 & 0xFFFFu) + (p10 & 0xFFFFu);
    *lo = (p00 & 0xFFFFu) | (mid << 16);
    *hi = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16);
}

static uint32_t magnitude_u32(int32_t x) {
    /* exact for INT32_MIN: the negation happens in unsigned arithmetic */
    return x < 0 ? 0u - (uint32_t)x : (uint32_t)x;
}

/* Apply a sign to a magnitude, saturating to the int32 range. */
static int32_t signed_saturated(uint32_t mag_hi, uint32_t mag_lo, int negative) {
    if (negative) {
        if (mag_hi != 0u || mag_lo >= 0x80000000u) return INT32_MIN;
        return -(int32_t)mag_lo;
    }
    if (mag_hi != 0u || mag_lo > 0x7FFFFFFFu) return INT32_MAX;
    return (int32_t)mag_lo;
}

int32_t hcc_requantize(int32_t acc, int32_t m, int32_t s) {
    uint32_t hi, lo, half_hi, half_lo, sum_lo;
    if (acc == 0 || m == 0 || s > 62) return 0;  /* |acc * m| < 2^62: s > 62 rounds to 0 */
    mul_u32_u32(magnitude_u32(acc), magnitude_u32(m), &hi, &lo);
    if (s > 0) {
        /* + 2^(s-1), then >> s, on the 64-bit magnitude (|acc * m| < 2^62, no overflow) */
        half_hi = s > 32 ? (uint32_t)1u << (s - 33) : 0u;
        half_lo = s > 32 ? 0u : (uint32_t)1u << (s - 1);
        sum_lo = lo + half_lo;
        hi += half_hi + (sum_lo < lo ? 1u : 0u);
        lo = sum_lo;
        if (s >= 32) {
            lo = hi >> (s - 32);
            hi = 0u;
        } else {
            lo = (lo >> s) | (hi << (32 - s));
            hi >>= s;
        }
    }
    return signed_saturated(hi, lo, (acc < 0) != (m < 0));
}

int32_t hcc_round_shift(int32_t x, int32_t s) {
    return hcc_round_shift_inline(x, s);
}

int8_t hcc_saturate_s8(int32_t x) {
    return (int8_t)(x < -128 ? -128 : (x > 127 ? 127 : x));
}

int8_t hcc_clamp_s8(int32_t x, int32_t act_min, int32_t act_max) {
    const int8_t q = hcc_saturate_s8(x);
    return (int8_t)(q < act_min ? act_min : (q > act_max ? act_max : q));
}

int8_t hcc_requantize_s8(int32_t acc, int32_t m, int32_t s, int32_t z_out, int32_t act_min,
                         int32_t act_max) {
    return hcc_requantize_s8_inline(acc, m, s, z_out, act_min, act_max);
}

uint32_t hcc_udiv_u32(uint32_t n, uint32_t d, int32_t quotient_bits) {
#if !HCC_XTENSA_KERNELS
    /* the host's divide instruction: the same quotient (below 2^quotient_bits), without the
     * loop's unpredictable branches (the cycle walkers divide once per element) */
    (void)quotient_bits;
    return n / d;
#else
    uint32_t q = 0u;
    int32_t b;
    /* (n >> b) >= d  <=>  n >= d * 2^b, and then d << b cannot overflow */
    for (b = quotient_bits - 1; b >= 0; --b) {
        if ((n >> b) >= d) {
            n -= d << b;
            q |= (uint32_t)1u << b;
        }
    }
    return q;
#endif
}
