/* int8 average pooling (count_include_pad = 0) and global average pooling. */
#include "hcc_kernels.h"

void hcc_avgpool_s8(const hcc_pool_params_t *p, const int8_t *input, int32_t z_in, int32_t z_out,
                    const int32_t *mult, const int32_t *shift, int8_t *output) {
    int32_t oy, ox, iy, ix, ch;
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        const int32_t y_begin = iy0 < 0 ? 0 : iy0;
        const int32_t y_end = iy0 + p->k_h > p->in_h ? p->in_h : iy0 + p->k_h;
        for (ox = 0; ox < p->out_w; ++ox) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            const int32_t x_begin = ix0 < 0 ? 0 : ix0;
            const int32_t x_end = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
            const int32_t rows = y_end > y_begin ? y_end - y_begin : 0;
            const int32_t cols = x_end > x_begin ? x_end - x_begin : 0;
            const int32_t count = rows * cols;  /* the multiplier table is indexed by it */
            int8_t *out = output + (oy * p->out_w + ox) * p->c;
            for (ch = 0; ch < p->c; ++ch) {
                int32_t sum = 0;
                for (iy = y_begin; iy < y_end; ++iy) {
                    for (ix = x_begin; ix < x_end; ++ix) {
                        sum += input[(iy * p->in_w + ix) * p->c + ch] - z_in;
                    }
                }
                out[ch] = hcc_requantize_s8(sum, mult[count], shift[count], z_out, -128, 127);
            }
        }
    }
}

void hcc_global_avgpool_s8(const int8_t *input, int32_t hw, int32_t c, int32_t z_in, int32_t z_out,
                           int32_t mult, int32_t shift, int8_t *output) {
    int32_t i, ch;
    for (ch = 0; ch < c; ++ch) {
        int32_t sum = 0;
        for (i = 0; i < hw; ++i) sum += input[i * c + ch] - z_in;
        output[ch] = hcc_requantize_s8(sum, mult, shift, z_out, -128, 127);
    }
}
