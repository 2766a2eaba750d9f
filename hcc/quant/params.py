"""Helpers that turn quantized IR types into the integer constants kernels take.

Used by the ops' `int8_params` (hcc/ops/*.py), so the int8 interpreter and the C backend
derive every multiplier, shift and zero point through the same code.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.graph import Op, Value
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.lut import round_half_away


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


def clamp_codes(bounds, scale: float, z_out: int) -> tuple[int, int]:
    """The int8 clamp [act_min, act_max] of a fused activation clamp(y, lo, hi) (real bounds;
    +-inf: none) on an output of (scale, z_out): each bound quantized as the output is
    (round half away from zero, saturated), so that clamping the codes equals quantizing the
    clamped value. ReLU (lo = 0) clamps at the zero point."""
    lo, hi = (int(np.clip(z_out + round_half_away(np.float64(b) / scale), -128, 127)) for b in bounds)
    return lo, hi  # an infinite bound saturates to -128 / 127: no clamp


def bias_or_zeros(op: Op, index: int, channels: int) -> np.ndarray:
    value = op.inputs[index] if index < len(op.inputs) else None
    return np.zeros(channels, np.int32) if value is None else value.const.astype(np.int32)


def single_batch(op: Op, x: np.ndarray) -> np.ndarray:
    if x.shape[0] != 1:
        raise UnsupportedOpError(f"{op.where()}: int8 kernels run one sample at a time (batch {x.shape[0]})")
    return x[0]
