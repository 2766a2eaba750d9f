/* Test driver for examples/esp32_cam/main/frame_pipeline.c:
 *   format SCALE ZP BUFSIZE S0 S1 ...   format_scores with labels c0, c1, ...; prints
 *                            "RETURN|TEXT" (TEXT as written into a BUFSIZE buffer)
 *   bad                      NULL / size arguments are refused (exit 0 when they are) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_pipeline.h"

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "format") == 0) {
        static const char *const labels[] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"};
        int8_t scores[8];
        int n = argc - 5, i, r;
        size_t size = (size_t)atol(argv[4]);
        char *buf = (char *)malloc(size > 0 ? size : 1u);
        if (n > 8 || buf == NULL) {
            return 2;
        }
        for (i = 0; i < n; ++i) {
            scores[i] = (int8_t)atoi(argv[5 + i]);
        }
        r = format_scores(scores, n, (float)atof(argv[2]), (int32_t)atol(argv[3]), labels, size > 0 ? buf : NULL, size);
        printf("%d|%s\n", r, size > 0 ? buf : "");
        free(buf);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "bad") == 0) {
        int8_t q[4] = {0, 1, 2, 3};
        const char *const labels[] = {"a"};
        char buf[8];
        int refused = format_scores(q, 0, 1.0f, 0, labels, buf, sizeof buf) == -1 &&
                      format_scores(NULL, 1, 1.0f, 0, labels, buf, sizeof buf) == -1 &&
                      format_scores(q, 1, 1.0f, 0, NULL, buf, sizeof buf) == -1 &&
                      format_scores(q, 1, 1.0f, 0, labels, NULL, 4) == -1;
        return refused ? 0 : 1;
    }
    fprintf(stderr, "bad usage\n");
    return 2;
}
