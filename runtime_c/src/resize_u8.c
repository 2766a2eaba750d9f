/* Bilinear resize of an 8-bit image in Q8 fixed point; spec: hcc/kernels/resize.py. */
#include "hcc_runtime.h"
#include "hcc_kernels.h"

/* Q8 source position of output index o (see the spec), without a hardware divide. */
static int32_t position_q8(int32_t o, int32_t src, int32_t dst) {
    uint32_t num = (uint32_t)(2 * o + 1) * (uint32_t)src * 256u;
    int32_t p = (int32_t)hcc_udiv_u32(num, (uint32_t)(2 * dst), 24) - 128;
    if (p < 0) p = 0;
    if (p > (src - 1) * 256) p = (src - 1) * 256;
    return p;
}

void hcc_resize_bilinear_u8(const uint8_t *src, int32_t src_w, int32_t src_h, int32_t src_stride,
                            uint8_t *dst, int32_t dst_w, int32_t dst_h) {
    int32_t oy, ox;
    for (oy = 0; oy < dst_h; ++oy) {
        const int32_t py = position_q8(oy, src_h, dst_h);
        const int32_t y0 = py >> 8, fy = py & 255;
        const int32_t y1 = y0 + 1 < src_h ? y0 + 1 : y0;
        const uint8_t *ra = src + (size_t)y0 * (size_t)src_stride;
        const uint8_t *rb = src + (size_t)y1 * (size_t)src_stride;
        for (ox = 0; ox < dst_w; ++ox) {
            const int32_t px = position_q8(ox, src_w, dst_w);
            const int32_t x0 = px >> 8, fx = px & 255;
            const int32_t x1 = x0 + 1 < src_w ? x0 + 1 : x0;
            const int32_t top = ra[x0] * (256 - fx) + ra[x1] * fx;
            const int32_t bottom = rb[x0] * (256 - fx) + rb[x1] * fx;
            dst[(size_t)oy * (size_t)dst_w + (size_t)ox] = (uint8_t)((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16);
        }
    }
}
