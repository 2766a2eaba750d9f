/* hcc bench: line printing on top of hcc_sh_write, no printf and no division
 * (decimal conversion subtracts powers of ten, so it needs no libgcc helper). */
#include "semihost.h"

#define HCC_PRINT_BUF 128

static char hcc_print_buf[HCC_PRINT_BUF];
static size_t hcc_print_len;

void hcc_print_flush(void)
{
    if (hcc_print_len > 0) {
        hcc_sh_write(hcc_print_buf, hcc_print_len);
        hcc_print_len = 0;
    }
}

void hcc_print_char(char c)
{
    if (hcc_print_len == HCC_PRINT_BUF) {
        hcc_print_flush();
    }
    hcc_print_buf[hcc_print_len++] = c;
    if (c == '\n') {
        hcc_print_flush();
    }
}

void hcc_print_str(const char *s)
{
    while (*s != '\0') {
        hcc_print_char(*s++);
    }
}

void hcc_print_u32(uint32_t v)
{
    static const uint32_t pow10[10] = {
        1000000000u, 100000000u, 10000000u, 1000000u, 100000u,
        10000u, 1000u, 100u, 10u, 1u
    };
    int started = 0;
    for (int i = 0; i < 10; i++) {
        char d = '0';
        while (v >= pow10[i]) {
            v -= pow10[i];
            d++;
        }
        if (d != '0' || started || i == 9) {
            hcc_print_char(d);
            started = 1;
        }
    }
}

void hcc_print_i32(int32_t v)
{
    if (v < 0) {
        hcc_print_char('-');
        hcc_print_u32(0u - (uint32_t)v);
    } else {
        hcc_print_u32((uint32_t)v);
    }
}

static const char hcc_hex_digits[16] = {
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'
};

void hcc_print_hex32(uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4) {
        hcc_print_char(hcc_hex_digits[(v >> shift) & 0xfu]);
    }
}

void hcc_print_line_u32(const char *tag, uint32_t v)
{
    hcc_print_str(tag);
    hcc_print_char(' ');
    hcc_print_u32(v);
    hcc_print_char('\n');
}

void hcc_print_hex_lines(const char *tag, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    size_t i = 0;
    while (i < n) {
        hcc_print_str(tag);
        hcc_print_char(' ');
        for (size_t k = 0; k < 32 && i < n; k++, i++) {
            hcc_print_char(hcc_hex_digits[p[i] >> 4]);
            hcc_print_char(hcc_hex_digits[p[i] & 0xfu]);
        }
        hcc_print_char('\n');
    }
}
