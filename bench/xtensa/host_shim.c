/* hcc bench: host replacements of the semihosting primitives (stdio), so the same
 * harness sources build with the host `cc` and print the same protocol. */
#include <stdio.h>
#include <stdlib.h>

#include "semihost.h"

void hcc_sh_write(const void *buf, size_t len)
{
    (void)fwrite(buf, 1, len, stdout);
}

void hcc_sh_exit(int code)
{
    hcc_print_flush();
    (void)fflush(stdout);
    exit(code);
}
