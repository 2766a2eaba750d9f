/* Test driver for hcc_tflm.h: op, then the kernel's arguments in order (see tests/runtime/test_tflm.py).
 * 0 mbqm (x[], m, shift -> int32[]), 1 conv, 2 fully connected, 3 add/sub, 4 mul, 5 avgpool,
 * 6 mean, 7 softmax, 8 srdhm (a[], b[] -> int32[]), 9 one_over_one_plus_x (a[] -> int32[]). */
#include "test_io.h"
#include "hcc_tflm.h"

static void *arr(size_t *len) { return tio_next(len); }

int main(void) {
    int32_t op;
    size_t len;
    tio_begin();
    op = tio_i32();
    if (op == 0 || op == 8 || op == 9) {
        const int32_t *x = (const int32_t *)arr(&len);
        const size_t n = len / 4;
        int32_t *out = (int32_t *)malloc(len ? len : 1), m = 0, s = 0;
        const int32_t *b = NULL;
        size_t i;
        if (op == 0) { m = tio_i32(); s = tio_i32(); }
        if (op == 8) b = (const int32_t *)arr(NULL);
        for (i = 0; i < n; i++)
            out[i] = op == 0 ? hcc_tflm_mbqm(x[i], m, s) : op == 8 ? hcc_tflm_srdhm(x[i], b[i]) : hcc_tflm_one_over_one_plus_x(x[i]);
        tio_emit(out, len);
    } else if (op == 1) {
        const hcc_conv2d_params_t *p = (const hcc_conv2d_params_t *)arr(NULL);
        const int8_t *in = (const int8_t *)arr(NULL), *w = (const int8_t *)arr(NULL);
        const int32_t *bias = (const int32_t *)arr(&len);
        const int32_t *m = (const int32_t *)arr(NULL), *s = (const int32_t *)arr(NULL);
        const size_t n = (size_t)p->out_h * p->out_w * p->out_c;
        int8_t *out = (int8_t *)malloc(n);
        hcc_tflm_conv_s8(p, in, w, len ? bias : NULL, m, s, out);
        tio_emit(out, n);
    } else if (op == 2) {
        const hcc_fc_params_t *p = (const hcc_fc_params_t *)arr(NULL);
        const int8_t *in = (const int8_t *)arr(NULL), *w = (const int8_t *)arr(NULL);
        const int32_t *bias = (const int32_t *)arr(&len);
        const int32_t *m = (const int32_t *)arr(NULL), *s = (const int32_t *)arr(NULL);
        const size_t n = (size_t)p->rows * p->n;
        int8_t *out = (int8_t *)malloc(n);
        hcc_tflm_fully_connected_s8(p, in, w, len ? bias : NULL, m, s, out);
        tio_emit(out, n);
    } else if (op == 3 || op == 4) {
        const void *p = arr(NULL);
        const int8_t *a = (const int8_t *)arr(&len), *b = (const int8_t *)arr(NULL);
        const int32_t rows = tio_i32(), channels = tio_i32(), kind = tio_i32();
        int8_t *out = (int8_t *)malloc(len);
        if (op == 3) hcc_tflm_add_s8((const hcc_tflm_add_params_t *)p, a, b, rows, channels, (hcc_broadcast_t)kind, out);
        else hcc_tflm_mul_s8((const hcc_mul_params_t *)p, a, b, rows, channels, (hcc_broadcast_t)kind, out);
        tio_emit(out, len);
    } else if (op == 5) {
        const hcc_pool_params_t *p = (const hcc_pool_params_t *)arr(NULL);
        const int8_t *in = (const int8_t *)arr(NULL);
        const int32_t lo = tio_i32(), hi = tio_i32();
        const size_t n = (size_t)p->out_h * p->out_w * p->c;
        int8_t *out = (int8_t *)malloc(n);
        hcc_tflm_avgpool_s8(p, in, lo, hi, out);
        tio_emit(out, n);
    } else if (op == 6) {
        const int8_t *in = (const int8_t *)arr(NULL);
        const int32_t outer = tio_i32(), count = tio_i32(), inner = tio_i32(), z_in = tio_i32(), z_out = tio_i32();
        const int32_t m = tio_i32(), s = tio_i32();
        int8_t *out = (int8_t *)malloc((size_t)outer * inner);
        hcc_tflm_mean_s8(in, outer, count, inner, z_in, z_out, m, s, out);
        tio_emit(out, (size_t)outer * inner);
    } else if (op == 7) {
        const int8_t *in = (const int8_t *)arr(&len);
        const int32_t rows = tio_i32(), n = tio_i32();
        const int32_t *table = (const int32_t *)arr(NULL);
        const int32_t diff_min = tio_i32();
        int8_t *out = (int8_t *)malloc(len);
        hcc_tflm_softmax_s8(in, rows, n, table, diff_min, out);
        tio_emit(out, len);
    }
    return 0;
}
