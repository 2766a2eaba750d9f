/* hcc bench: the integer helpers Debian's libgcc for xtensa-lx106 lacks.
 *
 * The ESP8266 ROM normally provides these; bare metal under qemu has no ROM, so the
 * link fails on any int division, unsigned modulo or 64-bit multiply/divide. These are
 * small, correct (not fast) versions: restoring shift-subtract division and a
 * 16x16-bit-piece 32x32->64 multiply (lx106 has `mull` but no high-half multiply).
 * Built with -ffunction-sections and linked with --gc-sections, so only what the
 * program uses stays in the image. libgcc's own __modsi3 is fine and not replaced;
 * __moddi3 is replaced because libgcc's needs the missing __umulsidi3/__udivsi3.
 * Division by zero returns an all-ones quotient (it is undefined in C anyway).
 * Only shifts by constants, compares, adds and 32-bit multiplies are used, so
 * nothing here calls back into libgcc.
 */
#include <stdint.h>

uint32_t __udivsi3(uint32_t n, uint32_t d);
uint32_t __umodsi3(uint32_t n, uint32_t d);
int32_t __divsi3(int32_t a, int32_t b);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t a, int64_t b);
int64_t __moddi3(int64_t a, int64_t b);
int64_t __muldi3(int64_t a, int64_t b);

static uint32_t udivmod32(uint32_t n, uint32_t d, uint32_t *rem)
{
    uint32_t q = 0, r = 0;
    for (int i = 0; i < 32; i++) {
        uint32_t carry = r >> 31;
        r = (r << 1) | (n >> 31);
        n <<= 1;
        q <<= 1;
        if (carry || r >= d) {
            r -= d;
            q |= 1u;
        }
    }
    *rem = r;
    return q;
}

static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
    if ((n >> 32) == 0 && (d >> 32) == 0) {
        uint32_t r32;
        uint32_t q32 = udivmod32((uint32_t)n, (uint32_t)d, &r32);
        *rem = r32;
        return q32;
    }
    uint64_t q = 0, r = 0;
    for (int i = 0; i < 64; i++) {
        uint32_t carry = (uint32_t)(r >> 63);
        r = (r << 1) | (n >> 63);
        n <<= 1;
        q <<= 1;
        if (carry || r >= d) {
            r -= d;
            q |= 1u;
        }
    }
    *rem = r;
    return q;
}

static uint32_t uabs32(int32_t v)
{
    return v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
}

static uint64_t uabs64(int64_t v)
{
    return v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
}

uint32_t __udivsi3(uint32_t n, uint32_t d)
{
    uint32_t r;
    return udivmod32(n, d, &r);
}

uint32_t __umodsi3(uint32_t n, uint32_t d)
{
    uint32_t r;
    (void)udivmod32(n, d, &r);
    return r;
}

int32_t __divsi3(int32_t a, int32_t b)
{
    uint32_t r;
    uint32_t q = udivmod32(uabs32(a), uabs32(b), &r);
    return (int32_t)(((a < 0) != (b < 0)) ? 0u - q : q);
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    return udivmod64(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    (void)udivmod64(n, d, &r);
    return r;
}

int64_t __divdi3(int64_t a, int64_t b)
{
    uint64_t r;
    uint64_t q = udivmod64(uabs64(a), uabs64(b), &r);
    return (int64_t)(((a < 0) != (b < 0)) ? 0u - q : q);
}

int64_t __moddi3(int64_t a, int64_t b)
{
    uint64_t r;
    (void)udivmod64(uabs64(a), uabs64(b), &r);
    return (int64_t)(a < 0 ? 0u - r : r);
}

/* Full 32x32->64 product from four 16x16->32 products (no carries lost). */
static uint64_t umul32_wide(uint32_t a, uint32_t b)
{
    uint32_t al = a & 0xffffu, ah = a >> 16;
    uint32_t bl = b & 0xffffu, bh = b >> 16;
    uint32_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint32_t mid = (ll >> 16) + (lh & 0xffffu) + (hl & 0xffffu);
    uint32_t lo = (ll & 0xffffu) | (mid << 16);
    uint32_t hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
    return ((uint64_t)hi << 32) | lo;
}

int64_t __muldi3(int64_t a, int64_t b)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    uint32_t alo = (uint32_t)ua, ahi = (uint32_t)(ua >> 32);
    uint32_t blo = (uint32_t)ub, bhi = (uint32_t)(ub >> 32);
    uint64_t p = umul32_wide(alo, blo);
    uint32_t cross = alo * bhi + ahi * blo;
    return (int64_t)(p + ((uint64_t)cross << 32));
}
