/* Test driver of the broadcasting elementwise kernels (hcc_elementwise.h, hcc_binary_f32,
 * hcc_prelu_f32): kernel id, in_place, the hcc_broadcast_shape_t as 16 int32 (rank, dims[5],
 * a_strides[5], b_strides[5]), then the kernel's own arguments; writes the output (the
 * product of dims elements). in_place != 0 copies the first operand into the output buffer
 * and passes that (the result's shape is the caller's to ensure). Test code only. */
#include "driver_params.h"

enum { ADD, MUL, MAX, MIN, PRELU, BINARY_F32, PRELU_F32 };

static hcc_broadcast_shape_t dp_shape(void) {
    hcc_broadcast_shape_t s;
    const int32_t *v = dp_ints(1 + 3 * HCC_BROADCAST_MAX_RANK);
    int32_t d;
    s.rank = v[0];
    for (d = 0; d < HCC_BROADCAST_MAX_RANK; ++d) {
        s.dims[d] = v[1 + d];
        s.a_strides[d] = v[1 + HCC_BROADCAST_MAX_RANK + d];
        s.b_strides[d] = v[1 + 2 * HCC_BROADCAST_MAX_RANK + d];
    }
    return s;
}

/* The first operand; with in_place, copied into out (n bytes) and out returned. */
static const void *first(int32_t in_place, void *out, size_t n) {
    size_t len;
    const void *x = tio_next(&len);
    if (!in_place) return x;
    if (len != n) tio_fail("in place needs a first operand of the result's size");
    memcpy(out, x, n);
    return out;
}

int main(void) {
    int32_t kernel, in_place, d;
    size_t n = 1, elem;
    hcc_broadcast_shape_t s;
    void *out;
    tio_begin();
    kernel = tio_i32();
    in_place = tio_i32();
    s = dp_shape();
    for (d = 0; d < s.rank; ++d) n *= (size_t)s.dims[d];
    elem = kernel == BINARY_F32 || kernel == PRELU_F32 ? sizeof(float) : 1u;
    out = malloc(n * elem);
    if (out == NULL) tio_fail("out of memory");
    switch (kernel) {
    case ADD: case MAX: case MIN: {
        const hcc_add_params_t p = dp_add(dp_ints(DP_ADD_COUNT));
        const int8_t *a = (const int8_t *)first(in_place, out, n), *b = (const int8_t *)tio_next(NULL);
        if (kernel == ADD) hcc_add_broadcast_s8(&p, &s, a, b, (int8_t *)out);
        else if (kernel == MAX) hcc_max_s8(&p, &s, a, b, (int8_t *)out);
        else hcc_min_s8(&p, &s, a, b, (int8_t *)out);
        break;
    }
    case MUL: {
        const int32_t *v = dp_ints(7);
        hcc_mul_params_t p;
        const int8_t *a, *b;
        p.z_a = v[0]; p.z_b = v[1]; p.z_out = v[2];
        p.mult = v[3]; p.shift = v[4];
        p.act_min = v[5]; p.act_max = v[6];
        a = (const int8_t *)first(in_place, out, n);
        b = (const int8_t *)tio_next(NULL);
        hcc_mul_broadcast_s8(&p, &s, a, b, (int8_t *)out);
        break;
    }
    case PRELU: {
        const int32_t *v = dp_ints(6);
        hcc_prelu_params_t p;
        const int8_t *x;
        const int32_t *m_neg, *s_neg;
        p.z_in = v[0]; p.z_out = v[1];
        p.m_pos = v[2]; p.s_pos = v[3];
        p.act_min = v[4]; p.act_max = v[5];
        x = (const int8_t *)first(in_place, out, n);
        m_neg = (const int32_t *)tio_next(NULL);
        s_neg = (const int32_t *)tio_next(NULL);
        hcc_prelu_s8(&p, &s, x, m_neg, s_neg, (int8_t *)out);
        break;
    }
    case BINARY_F32: {
        const int32_t fn = tio_i32();
        const float *a = (const float *)first(in_place, out, n * sizeof(float)), *b = (const float *)tio_next(NULL);
        hcc_binary_f32((hcc_binary_t)fn, &s, a, b, (float *)out);
        break;
    }
    case PRELU_F32: {
        const float *x = (const float *)first(in_place, out, n * sizeof(float)), *slope = (const float *)tio_next(NULL);
        hcc_prelu_f32(&s, x, slope, (float *)out);
        break;
    }
    default:
        tio_fail("unknown kernel");
    }
    tio_emit(out, n * elem);
    return 0;
}
