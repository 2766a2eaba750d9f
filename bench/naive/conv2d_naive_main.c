/* Measure conv2d_naive_3x3 on CONV_H x CONV_W x CONV_CIN -> ... x CONV_COUT (default
 * 49x49x16 -> 49x49x32, the figure quoted in docs/xtensa-sim.md). Inputs and weights come from a fixed LCG, so the Xtensa and the
 * host build compute the same thing; the output is printed as its FNV-1a hash
 * ("out" line, 4 bytes little-endian) plus "macs" (nominal, padding included) and "total" (CCOUNT). */
#include <stdint.h>

#include "conv2d_naive.h"
#include "cycles.h"
#include "semihost.h"

#define H CONV_H
#define W CONV_W
#define CIN CONV_CIN
#define COUT CONV_COUT

static int8_t input[H * W * CIN];
static int8_t weights[COUT * 3 * 3 * CIN];
static int32_t bias[COUT];
static int8_t output[H * W * COUT];

static uint32_t lcg_state = 12345u;

static int8_t lcg_next(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (int8_t)(lcg_state >> 24);
}

int main(void)
{
    for (uint32_t i = 0; i < sizeof input; i++) {
        input[i] = lcg_next();
    }
    for (uint32_t i = 0; i < sizeof weights; i++) {
        weights[i] = lcg_next();
    }
    for (int i = 0; i < COUT; i++) {
        bias[i] = (int32_t)lcg_next() * 64;
    }
    uint32_t t0 = hcc_ccount();
    conv2d_naive_3x3(input, weights, bias, 9, output);
    uint32_t t1 = hcc_ccount();

    uint32_t hash = 2166136261u;
    for (uint32_t i = 0; i < sizeof output; i++) {
        hash = (hash ^ (uint8_t)output[i]) * 16777619u;
    }
    uint8_t hash_bytes[4] = {(uint8_t)hash, (uint8_t)(hash >> 8), (uint8_t)(hash >> 16),
                             (uint8_t)(hash >> 24)};
    hcc_print_hex_lines("out", hash_bytes, sizeof hash_bytes);
    hcc_print_line_u32("macs", (uint32_t)H * W * COUT * 9 * CIN);
    hcc_print_line_u32("total", t1 - t0);
    hcc_print_flush();
    return 0;
}
