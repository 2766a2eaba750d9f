#include "frame_pipeline.h"

#include <stdio.h>

int format_scores(const int8_t *scores, int n, float scale, int32_t zero_point, const char *const *labels,
                  char *buf, size_t buf_size)
{
    int i, best = 0, need;
    size_t used;
    if (scores == NULL || labels == NULL || (buf == NULL && buf_size > 0) || n < 1) {
        return -1;
    }
    for (i = 1; i < n; ++i) {
        if (scores[i] > scores[best]) {
            best = i;
        }
    }
    need = snprintf(buf, buf_size, "%s (%.2f) |", labels[best], (double)(((float)scores[best] - (float)zero_point) * scale));
    for (i = 0; i < n && need >= 0; ++i) {
        int more;
        used = (size_t)need < buf_size ? (size_t)need : buf_size;
        more = snprintf(buf_size > 0 ? buf + used : NULL, buf_size - used, " %s %.2f", labels[i],
                        (double)(((float)scores[i] - (float)zero_point) * scale));
        need = more < 0 ? -1 : need + more;
    }
    return need;
}
