"""Sliding-window helpers shared by Conv and the pools (no op here).

Spatial attributes are explicit in the IR: `pads` is [begin..., end...] as in ONNX;
`auto_pad` is resolved into `pads` at import time, when the input shape is known.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from hcc.kernels.conv2d import conv_output_size
from hcc.ops.base import OpDef

# ONNX attribute kinds of Conv and the pools (checked by the importer before from_onnx).
WINDOW_ATTR_KINDS = {"kernel_shape": "ints", "pads": "ints", "strides": "ints", "dilations": "ints", "auto_pad": "string"}


def resolve_auto_pad(attrs: dict, ctx, spatial: tuple[int, ...], kernel: tuple[int, ...]) -> dict:
    """Replace ONNX `auto_pad` by explicit `pads` (ONNX's SAME_UPPER/SAME_LOWER/VALID rules)."""
    mode = attrs.pop("auto_pad", "NOTSET")
    if isinstance(mode, bytes):
        mode = mode.decode()
    n = len(spatial)
    strides = list(attrs.get("strides") or [1] * n)
    dilations = list(attrs.get("dilations") or [1] * n)
    if mode == "NOTSET":
        return attrs
    if mode == "VALID":
        attrs["pads"] = [0] * (2 * n)
    elif mode in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for size, k, s, d in zip(spatial, kernel, strides, dilations):
            out = math.ceil(size / s)
            total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
            small, big = total // 2, total - total // 2
            begin.append(small if mode == "SAME_UPPER" else big)
            end.append(big if mode == "SAME_UPPER" else small)
        attrs["pads"] = begin + end
    else:
        ctx.unsupported(f"auto_pad '{mode}' is not supported")
    return attrs


def fill_spatial(attrs: dict, n: int) -> dict:
    """Make pads/strides/dilations explicit for `n` spatial dims (ONNX defaults: 0, 1, 1)."""
    attrs["pads"] = list(attrs.get("pads") or [0] * (2 * n))
    attrs["strides"] = list(attrs.get("strides") or [1] * n)
    attrs["dilations"] = list(attrs.get("dilations") or [1] * n)
    return attrs


def output_spatial(op, spatial, kernel, attrs, ceil_mode: bool = False) -> tuple[int, ...]:
    """Output sizes of a window op; checks the attribute lengths against the rank."""
    n = len(spatial)
    pads, strides, dilations = attrs["pads"], attrs["strides"], attrs["dilations"]
    if len(pads) != 2 * n or len(strides) != n or len(dilations) != n or len(kernel) != n:
        OpDef.fail(op, f"pads/strides/dilations/kernel do not match {n} spatial dims")
    out = []
    for i, (size, k, s, d) in enumerate(zip(spatial, kernel, strides, dilations)):
        if size + pads[i] + pads[i + n] - (k - 1) * d - 1 < 0 or s < 1 or d < 1:
            OpDef.fail(op, f"window of {k} (dilation {d}) does not fit spatial size {size} with pads")
        out.append(conv_output_size(size, k, s, pads[i], pads[i + n], d, ceil_mode))
    return tuple(out)


def pad_spatial(x: np.ndarray, pads, out_spatial, kernel, strides, dilations, fill) -> np.ndarray:
    """Pad the spatial dims (the trailing ones) with `fill`, plus any extra the windows need."""
    n = len(kernel)
    widths = [(0, 0)] * (x.ndim - n)
    for i in range(n):
        need = (out_spatial[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1
        end = max(pads[i + n], need - x.shape[x.ndim - n + i] - pads[i])
        widths.append((pads[i], end))
    return np.pad(x, widths, constant_values=fill)


def windows(xp: np.ndarray, out_spatial, kernel, strides, dilations):
    """For each kernel offset: (offset, view of xp with the trailing dims = output positions)."""
    n = len(kernel)
    for offset in itertools.product(*(range(k) for k in kernel)):
        index = [slice(None)] * (xp.ndim - n)
        for i, k in enumerate(offset):
            start = k * dilations[i]
            index.append(slice(start, start + (out_spatial[i] - 1) * strides[i] + 1, strides[i]))
        yield offset, xp[tuple(index)]
