#include "frame_pipeline.h"

#include <stdio.h>

/* Source coordinate of output index i when `side` pixels become FRAME_PIPELINE_SIDE:
 * the integer part and the 0..1 fraction towards the next pixel (clamped at the edges). */
static void source_position(int i, int side, int *i0, int *i1, float *frac)
{
    float s = ((float)i + 0.5f) * (float)side / (float)FRAME_PIPELINE_SIDE - 0.5f;
    int lo;
    if (s < 0.0f) {
        s = 0.0f;
    }
    if (s > (float)(side - 1)) {
        s = (float)(side - 1);
    }
    lo = (int)s;
    *i0 = lo;
    *i1 = lo + 1 < side ? lo + 1 : lo;
    *frac = s - (float)lo;
}

int centre_crop_resize_u8(const uint8_t *gray, int w, int h, uint8_t *out98)
{
    int side, x0, y0, ox, oy;
    if (gray == NULL || out98 == NULL || w < 1 || h < 1) {
        return -1;
    }
    side = w < h ? w : h;
    x0 = (w - side) / 2;
    y0 = (h - side) / 2;
    for (oy = 0; oy < FRAME_PIPELINE_SIDE; ++oy) {
        int ya, yb;
        float fy;
        const uint8_t *row_a, *row_b;
        source_position(oy, side, &ya, &yb, &fy);
        row_a = gray + (size_t)(y0 + ya) * (size_t)w + (size_t)x0;
        row_b = gray + (size_t)(y0 + yb) * (size_t)w + (size_t)x0;
        for (ox = 0; ox < FRAME_PIPELINE_SIDE; ++ox) {
            int xa, xb;
            float fx, top, bottom, v;
            source_position(ox, side, &xa, &xb, &fx);
            top = (float)row_a[xa] + ((float)row_a[xb] - (float)row_a[xa]) * fx;
            bottom = (float)row_b[xa] + ((float)row_b[xb] - (float)row_b[xa]) * fx;
            v = top + (bottom - top) * fy + 0.5f;
            out98[oy * FRAME_PIPELINE_SIDE + ox] = (uint8_t)(v >= 255.0f ? 255 : (int)v);
        }
    }
    return 0;
}

int quantize_pixels_s8(const uint8_t *pixels, size_t n, float scale, int32_t zero_point, int8_t *out)
{
    size_t i;
    if (pixels == NULL || out == NULL || !(scale > 0.0f)) {
        return -1;
    }
    for (i = 0; i < n; ++i) {
        float q = (float)pixels[i] / 255.0f / scale;
        long r = (long)(q + 0.5f) + (long)zero_point; /* q >= 0: +0.5 then truncation rounds */
        out[i] = (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));
    }
    return 0;
}

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
