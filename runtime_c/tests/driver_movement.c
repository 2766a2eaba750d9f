/* Test driver for the data-movement kernels. The first integer picks:
 * 0 hcc_transpose_s8: input, dims, perm;
 * 1 hcc_concat_s8: outer, inner sizes, then per input its blob and its table (empty: NULL);
 * 2 hcc_concat_f32: outer, inner sizes, then one blob per input;
 * 3 hcc_remap: params (count[4], stride[4], table[4], base, block, elem_bytes), tables (empty:
 *   NULL), fill (empty: NULL), input, output size in bytes;
 * 4 hcc_resize_linear_s8 / 5 hcc_resize_linear_f32: params (outer, in_h, in_w, out_h, out_w,
 *   block, z), y0, y1, wy, x0, x1, wx, input.
 * The output bytes go to stdout. */
#include "test_io.h"
#include "hcc_runtime.h"

static void *optional_blob(void) {
    size_t len;
    void *v = tio_next(&len);
    if (len == 0) {
        free(v);
        return NULL;
    }
    return v;
}

int main(void) {
    size_t size = 0, n_bytes;
    void *output;
    int32_t i;
    const int32_t kernel = (tio_begin(), tio_i32());
    if (kernel == 0) {
        const int8_t *input = (const int8_t *)tio_next(&size);
        const int32_t *dims = (const int32_t *)tio_next(&n_bytes);
        const int32_t *perm = (const int32_t *)tio_next(NULL);
        output = malloc(size ? size : 1u);
        hcc_transpose_s8(input, (int32_t)(n_bytes / 4), dims, perm, (int8_t *)output);
    } else if (kernel == 1 || kernel == 2) {
        const int32_t outer = tio_i32();
        const int32_t *inner = (const int32_t *)tio_next(&n_bytes);
        const int32_t n_inputs = (int32_t)(n_bytes / 4);
        const size_t elem = kernel == 1 ? 1u : sizeof(float);
        const void **inputs = (const void **)malloc((size_t)n_inputs * sizeof(*inputs));
        const int8_t **tables = (const int8_t **)malloc((size_t)n_inputs * sizeof(*tables));
        for (i = 0; i < n_inputs; ++i) {
            inputs[i] = tio_next(NULL);
            tables[i] = kernel == 1 ? (const int8_t *)optional_blob() : NULL;
            size += (size_t)(outer * inner[i]) * elem;
        }
        output = malloc(size ? size : 1u);
        if (kernel == 1) {
            hcc_concat_s8((const int8_t *const *)inputs, inner, tables, n_inputs, outer, (int8_t *)output);
        } else {
            hcc_concat_f32((const float *const *)inputs, inner, n_inputs, outer, (float *)output);
        }
    } else if (kernel == 3) {
        const int32_t *v = (const int32_t *)tio_next(NULL);
        hcc_remap_t p;
        const int32_t *tables = (const int32_t *)optional_blob();
        const void *fill = optional_blob();
        const void *input = tio_next(NULL);
        for (i = 0; i < 4; ++i) {
            p.count[i] = v[i];
            p.stride[i] = v[4 + i];
            p.table[i] = v[8 + i];
        }
        p.base = v[12];
        p.block = v[13];
        p.elem_bytes = v[14];
        size = (size_t)tio_i32();
        output = malloc(size ? size : 1u);
        hcc_remap(&p, tables, input, fill, output);
    } else {
        const int32_t *v = (const int32_t *)tio_next(NULL);
        const hcc_resize_params_t p = {v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
        const int32_t *y0 = (const int32_t *)tio_next(NULL), *y1 = (const int32_t *)tio_next(NULL);
        const void *wy = tio_next(NULL);
        const int32_t *x0 = (const int32_t *)tio_next(NULL), *x1 = (const int32_t *)tio_next(NULL);
        const void *wx = tio_next(NULL);
        const void *input = tio_next(NULL);
        size = (size_t)(p.outer * p.out_h * p.out_w * p.block) * (kernel == 4 ? 1u : sizeof(float));
        output = malloc(size ? size : 1u);
        if (kernel == 4) {
            hcc_resize_linear_s8(&p, y0, y1, (const int16_t *)wy, x0, x1, (const int16_t *)wx,
                                 (const int8_t *)input, (int8_t *)output);
        } else {
            hcc_resize_linear_f32(&p, y0, y1, (const float *)wy, x0, x1, (const float *)wx,
                                  (const float *)input, (float *)output);
        }
    }
    tio_emit(output, size);
    return 0;
}
