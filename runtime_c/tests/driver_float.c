/* Test driver of the float32 kernels (hcc_float.h): kernel id, output size in floats, then
 * the kernel's arguments; writes the float output. Parameter structs come as int32 arrays
 * (every field is an int32); an empty blob is a NULL pointer. in_place != 0 runs the
 * elementwise kernels with output == first input. */
#include "test_io.h"
#include "hcc_float.h"

enum { CONV2D_POOL, MAXPOOL, FULLY_CONNECTED, MATMUL, LAYERNORM, SOFTMAX, UNARY, ADD, MUL, TRANSPOSE,
       DWCONV1D_CAUSAL, SELECTIVE_SCAN, UNARY_PARAM, CONV_TRANSPOSE };

static const float *f32(void) { return (const float *)tio_next(NULL); }

static const float *f32_or_null(void) {
    size_t len;
    void *p = tio_next(&len);
    return len ? (const float *)p : NULL;
}

static void params(void *dst, size_t size) {
    size_t len;
    void *p = tio_next(&len);
    if (len != size) tio_fail("parameter struct size mismatch");
    memcpy(dst, p, size);
    free(p);
}

/* The first operand of an elementwise kernel; with in_place, copied into y and y returned. */
static const float *first(int32_t in_place, float *y, int32_t n) {
    const float *x = f32();
    if (!in_place) return x;
    memcpy(y, x, (size_t)n * sizeof(float));
    return y;
}

int main(void) {
    int32_t kernel, out_n, in_place, a, b, c, d;
    float *y;
    tio_begin();
    kernel = tio_i32();
    out_n = tio_i32();
    y = (float *)malloc(out_n ? (size_t)out_n * sizeof(float) : 1u);
    if (y == NULL) tio_fail("out of memory");
    switch (kernel) {
    case CONV2D_POOL: {
        hcc_conv2d_pool_f32_params_t p;
        const float *x, *w, *bias;
        params(&p, sizeof p);
        x = f32();
        w = f32();
        bias = f32_or_null();
        hcc_conv2d_pool_f32(&p, x, w, bias, f32_or_null(), y);
        break;
    }
    case MAXPOOL: {
        hcc_pool_params_t p;
        params(&p, sizeof p);
        hcc_maxpool_f32(&p, f32(), y);
        break;
    }
    case FULLY_CONNECTED: {
        const float *x = f32(), *w, *bias, *act;
        a = tio_i32(), b = tio_i32(), c = tio_i32();
        w = f32();
        bias = f32_or_null();
        act = f32();  /* [act_min, act_max] */
        hcc_fully_connected_f32(x, a, b, c, w, bias, act[0], act[1], y);
        break;
    }
    case MATMUL: {
        const float *x = f32(), *w = f32();
        a = tio_i32(), b = tio_i32(), c = tio_i32(), d = tio_i32();
        hcc_matmul_f32(x, w, a, b, c, d, y);
        break;
    }
    case LAYERNORM: {
        const float *x, *gamma, *beta;
        in_place = tio_i32();
        x = first(in_place, y, out_n);
        a = tio_i32(), b = tio_i32();
        gamma = f32_or_null();
        beta = f32_or_null();
        hcc_layernorm_f32(x, a, b, gamma, beta, *f32(), y);
        break;
    }
    case SOFTMAX: {
        const float *x;
        in_place = tio_i32();
        x = first(in_place, y, out_n);
        a = tio_i32(), b = tio_i32();
        hcc_softmax_f32(x, a, b, y);
        break;
    }
    case UNARY: {
        const float *x;
        in_place = tio_i32();
        x = first(in_place, y, out_n);
        hcc_unary_f32((hcc_unary_t)tio_i32(), x, out_n, y);
        break;
    }
    case CONV_TRANSPOSE: { /* hcc_conv2d_params_t, [act_min, act_max], x, weights, bias */
        hcc_conv2d_params_t p;
        const float *act, *x, *w;
        params(&p, sizeof p);
        act = f32();
        x = f32();
        w = f32();
        hcc_conv_transpose2d_f32(&p, act[0], act[1], x, w, f32_or_null(), y);
        break;
    }
    case UNARY_PARAM: { /* in_place, x, kind, then the parameters a and b as 2 floats */
        const float *x, *ab;
        in_place = tio_i32();
        x = first(in_place, y, out_n);
        a = tio_i32();
        ab = f32();
        hcc_unary_param_f32((hcc_unary_t)a, ab[0], ab[1], x, out_n, y);
        break;
    }
    case ADD:
    case MUL: {
        const float *x, *other;
        in_place = tio_i32();
        x = first(in_place, y, out_n);
        other = f32();
        a = tio_i32(), b = tio_i32(), c = tio_i32();
        (kernel == ADD ? hcc_add_f32 : hcc_mul_f32)(x, other, a, b, (hcc_broadcast_t)c, y);
        break;
    }
    case TRANSPOSE: {
        const float *x = f32();
        const int32_t *dims, *perm;
        a = tio_i32();
        dims = (const int32_t *)tio_next(NULL);
        perm = (const int32_t *)tio_next(NULL);
        hcc_transpose_f32(x, a, dims, perm, y);
        break;
    }
    case DWCONV1D_CAUSAL: {
        const float *x = f32(), *w, *bias;
        a = tio_i32(), b = tio_i32(), c = tio_i32();
        w = f32();
        bias = f32_or_null();
        hcc_dwconv1d_causal_f32(x, y, a, b, c, w, bias);
        break;
    }
    case SELECTIVE_SCAN: {
        const float *u = f32(), *dt = f32(), *bm = f32(), *cm = f32(), *am = f32(), *skip = f32();
        float *state;
        a = tio_i32(), b = tio_i32(), c = tio_i32(), d = tio_i32();
        state = (float *)malloc(hcc_selective_scan_f32_scratch_size(b, c));
        if (state == NULL) tio_fail("out of memory");
        hcc_selective_scan_f32(u, dt, bm, cm, am, skip, a, b, c, d, state, y);
        break;
    }
    default:
        tio_fail("unknown kernel");
    }
    tio_emit(y, (size_t)out_n * sizeof(float));
    return 0;
}
