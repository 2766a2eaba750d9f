"""Weight quantization: symmetric int8 per output channel (docs/numerics.md, "Calibration")."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import QuantParams
from hcc.quant.fixed_point import symmetric_scale


def quantize_weights(w: np.ndarray, axis: int) -> tuple[np.ndarray, QuantParams]:
    """Symmetric int8 per channel along `axis`: q in [-127, 127], zero point 0."""
    moved = np.moveaxis(w.astype(np.float64), axis, 0)
    scale = symmetric_scale(np.abs(moved.reshape(moved.shape[0], -1)).max(axis=1))
    q = np.clip(np.round(moved / scale.reshape((-1,) + (1,) * (moved.ndim - 1))), -127, 127)
    q = np.moveaxis(q, 0, axis).astype(np.int8)
    return q, QuantParams(tuple(float(s) for s in scale), (0,) * len(scale), axis)


def dequantize_weights(q: np.ndarray, params: QuantParams) -> np.ndarray:
    """The real values the int8 weights stand for (float64)."""
    scale = np.asarray(params.scale, np.float64)
    shape = [1] * q.ndim
    shape[params.axis] = -1
    return q.astype(np.float64) * scale.reshape(shape)
