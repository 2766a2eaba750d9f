"""Causal depthwise conv1d over tokens (Mamba's short conv): the int8 specification.

    acc[t, d] = bias[d] + sum_k (x[t - K + 1 + k, d] - z_in) * w[d, k]   (positions < 0: x = z_in)
    y[t, d]   = clamp(saturate_int8(z_out + requantize(acc, m[d], s[d])), act_min, act_max)

The conv formula of docs/numerics.md with a causal left padding of K - 1 tokens;
runtime_c/src/dwconv1d_causal_s8.c computes the same integers.
"""

from __future__ import annotations

import numpy as np

from hcc.quant.fixed_point import requantize, saturate_int8


def dwconv1d_causal_s8(x, w, bias, mult, shift, z_in: int, z_out: int,
                       act_min: int = -128, act_max: int = 127) -> np.ndarray:
    """int8 x [L, D], int8 w [D, K], int32 bias [D], per-channel (mult, shift) -> int8 y [L, D]."""
    x = np.asarray(x, dtype=np.int64)
    w = np.asarray(w, dtype=np.int64)
    L, D = x.shape
    if w.ndim != 2 or w.shape[0] != D:
        raise ValueError(f"w has shape {w.shape}, expected [{D}, K]")
    if not -128 <= act_min <= act_max <= 127:
        raise ValueError(f"activation clamp [{act_min}, {act_max}] is not an int8 range")
    K = w.shape[1]
    padded = np.concatenate([np.zeros((K - 1, D), np.int64), x - z_in])    # causal: zeros before t = 0
    acc = np.broadcast_to(np.asarray(bias, dtype=np.int64), (L, D)).copy()
    for k in range(K):
        acc += padded[k:k + L] * w[:, k]
    q = saturate_int8(z_out + requantize(acc, np.asarray(mult)[None, :], np.asarray(shift)[None, :]))
    return np.clip(q, act_min, act_max).astype(np.int8)
