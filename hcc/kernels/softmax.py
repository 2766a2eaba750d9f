"""Softmax over one axis, int8 in, int8 out with scale 1/256 and zero point -128 (C: softmax_s8.c)."""

from __future__ import annotations

import numpy as np

from hcc.quant.fixed_point import saturate_int8

OUTPUT_SCALE, OUTPUT_ZERO_POINT = 1.0 / 256.0, -128


def softmax(x, exp_table, axis: int = -1) -> np.ndarray:
    """e = exp_table[max(x) - x] (build_softmax_exp_table(s_x)); q = saturate(round(256 e / sum e) - 128),
    the rounding exact: round(256 e / S) = floor((512 e + S) / (2 S)). Along `axis`."""
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exp_table, dtype=np.int64)[x.max(axis=axis, keepdims=True) - x]
    total = e.sum(axis=axis, keepdims=True)
    if total.max(initial=0) >= 1 << 31:
        raise OverflowError("softmax row too long: the sum of exponentials must stay below 2^31")
    return saturate_int8((512 * e + total) // (2 * total) + OUTPUT_ZERO_POINT)
