"""Lookup tables, built in Python only and emitted into C as const arrays (C never calls libm)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from hcc.errors import QuantizationError
from hcc.quant.fixed_point import saturate_int8

SOFTMAX_EXP_ONE = 1 << 15  # exp(0) in the softmax table


def round_half_away(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def build_lut(fn: Callable[[np.ndarray], np.ndarray], s_in: float, z_in: int, s_out: float, z_out: int) -> np.ndarray:
    """T[q + 128] = saturate(z_out + round(fn(s_in * (q - z_in)) / s_out)) for the 256 int8 codes q."""
    codes = np.arange(-128, 128, dtype=np.float64)
    y = np.asarray(fn(s_in * (codes - z_in)), dtype=np.float64)
    if np.isnan(y).any():
        raise QuantizationError("lookup-table function returned NaN")
    q = z_out + round_half_away(np.clip(y / s_out, -1e6, 1e6))  # +-inf saturate
    return saturate_int8(q)


def build_softmax_exp_table(s_in: float) -> np.ndarray:
    """T[d] = round(2^15 * exp(-s_in * d)), d = x_max - x in 0..255 (uint16; T[0] = 2^15)."""
    d = np.arange(256, dtype=np.float64)
    return round_half_away(SOFTMAX_EXP_ONE * np.exp(-s_in * d)).astype(np.uint16)
