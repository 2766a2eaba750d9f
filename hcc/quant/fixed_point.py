"""The integer arithmetic shared by the int8 reference and the C runtime (docs/numerics.md).

Everything here is exact integer math on numpy int64 arrays; the C runtime implements the
same functions (runtime_c/src/requantize_s8.c) and must agree bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from hcc.errors import QuantizationError

INT8_MIN, INT8_MAX = -128, 127


def round_shift(x, shift: int):
    """round(x / 2**shift), halves rounded away from zero. `shift` >= 0. Exact on int64."""
    x = np.asarray(x, dtype=np.int64)
    if shift == 0:
        return x
    half = np.int64(1) << np.int64(shift - 1)
    magnitude = (np.abs(x) + half) >> np.int64(shift)
    return np.where(x < 0, -magnitude, magnitude)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """Represent `real` as m / 2**s with |m| in [2**30, 2**31) and s in [1, 62].

    Returns (m, s); m carries the sign of `real`. Reals too small to represent (s would
    exceed 62) and zero give (0, 1): the product is then 0.
    """
    if not math.isfinite(real):
        raise QuantizationError(f"multiplier must be finite, got {real}")
    if real < 0:
        m, s = quantize_multiplier(-real)
        return -m, s
    if real == 0:
        return 0, 1
    mantissa, exponent = math.frexp(real)  # real = mantissa * 2**exponent, mantissa in [0.5, 1)
    m = int(round(mantissa * (1 << 31)))
    if m == 1 << 31:  # rounding carried into the next power of two
        m //= 2
        exponent += 1
    s = 31 - exponent
    if s > 62:
        return 0, 1
    if s < 1:
        raise QuantizationError(f"multiplier {real} is too large (>= 2**30)")
    return m, s


def requantize(acc, multiplier: int | np.ndarray, shift: int | np.ndarray):
    """round_away(acc * multiplier / 2**shift) for int32 `acc`, per element or per channel.

    `multiplier`/`shift` may be arrays broadcasting against `acc` (per-channel).
    """
    acc = np.asarray(acc, dtype=np.int64)
    multiplier = np.asarray(multiplier, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    prod = acc * multiplier  # |acc| < 2**31 and m < 2**31: fits in int64
    half = np.int64(1) << (shift - 1)
    magnitude = (np.abs(prod) + half) >> shift
    return np.where(prod < 0, -magnitude, magnitude)


def saturate_int8(x):
    return np.clip(np.asarray(x, dtype=np.int64), INT8_MIN, INT8_MAX).astype(np.int8)


def quantize_multiplier_q15_pair(real_a: float, real_b: float) -> tuple[int, int, int]:
    """Two reals as m_a / 2**s and m_b / 2**s with one shared s and 0 <= m < 2**15.

    Used where two int9 differences are scaled and summed (Add): (x-zx)*m fits in 25 bits.
    """
    largest = max(real_a, real_b)
    if not largest > 0:
        raise QuantizationError("at least one multiplier must be positive")
    s = 0
    while s < 46 and largest * (1 << (s + 1)) < (1 << 15):
        s += 1
    return int(round(real_a * (1 << s))), int(round(real_b * (1 << s))), s


def choose_scale_zero_point(lo: float, hi: float) -> tuple[float, int]:
    """Asymmetric int8 parameters covering [lo, hi] (the range always includes 0)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-12:
        return 1.0, 0
    scale = (hi - lo) / 255.0
    zero_point = int(round(INT8_MIN - lo / scale))
    return scale, int(np.clip(zero_point, INT8_MIN, INT8_MAX))


def symmetric_scale(absmax) -> np.ndarray:
    """Per-channel symmetric int8 scales (zero point 0) for weights: absmax / 127."""
    absmax = np.asarray(absmax, dtype=np.float64)
    return np.where(absmax > 0, absmax / 127.0, 1.0)
