"""Helpers that turn quantized IR types into the integer constants kernels take.

Used by the ops' `int8_params` (hcc/ops/*.py), so the int8 interpreter and the C backend
derive every multiplier, shift and zero point through the same code.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.graph import Op, Value
from hcc.quant.fixed_point import quantize_multiplier


def scale_zp(value: Value) -> tuple[float, int]:
    """Per-tensor (scale, zero point) of an int8 value."""
    q = value.type.quant
    if q is None or q.axis is not None:
        raise UnsupportedOpError(f"%{value.name} needs per-tensor int8 quantization")
    return q.scale[0], q.zero_point[0]


def multipliers(reals) -> tuple[np.ndarray, np.ndarray]:
    """quantize_multiplier over an array: (m int32[], s int32[])."""
    pairs = [quantize_multiplier(float(r)) for r in np.ravel(reals)]
    return np.array([m for m, _ in pairs], np.int32), np.array([s for _, s in pairs], np.int32)


def channel_multipliers(op: Op, x: Value, w: Value, y: Value) -> tuple[np.ndarray, np.ndarray]:
    """Per-output-channel (m, s) for s_x * s_w[c] / s_y (per-tensor weights: one scale for every channel)."""
    s_x, _ = scale_zp(x)
    s_y, _ = scale_zp(y)
    scales = np.broadcast_to(np.asarray(w.type.quant.scale, np.float64), (w.type.shape[0],))
    return multipliers(s_x * scales / s_y)


def activation_range(relu: bool, z_out: int) -> tuple[int, int]:
    """Clamp bounds of the int8 output: ReLU clamps at the zero point (real 0)."""
    return (max(-128, z_out), 127) if relu else (-128, 127)


def bias_or_zeros(op: Op, index: int, channels: int) -> np.ndarray:
    value = op.inputs[index] if index < len(op.inputs) else None
    return np.zeros(channels, np.int32) if value is None else value.const.astype(np.int32)


def single_batch(op: Op, x: np.ndarray) -> np.ndarray:
    if x.shape[0] != 1:
        raise UnsupportedOpError(f"{op.where()}: int8 kernels run one sample at a time (batch {x.shape[0]})")
    return x[0]
