/* hcc bench: read the Xtensa cycle counter.
 *
 * Under `qemu-system-xtensa -M sim -cpu lx106 -icount shift=0`, one CCOUNT tick is
 * 25 instructions (HCC_INSTRUCTIONS_PER_CCOUNT); see docs/xtensa-harness.md.
 * On a host build (no CCOUNT) hcc_ccount() returns 0 so the same harness compiles.
 */
#ifndef HCC_BENCH_CYCLES_H
#define HCC_BENCH_CYCLES_H

#include <stdint.h>

#define HCC_INSTRUCTIONS_PER_CCOUNT 25u

static inline uint32_t hcc_ccount(void)
{
#if defined(__XTENSA__)
    uint32_t c;
    __asm__ __volatile__("rsr %0, ccount" : "=a"(c) : : "memory");
    return c;
#else
    return 0u;
#endif
}

#endif /* HCC_BENCH_CYCLES_H */
