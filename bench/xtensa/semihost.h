/* hcc bench: output over semihosting (Xtensa) or stdio (host), without libc printf.
 *
 * Two primitives have one implementation per target: semihost.c (Xtensa `simcall`) and
 * host_shim.c (stdio, for the bit-identity build on the host). print.c builds the
 * line protocol of docs/xtensa-harness.md on top of them:
 *   out <hex bytes>              output bytes, at most 32 per line, in order
 *   op <index> <ccount> <calls>  CCOUNT ticks spent inside op <index> over <calls> calls
 *   total <ccount>               CCOUNT ticks of the measured region
 *   status <n>                   the model's hcc_status_t
 */
#ifndef HCC_BENCH_SEMIHOST_H
#define HCC_BENCH_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Primitives (semihost.c on Xtensa, host_shim.c on the host). */
void hcc_sh_write(const void *buf, size_t len);
void hcc_sh_exit(int code) __attribute__((noreturn));

/* Buffered line printing (print.c). Output is flushed at every '\n'. */
void hcc_print_str(const char *s);
void hcc_print_char(char c);
void hcc_print_u32(uint32_t v);          /* decimal */
void hcc_print_i32(int32_t v);           /* decimal, with '-' */
void hcc_print_hex32(uint32_t v);        /* 8 lowercase hex digits */
void hcc_print_flush(void);
/* "<tag> <u32>\n" */
void hcc_print_line_u32(const char *tag, uint32_t v);
/* "<tag> <hex>\n" lines, 32 bytes per line; nothing for n == 0. */
void hcc_print_hex_lines(const char *tag, const void *data, size_t n);

#endif /* HCC_BENCH_SEMIHOST_H */
