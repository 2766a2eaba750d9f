/* Copy along per-axis index maps; the same code for both builds (elem_bytes 1 or 4).
 * Spec: hcc/kernels/remap.py (remap_plan builds the parameters, remap_reference is the meaning). */
#include <string.h>

#include "hcc_movement.h"

/* One block: `n` elements from src, or the fill element repeated. */
static void put_block(uint8_t *dst, const uint8_t *src, const uint8_t *fill, size_t n, size_t elem) {
    size_t k;
    if (src != NULL) {
        if (n * elem == 1) *dst = *src;
        else memcpy(dst, src, n * elem);
    } else if (elem == 1) {
        memset(dst, *fill, n);
    } else {
        for (k = 0; k < n; ++k) memcpy(dst + k * elem, fill, elem);
    }
}

void hcc_remap(const hcc_remap_t *p, const int32_t *tables, const void *input, const void *fill,
               void *output) {
    const uint8_t *src = (const uint8_t *)input;
    const uint8_t *fill_bytes = (const uint8_t *)fill;
    uint8_t *dst = (uint8_t *)output;
    const size_t elem = (size_t)p->elem_bytes, run = (size_t)p->block * elem;
    const int32_t *t[4];
    int32_t a, i0, i1, i2, i3;
    for (a = 0; a < 4; ++a) t[a] = p->table[a] >= 0 ? tables + p->table[a] : NULL;
    for (i0 = 0; i0 < p->count[0]; ++i0) {
        const int32_t o0 = t[0] ? t[0][i0] : i0 * p->stride[0];
        const int f0 = t[0] != NULL && o0 < 0;
        for (i1 = 0; i1 < p->count[1]; ++i1) {
            const int32_t o1 = t[1] ? t[1][i1] : i1 * p->stride[1];
            const int f1 = f0 || (t[1] != NULL && o1 < 0);
            for (i2 = 0; i2 < p->count[2]; ++i2) {
                const int32_t o2 = t[2] ? t[2][i2] : i2 * p->stride[2];
                const int f2 = f1 || (t[2] != NULL && o2 < 0);
                const int32_t o012 = p->base + o0 + o1 + o2;
                for (i3 = 0; i3 < p->count[3]; ++i3) {
                    const int32_t o3 = t[3] ? t[3][i3] : i3 * p->stride[3];
                    const int fill3 = f2 || (t[3] != NULL && o3 < 0);
                    put_block(dst, fill3 ? NULL : src + (size_t)(o012 + o3) * elem, fill_bytes,
                              (size_t)p->block, elem);
                    dst += run;
                }
            }
        }
    }
}
