"""Concatenation (C: concat_s8.c): inputs share the output's scale and zero point."""

from __future__ import annotations

import numpy as np


def concat(xs, axis: int) -> np.ndarray:
    """np.concatenate; the C kernel sees each input as [outer, inner] with outer the product
    of the dimensions before `axis` (concat_layout)."""
    return np.concatenate([np.asarray(x) for x in xs], axis=axis)


def concat_layout(shapes, axis: int) -> tuple[int, list[int]]:
    """(outer, inner sizes) of the C call for inputs of these shapes."""
    axis = axis % len(shapes[0])
    outer = int(np.prod(shapes[0][:axis], dtype=np.int64))
    return outer, [int(np.prod(s[axis:], dtype=np.int64)) for s in shapes]
