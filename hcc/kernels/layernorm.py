"""Int8 layer normalization over the last axis (the specification of layernorm_s8.c).

For one row x[0..C-1] (zero point z_x), with integer constants from `layernorm_params`:

    x'  = x - z_x;  S = sum x';  Q = sum x'^2
    d_i = C * x'_i - S                       # C times the deviation from the mean
    W   = C * Q - S^2 + E                    # C^2 / s_x^2 times (variance + epsilon), E >= 1
    e   = the even shift putting the top bit of W << e (W >> -e) at bit 28 or 29 (e in [-2, 28])
    r   = isqrt(W << e)                      # floor square root, in [2^14, 2^15]
    q   = floor(2^29 / r)
    n_i = round_shift(d_i * q, 17 - e/2)     # (x_i - mean) / sqrt(var + eps) in Q12
    y_i = saturate(z_y + round_shift(n_i * g_i + b_i, sh))

with g_i = round(gamma_i / s_y * 2^(sh-12)), b_i = round(beta_i / s_y * 2^sh). Every product
fits in 32 bits for C <= 128 (sh keeps |n_i * g_i| + |b_i| < 2^31); the only division
is one 32-bit division per row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hcc.errors import QuantizationError
from hcc.quant.fixed_point import round_shift, saturate_int8

MAX_CHANNELS = 128


@dataclass(frozen=True)
class LayerNormParams:
    z_x: int
    z_y: int
    eps_term: int  # E
    gamma_q: np.ndarray  # int32 [C]
    beta_q: np.ndarray  # int32 [C]
    shift: int  # sh


def layernorm_params(gamma, beta, epsilon: float, s_x: float, z_x: int, s_y: float, z_y: int) -> LayerNormParams:
    gamma = np.asarray(gamma, np.float64)
    beta = np.asarray(beta, np.float64)
    channels = gamma.size
    if channels > MAX_CHANNELS:
        raise QuantizationError(f"int8 LayerNormalization supports at most {MAX_CHANNELS} channels, got {channels}")
    eps_term = int(min(max(1, round(epsilon * channels * channels / (s_x * s_x))), 1 << 30))
    largest = max(float(np.abs(gamma).max()) / s_y, 1e-12)
    shift = 12 + int(math.floor(math.log2((2**15 - 1) / largest)))  # |g_i| < 2^15
    offset = float(np.abs(beta).max()) / s_y
    if offset > 0:
        shift = min(shift, int(math.floor(math.log2(2**29 / offset))))  # |b_i| < 2^29
    shift = max(12, min(shift, 40))
    gamma_q = np.round(gamma / s_y * 2.0 ** (shift - 12)).astype(np.int64)
    beta_q = np.clip(np.round(beta / s_y * 2.0**shift), -(2**31 - 1), 2**31 - 1).astype(np.int64)
    if np.abs(gamma_q).max() >= 2**15:
        raise QuantizationError("LayerNormalization gamma does not fit the 16-bit fixed-point format")
    return LayerNormParams(int(z_x), int(z_y), eps_term, gamma_q.astype(np.int32), beta_q.astype(np.int32), shift)


def even_shift(w: int) -> int:
    """The even e with the top bit of w << e at bit 28 or 29 (w in [1, 2^32))."""
    top = w.bit_length() - 1
    return 28 - top if (28 - top) % 2 == 0 else 29 - top


def layernorm_s8(x: np.ndarray, p: LayerNormParams) -> np.ndarray:
    """x int8 [..., C] -> y int8 [..., C]."""
    x = np.asarray(x)
    rows = x.reshape(-1, x.shape[-1]).astype(np.int64) - p.z_x
    channels = rows.shape[1]
    out = np.empty(rows.shape, np.int8)
    for i, xr in enumerate(rows):
        s = int(xr.sum())
        w = channels * int((xr * xr).sum()) - s * s + p.eps_term
        e = even_shift(w)
        r = math.isqrt(w << e if e >= 0 else w >> -e)
        q = (1 << 29) // r
        n = round_shift((channels * xr - s) * q, 17 - e // 2)
        out[i] = saturate_int8(p.z_y + round_shift(n * p.gamma_q.astype(np.int64) + p.beta_q, p.shift))
    return out.reshape(x.shape)
