"""Elementwise product (C: mul_s8.c, mul_broadcast_s8.c), under numpy broadcasting."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import requantize_s8


def mul(a, z_a: int, b, z_b: int, mult: int, shift: int, z_out: int,
        act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """q = clamp(saturate(z_out + requantize((a - z_a) * (b - z_b), mult, shift))), M = s_a s_b / s_out."""
    prod = (np.asarray(a, dtype=np.int64) - z_a) * (np.asarray(b, dtype=np.int64) - z_b)
    return requantize_s8(prod, mult, shift, z_out, act_min, act_max)
