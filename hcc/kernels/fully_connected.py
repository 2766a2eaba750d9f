"""Fully connected, int8 (C: fully_connected_s8.c): Gemm and MatMul with constant weights."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import requantize_s8


def fully_connected(x, z_in: int, w, bias, mult, shift, z_out: int, act_min: int = -128,
                    act_max: int = 127) -> np.ndarray:
    """x [rows, K], w [N, K] (per output channel, z = 0), bias [N] or None -> [rows, N]:
    requantize_s8(bias[j] + sum_i (x[r, i] - z_in) * w[j, i], mult[j], shift[j])."""
    acc = (np.asarray(x, dtype=np.int64) - z_in) @ np.asarray(w, dtype=np.int64).T
    if bias is not None:
        acc += np.asarray(bias, dtype=np.int64)
    return requantize_s8(acc, np.asarray(mult), np.asarray(shift), z_out, act_min, act_max)
