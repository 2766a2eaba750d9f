"""The int8 output stage every kernel shares (C: hcc_requantize_s8 in requantize_s8.c)."""

from __future__ import annotations

import numpy as np

from hcc.quant.fixed_point import requantize, saturate_int8

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def check_int32(acc: np.ndarray, what: str = "accumulator") -> np.ndarray:
    """The C kernels accumulate in int32: an accumulator outside it is outside the spec."""
    acc = np.asarray(acc, dtype=np.int64)
    if acc.size and (acc.min() < INT32_MIN or acc.max() > INT32_MAX):
        raise OverflowError(f"{what} does not fit in int32")
    return acc


def requantize_s8(acc, multiplier, shift, z_out: int, act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """q = clamp(saturate_int8(z_out + requantize(acc, m, s)), act_min, act_max)."""
    q = saturate_int8(z_out + requantize(check_int32(acc), multiplier, shift))
    return np.clip(q, act_min, act_max).astype(np.int8)


def clamp_s8(x, act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """saturate to int8, then the fused activation clamp (C: hcc_clamp_s8)."""
    return np.clip(saturate_int8(x), act_min, act_max).astype(np.int8)
