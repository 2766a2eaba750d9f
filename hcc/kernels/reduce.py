"""Mean and max over the middle axis of [outer, n, inner], int8 (C: reduce_s8.c): global
average pooling ([1, H*W, C]), ReduceMean and ReduceMax over any run of adjacent axes."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import requantize_s8


def reduce_layout(shape, axes) -> tuple[int, int, int]:
    """(outer, n, inner) of a reduction over `axes`; ValueError unless the reduced axes are
    adjacent once size-1 axes are left out."""
    shape = [int(d) for d in shape]
    big = [a for a in range(len(shape)) if shape[a] != 1]
    reduced = [a for a in big if a in set(axes)]
    if not reduced:
        return int(np.prod(shape, dtype=np.int64)), 1, 1
    where = [big.index(a) for a in reduced]
    if where != list(range(where[0], where[0] + len(where))):
        raise ValueError("the reduced axes are not adjacent")
    first, last = reduced[0], reduced[-1]
    return (int(np.prod(shape[:first], dtype=np.int64)), int(np.prod(shape[first:last + 1], dtype=np.int64)),
            int(np.prod(shape[last + 1:], dtype=np.int64)))


def mean(x, n_axes: tuple[int, int, int], z_in: int, z_out: int, mult: int, shift: int) -> np.ndarray:
    """x viewed as [outer, n, inner] -> [outer, inner]: saturate(z_out + requantize(sum (x - z_in), m, s)),
    (m, s) = quantize_multiplier(s_in / (s_out * n))."""
    outer, n, inner = n_axes
    total = (np.asarray(x, np.int64) - z_in).reshape(outer, n, inner).sum(axis=1)
    return requantize_s8(total, mult, shift, z_out)


def reduce_max(x, n_axes: tuple[int, int, int]) -> np.ndarray:
    """x viewed as [outer, n, inner] -> [outer, inner]: the largest code (same parameters in and out)."""
    outer, n, inner = n_axes
    return np.asarray(x, np.int8).reshape(outer, n, inner).max(axis=1)
