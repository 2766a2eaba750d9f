/* Runs a generated model once on an all-zero input and prints its output bytes in hex:
 * the same program linked against two layouts of one build must print the same line. */
#include <stdio.h>
#include <string.h>

#include MODEL_HEADER

static uint8_t arena[ARENA_SIZE] HCC_ALIGN(16);
static ELEM input[INPUT_SIZE];
static ELEM output[OUTPUT_SIZE];

int main(void)
{
    size_t i;
    const unsigned char *bytes = (const unsigned char *)output;
    memset(input, 0, sizeof input);
    if (RUN(input, sizeof input, output, sizeof output, arena, sizeof arena) != HCC_OK) {
        return 1;
    }
    for (i = 0; i < sizeof output; i++) {
        printf("%02x", bytes[i]);
    }
    printf("\n");
    return 0;
}
