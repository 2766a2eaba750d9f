"""The fused activation of the conv and fully connected ops: an attribute `clamp = [lo, hi]`.

    y = min(max(y, lo), hi)        (real bounds; -inf / inf: that side unbounded)

ReLU is [0, inf], ReLU6 (Clip(0, 6), as every exporter writes it) [0, 6], no activation
[-inf, inf]. The int8 kernels clamp the output codes to clamp_codes() of the bounds in the
output's quantization (hcc/quant/params.py). The passes that fuse (fuse-linear,
fuse-conv-block, fuse-activation) read a Relu or Clip through activation_bounds().
"""

from __future__ import annotations

import math

import numpy as np

NO_CLAMP = [-math.inf, math.inf]
RELU = [0.0, math.inf]


def has_clamp(bounds) -> bool:
    return list(bounds) != NO_CLAMP


def activation_bounds(op) -> tuple[float, float] | None:
    """(lo, hi) of a Relu, or of a Clip whose bounds are constant scalars (or absent), with
    lo <= hi; None for anything else."""
    if op.kind == "Relu":
        return 0.0, math.inf
    if op.kind != "Clip":
        return None
    bounds = []
    for i, unbounded in ((1, -math.inf), (2, math.inf)):
        v = op.inputs[i] if i < len(op.inputs) else None
        if v is not None and (v.const is None or v.const.size != 1):
            return None
        bounds.append(unbounded if v is None else _real(v))
    lo, hi = bounds
    return (lo, hi) if lo <= hi and not (math.isnan(lo) or math.isnan(hi)) else None


def _real(value) -> float:
    """A scalar bound's real value: the number, or for an int8 code (a .tflite model's bounds
    come quantized in their tensor's parameters) scale * (code - zero point)."""
    q = value.type.quant
    x = float(np.ravel(value.const)[0])
    return x if q is None else float(q.scale[0] * (x - q.zero_point[0]))


def apply_clamp(y: np.ndarray, bounds) -> np.ndarray:
    """The float semantics: clamp `y` to the bounds, keeping its dtype (NaN stays NaN)."""
    lo, hi = bounds
    if lo > -math.inf:
        y = np.maximum(y, lo)
    if hi < math.inf:
        y = np.minimum(y, hi)
    return np.asarray(y)


def check_clamp(opdef, op) -> None:
    """The attribute's shape: two numbers, lo <= hi."""
    bounds = op.attrs["clamp"]
    if len(bounds) != 2 or not float(bounds[0]) <= float(bounds[1]):
        opdef.fail(op, f"clamp must be [lo, hi] with lo <= hi, got {list(bounds)}")
