/* AveragePool with TFLM's rounding; spec: tflite_numerics.avgpool_int8_sized
 * (reference_integer_ops::AveragePool). The division by the count goes through hcc_udiv_u32. */
#include "hcc_tflm.h"

void hcc_tflm_avgpool_s8(const hcc_pool_params_t *p, const int8_t *input, int32_t act_min,
                         int32_t act_max, int8_t *output) {
    int32_t oy, ox, c, y, x;
    for (oy = 0; oy < p->out_h; oy++) {
        const int32_t y0 = oy * p->stride_h - p->pad_top;
        const int32_t ys = y0 < 0 ? 0 : y0, ye = y0 + p->k_h < p->in_h ? y0 + p->k_h : p->in_h;
        for (ox = 0; ox < p->out_w; ox++) {
            const int32_t x0 = ox * p->stride_w - p->pad_left;
            const int32_t xs = x0 < 0 ? 0 : x0, xe = x0 + p->k_w < p->in_w ? x0 + p->k_w : p->in_w;
            const uint32_t n = (uint32_t)((ye - ys) * (xe - xs));
            for (c = 0; c < p->c; c++) {
                int32_t acc = 0, q;
                uint32_t mag;
                for (y = ys; y < ye; y++)
                    for (x = xs; x < xe; x++) acc += input[((size_t)y * p->in_w + x) * p->c + c];
                /* acc > 0: (acc + n/2) / n; else (acc - n/2) / n, C division (toward zero) */
                mag = hcc_udiv_u32((acc > 0 ? (uint32_t)acc : 0u - (uint32_t)acc) + n / 2u, n, 32);
                q = acc > 0 ? (int32_t)mag : -(int32_t)mag;
                output[((size_t)oy * p->out_w + ox) * p->c + c] =
                    (int8_t)(q < act_min ? act_min : q > act_max ? act_max : q);
            }
        }
    }
}
