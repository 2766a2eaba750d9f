"""Batched matmul of two int8 activations (C: matmul_s8.c), e.g. attention scores."""

from __future__ import annotations

import numpy as np

from hcc.kernels.requantize import requantize_s8


def matmul(a, z_a: int, b, z_b: int, mult: int, shift: int, z_out: int, act_min: int = -128,
           act_max: int = 127) -> np.ndarray:
    """a [B, M, K], b [B, K, N] -> [B, M, N]: requantize_s8(sum_k (a - z_a)(b - z_b), mult, shift),
    (mult, shift) = quantize_multiplier(s_a * s_b / s_out)."""
    acc = np.matmul(np.asarray(a, dtype=np.int64) - z_a, np.asarray(b, dtype=np.int64) - z_b)
    return requantize_s8(acc, mult, shift, z_out, act_min, act_max)
