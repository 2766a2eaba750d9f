"""Concatenation (C: concat_s8.c): each input copied, or requantized onto the output's grid by a table."""

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


def requantize_table(s_in: float, z_in: int, s_out: float, z_out: int) -> np.ndarray | None:
    """The int8 -> int8 table that moves an input onto the output's grid (Concat inputs with
    their own parameters): T[q + 128] = saturate(z_out + requantize(q - z_in, m, s)),
    (m, s) = quantize_multiplier(s_in / s_out); None when the parameters are the same."""
    from hcc.kernels.requantize import requantize_s8
    from hcc.quant.fixed_point import quantize_multiplier

    if s_in == s_out and z_in == z_out:
        return None
    m, s = quantize_multiplier(s_in / s_out)
    return requantize_s8(np.arange(-128, 128) - z_in, m, s, z_out)
