"""PRelu with a constant slope (C: prelu_s8.c)."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import requantize_s8


def prelu(x, z_in: int, z_out: int, m_pos: int, s_pos: int, m_neg, s_neg,
          act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """d = x - z_in; q = requantize_s8(d, m_pos, s_pos) where d >= 0, else requantize_s8(d, m_neg,
    s_neg), the per-element (m_neg, s_neg) = quantize_multiplier(s_in * slope / s_out)
    broadcast against x as the slope is."""
    d = np.asarray(x, dtype=np.int64) - z_in
    m_neg, s_neg = np.broadcast_to(m_neg, d.shape), np.broadcast_to(s_neg, d.shape)
    positive = requantize_s8(d, m_pos, s_pos, z_out, act_min, act_max)
    return np.where(d >= 0, positive, requantize_s8(d, m_neg, s_neg, z_out, act_min, act_max)).astype(np.int8)
