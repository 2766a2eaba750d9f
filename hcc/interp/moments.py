"""The input statistics GPTQ needs (hcc/quant/gptq.py): per Conv / FullyConnected layer, the sum
of x x^T (and of x) over the input vectors its weight rows multiply, on the calibration samples."""

from __future__ import annotations

import numpy as np

POSITIONS = 512  # a conv's output positions (patches) per calibration sample that H sums over, drawn at random


def conv_patches(op, x: np.ndarray) -> np.ndarray:
    """[positions, group, cin_g * taps]: the input vector each output position of the Conv `op`
    multiplies by a weight row (OIHW rows flattened: input channel, then kernel taps), zero padding
    included."""
    from hcc.ops.layout import is_nhwc
    from hcc.ops.window import output_spatial, pad_spatial, windows

    a = op.attrs
    kernel = tuple(op.inputs[1].type.shape[2:])
    xc = np.moveaxis(np.asarray(x, np.float64), -1, 1) if is_nhwc(op) else np.asarray(x, np.float64)  # [n, C, *sp]
    out = output_spatial(op, xc.shape[2:], kernel, a)
    xp = pad_spatial(xc, a["pads"], out, kernel, a["strides"], a["dilations"], 0.0)
    taps = np.stack([view for _, view in windows(xp, out, kernel, a["strides"], a["dilations"])], axis=2)
    n, c, t = taps.shape[:3]
    taps = np.moveaxis(taps.reshape(n, c, t, -1), 3, 1).reshape(-1, c, t)  # [positions, C, taps]
    group = a["group"]
    return taps.reshape(-1, group, (c // group) * t)


class InputMoments:
    """The sums of x x^T (and of x) over the input vectors a Conv or FullyConnected layer multiplies
    by its weight rows, per group, on the calibration samples (a conv's patches: at most POSITIONS
    output positions per sample, drawn at random)."""

    def __init__(self, op):
        w = op.inputs[1].type.shape
        self.kind = op.kind
        self.group = op.attrs.get("group", 1) if op.kind == "Conv" else 1
        self.k = int(np.prod(w[1:]))
        self.h = np.zeros((self.group, self.k, self.k))
        self.sum = np.zeros((self.group, self.k))
        self.count = 0
        self.rng = np.random.default_rng(0)

    def add(self, op, x: np.ndarray):
        patches = conv_patches(op, x) if self.kind == "Conv" else np.asarray(x, np.float64)
        patches = patches.reshape(-1, self.group, self.k)
        if patches.shape[0] > POSITIONS:
            patches = patches[self.rng.choice(patches.shape[0], POSITIONS, replace=False)]
        self.h += np.einsum("ngi,ngj->gij", patches, patches)
        self.sum += patches.sum(axis=0)
        self.count += patches.shape[0]

    def mean(self) -> np.ndarray:
        """[group, k]: the mean input vector (bias correction of any weights: their error times it)."""
        return self.sum / max(self.count, 1)
