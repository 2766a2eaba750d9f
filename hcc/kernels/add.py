"""Elementwise add and subtract (C: add_s8.c, scaled_pair_s8.c) and the fast broadcasts of
hcc_add_s8 / hcc_mul_s8."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import clamp_s8
from hcc.quant.fixed_point import round_shift

BROADCAST_NONE, BROADCAST_CHANNEL, BROADCAST_SCALAR = 0, 1, 2  # hcc_broadcast_t


def broadcast_kind(a_shape, b_shape) -> int:
    """The broadcasts hcc_add_s8 and hcc_mul_s8 take: b like a, b per channel ([C], the last
    axis of a), or b scalar. Any other broadcast goes through hcc/kernels/broadcast.py."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    if b_shape == a_shape:
        return BROADCAST_NONE
    if int(np.prod(b_shape)) == 1:
        return BROADCAST_SCALAR
    if len(a_shape) and tuple(s for s in b_shape if s != 1) == (a_shape[-1],) and b_shape[-1] == a_shape[-1]:
        return BROADCAST_CHANNEL
    raise ValueError(f"unsupported broadcast {b_shape} -> {a_shape}")


def broadcast_b(a, b) -> np.ndarray:
    """b as a's shape, for one of broadcast_kind's broadcasts (as hcc_add_s8 reads it)."""
    if broadcast_kind(np.shape(a), np.shape(b)) == BROADCAST_NONE:
        return np.asarray(b)
    return np.broadcast_to(np.reshape(b, -1), np.shape(a))  # [C] along the last axis, or one element


def add(a, z_a: int, b, z_b: int, m_a: int, m_b: int, shift: int, z_out: int,
        act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """q = clamp(saturate(z_out + round_shift((a - z_a) * m_a + (b - z_b) * m_b, shift))), a and b
    under numpy broadcasting; (m_a, m_b, shift) = quantize_multiplier_q15_pair(s_a / s_out,
    s_b / s_out). Subtraction is the same with m_b negated."""
    acc = (np.asarray(a, dtype=np.int64) - z_a) * m_a + (np.asarray(b, dtype=np.int64) - z_b) * m_b
    return clamp_s8(z_out + round_shift(acc, shift), act_min, act_max)
