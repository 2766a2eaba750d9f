"""Elementwise Max and Min (C: scaled_pair_s8.c), under numpy broadcasting."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import clamp_s8
from hcc.quant.fixed_point import round_shift


def maximum(a, z_a: int, b, z_b: int, m_a: int, m_b: int, shift: int, z_out: int,
            act_min: int = -128, act_max: int = 127, *, smaller: bool = False) -> np.ndarray:
    """Both operands on the output's grid (Add's multipliers), compared, rounded once:
    q = clamp(saturate(z_out + round_shift(max((a - z_a) m_a, (b - z_b) m_b), shift))).
    round_shift is monotonic, so this is the larger of the two requantized operands.
    `smaller`: Min instead."""
    ta = (np.asarray(a, dtype=np.int64) - z_a) * m_a
    tb = (np.asarray(b, dtype=np.int64) - z_b) * m_b
    return clamp_s8(z_out + round_shift(np.minimum(ta, tb) if smaller else np.maximum(ta, tb), shift),
                    act_min, act_max)
