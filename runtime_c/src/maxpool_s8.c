/* int8 max pooling; the row function is shared with the streaming conv2d_pool block. */
#include "hcc_kernels.h"
#include "host_dw_s8.h"

void hcc_maxpool_s8_row(const hcc_pool_params_t *p, const int8_t *rows, int32_t n_rows,
                        int8_t *out_row) {
    int32_t ox, r, ix, ch;
#if !defined(__XTENSA__)
    if (hcc_host_maxpool_s8_row(p, rows, n_rows, out_row)) return;
#endif
    for (ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const int32_t x_begin = ix0 < 0 ? 0 : ix0;
        const int32_t x_end = ix0 + p->k_w > p->in_w ? p->in_w : ix0 + p->k_w;
        int8_t *out = out_row + ox * p->c;
        for (ch = 0; ch < p->c; ++ch) out[ch] = -128;  /* padding never wins */
        for (r = 0; r < n_rows; ++r) {
            for (ix = x_begin; ix < x_end; ++ix) {
                const int8_t *in = rows + (r * p->in_w + ix) * p->c;
                for (ch = 0; ch < p->c; ++ch) {
                    if (in[ch] > out[ch]) out[ch] = in[ch];
                }
            }
        }
    }
}

void hcc_maxpool_s8(const hcc_pool_params_t *p, const int8_t *input, int8_t *output) {
    int32_t oy;
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        const int32_t y_begin = iy0 < 0 ? 0 : iy0;
        const int32_t y_end = iy0 + p->k_h > p->in_h ? p->in_h : iy0 + p->k_h;
        const int32_t n_rows = y_end > y_begin ? y_end - y_begin : 0;
        hcc_maxpool_s8_row(p, input + (n_rows ? y_begin * p->in_w * p->c : 0), n_rows,
                           output + oy * p->out_w * p->c);
    }
}
