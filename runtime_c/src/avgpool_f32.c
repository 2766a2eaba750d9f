/* float32 average pooling with the int8 kernel's window and count rules. */
#include "hcc_pool.h"

void hcc_avgpool_f32(const hcc_avgpool_params_t *p, const float *input, float *output) {
    const hcc_pool_params_t *g = &p->pool;
    int32_t oy, ox, iy, ix, ch, y0, y1, x0, x1;
    for (oy = 0; oy < g->out_h; ++oy) {
        for (ox = 0; ox < g->out_w; ++ox) {
            const int32_t count = hcc_avgpool_window(p, oy, ox, &y0, &y1, &x0, &x1);
            for (ch = 0; ch < g->c; ++ch) {
                float sum = 0.0f;
                for (iy = y0; iy < y1; ++iy) {
                    for (ix = x0; ix < x1; ++ix) sum += input[(iy * g->in_w + ix) * g->c + ch];
                }
                *output++ = sum / (float)(count > 0 ? count : 1);
            }
        }
    }
}
