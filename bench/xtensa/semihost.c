/* hcc bench: semihosting primitives for `qemu-system-xtensa -M sim ... -semihosting`.
 *
 * simcall: call number in a2, arguments in a3..a5; result in a2, errno in a3.
 * All four registers are clobbered, so they are in/out operands.
 */
#include "semihost.h"

#define HCC_SYS_EXIT 1
#define HCC_SYS_WRITE 4

static int32_t hcc_simcall(int32_t nr, int32_t a, int32_t b, int32_t c)
{
    register int32_t a2 __asm__("a2") = nr;
    register int32_t a3 __asm__("a3") = a;
    register int32_t a4 __asm__("a4") = b;
    register int32_t a5 __asm__("a5") = c;
    __asm__ __volatile__("simcall" : "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5) : : "memory");
    return a2;
}

void hcc_sh_write(const void *buf, size_t len)
{
    const char *p = (const char *)buf;
    while (len > 0) {
        int32_t n = hcc_simcall(HCC_SYS_WRITE, 1, (int32_t)(uintptr_t)p, (int32_t)len);
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

void hcc_sh_exit(int code)
{
    hcc_print_flush();
    for (;;) {
        (void)hcc_simcall(HCC_SYS_EXIT, code, 0, 0);
    }
}
