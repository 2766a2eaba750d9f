/* The broadcast iterator of the elementwise kernels (int8 and float): an odometer over the
 * outer axes of hcc_broadcast_shape_t, one row call per index (hcc/kernels/broadcast.py
 * describes the shape). No multiplication or division per row. */
#include "hcc_runtime.h"

void hcc_broadcast_rows(const hcc_broadcast_shape_t *shape, hcc_broadcast_row_fn row, const void *ctx) {
    int32_t index[HCC_BROADCAST_MAX_RANK];
    int32_t a_back[HCC_BROADCAST_MAX_RANK], b_back[HCC_BROADCAST_MAX_RANK];
    const int32_t last = shape->rank - 1, n = shape->dims[shape->rank - 1];
    const int32_t a_step = shape->a_strides[last], b_step = shape->b_strides[last];
    int32_t a_offset = 0, b_offset = 0, y_offset = 0, d;
    for (d = 0; d <= last; ++d) {
        if (shape->dims[d] <= 0) return; /* an empty result */
        index[d] = 0;
        /* where an offset returns to when axis d wraps around */
        a_back[d] = shape->a_strides[d] * (shape->dims[d] - 1);
        b_back[d] = shape->b_strides[d] * (shape->dims[d] - 1);
    }
    for (;;) {
        row(ctx, a_offset, a_step, b_offset, b_step, y_offset, n);
        y_offset += n;
        for (d = last - 1; d >= 0; --d) {
            if (++index[d] < shape->dims[d]) {
                a_offset += shape->a_strides[d];
                b_offset += shape->b_strides[d];
                break;
            }
            index[d] = 0;
            a_offset -= a_back[d];
            b_offset -= b_back[d];
        }
        if (d < 0) return;
    }
}
