/* Test driver: src_w, src_h, dst_w, dst_h, image -> resized image. */
#include "hcc_runtime.h"
#include "test_io.h"

int main(void) {
    int32_t sw, sh, dw, dh;
    size_t n;
    uint8_t *src, *dst;
    tio_begin();
    sw = tio_i32();
    sh = tio_i32();
    dw = tio_i32();
    dh = tio_i32();
    src = (uint8_t *)tio_next(&n);
    dst = (uint8_t *)malloc((size_t)dw * (size_t)dh);
    if (!dst) return 2;
    hcc_resize_bilinear_u8(src, sw, sh, sw, dst, dw, dh);
    tio_emit(dst, (size_t)dw * (size_t)dh);
    return 0;
}
