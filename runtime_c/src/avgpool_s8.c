/* int8 average pooling (count_include_pad 0 or 1, ceil_mode through the output size). */
#include "hcc_pool.h"

void hcc_avgpool_s8(const hcc_avgpool_params_t *p, const int8_t *input, const int32_t *mult,
                    const int32_t *shift, int8_t *output) {
    const hcc_pool_params_t *g = &p->pool;
    int32_t oy, ox, iy, ix, ch, y0, y1, x0, x1;
    for (oy = 0; oy < g->out_h; ++oy) {
        for (ox = 0; ox < g->out_w; ++ox) {
            const int32_t count = hcc_avgpool_window(p, oy, ox, &y0, &y1, &x0, &x1);
            const int32_t m = mult[count], s = shift[count];  /* the table is indexed by the count */
            for (ch = 0; ch < g->c; ++ch) {
                int32_t sum = 0;
                for (iy = y0; iy < y1; ++iy) {
                    const int8_t *in = input + (iy * g->in_w + x0) * g->c + ch;
                    for (ix = x0; ix < x1; ++ix, in += g->c) sum += *in - p->z_in;
                }
                *output++ = hcc_requantize_s8_inline(sum, m, s, p->z_out, -128, 127);
            }
        }
    }
}
