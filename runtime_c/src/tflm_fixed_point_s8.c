/* TFLM's fixed-point primitives (gemmlowp fixedpoint.h, tflite common.h); spec:
 * hcc/quant/tflite_numerics.py. Products are formed from 16-bit halves: no 64-bit multiply. */
#include "hcc_tflm.h"

/* |a| * |b| exactly, a and b in [0, 2^31]. */
static uint64_t umul32(uint32_t a, uint32_t b) {
    const uint32_t ah = a >> 16, al = a & 0xFFFFu, bh = b >> 16, bl = b & 0xFFFFu;
    const uint32_t mid = ah * bl + al * bh;  /* ah, bh <= 2^15: below 2^32 */
    return ((uint64_t)(ah * bh) << 32) + ((uint64_t)mid << 16) + (uint64_t)(al * bl);
}

int32_t hcc_tflm_srdhm(int32_t a, int32_t b) {
    const uint32_t ua = a < 0 ? 0u - (uint32_t)a : (uint32_t)a;
    const uint32_t ub = b < 0 ? 0u - (uint32_t)b : (uint32_t)b;
    const int neg = (a < 0) != (b < 0) && ua != 0u && ub != 0u;
    uint32_t mag;
    if (a == b && a == INT32_MIN) return INT32_MAX;
    /* a b >= 0: (P + 2^30) >> 31; a b < 0: trunc((-P + 1 - 2^30) / 2^31) = -((P + 2^30 - 1) >> 31) */
    mag = (uint32_t)((umul32(ua, ub) + ((uint64_t)1u << 30) - (uint64_t)neg) >> 31);
    return neg ? -(int32_t)mag : (int32_t)mag;
}

int32_t hcc_tflm_rdbpot(int32_t x, int32_t exponent) {
    const uint32_t mask = exponent >= 32 ? 0xFFFFFFFFu : ((uint32_t)1u << exponent) - 1u;
    const uint32_t remainder = (uint32_t)x & mask;
    const uint32_t threshold = (mask >> 1) + (x < 0 ? 1u : 0u);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t hcc_tflm_mbqm(int32_t x, int32_t m, int32_t shift) {
    const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return hcc_tflm_rdbpot(hcc_tflm_srdhm((int32_t)((uint32_t)x << left), m), right);
}

/* SaturatingRoundingMultiplyByPOT<+e> on int32. */
static int32_t sat_shift_left(int32_t x, int32_t e) {
    const int32_t threshold = (int32_t)(((uint32_t)1u << (31 - e)) - 1u);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

int32_t hcc_tflm_one_over_one_plus_x(int32_t a) {
    /* half_denominator = RoundingHalfSum(a, 1): (a + INT32_MAX + 1) / 2 for a >= 0 */
    const int32_t half_den = (int32_t)(((uint32_t)a + 0x80000000u) >> 1);
    int32_t x = (int32_t)(1515870810u + (uint32_t)hcc_tflm_srdhm(half_den, -1010580540));  /* 48/17 - 32/17 d */
    int i;
    for (i = 0; i < 3; i++) {
        const int32_t one_minus = (int32_t)((1u << 29) - (uint32_t)hcc_tflm_srdhm(half_den, x));
        x = (int32_t)((uint32_t)x + (uint32_t)sat_shift_left(hcc_tflm_srdhm(x, one_minus), 2));
    }
    return sat_shift_left(x, 1);
}
