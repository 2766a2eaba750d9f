"""Pad with constant pads (and optional axes) inputs; modes constant, reflect, edge, wrap.
Negative pads crop."""

from __future__ import annotations

import numpy as np

from hcc.ops.axes import norm_axes, optional_const
from hcc.ops.base import OpDef, register

_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}


@register
class Pad(OpDef):
    name = "Pad"
    constraints = "constant pads (and axes) inputs; constant, reflect, edge, wrap; negative pads crop"
    attrs = {"mode": "constant"}
    num_inputs = (2, 4)

    def widths(self, op) -> list[tuple[int, int]]:
        x = op.inputs[0].type
        if op.attrs["mode"] not in _NUMPY_MODE:
            self.fail(op, f"unknown mode '{op.attrs['mode']}'")
        pads = [int(p) for p in self.const_input(op, 1).reshape(-1)]
        axes = optional_const(op, 3)
        axes = list(range(x.rank)) if axes is None else norm_axes(op, axes.reshape(-1), x.rank)
        if len(pads) != 2 * len(axes):
            self.fail(op, f"pads {pads} do not match {len(axes)} axes")
        widths = [(0, 0)] * x.rank
        for i, axis in enumerate(axes):
            widths[axis] = (pads[i], pads[i + len(axes)])
        for n, (a, b) in zip(x.shape, widths):
            if n + a + b < 0:
                self.fail(op, f"pads {pads} crop more than the input {list(x.shape)}")
        return widths

    def infer(self, op):
        x = op.inputs[0].type
        return [x.with_shape(n + a + b for n, (a, b) in zip(x.shape, self.widths(op)))]

    def eval(self, op, inputs):
        x = inputs[0]
        widths = self.widths(op)
        grow = [(max(a, 0), max(b, 0)) for a, b in widths]
        mode = _NUMPY_MODE[op.attrs["mode"]]
        if mode == "constant":
            fill = inputs[2].reshape(()) if len(inputs) > 2 and inputs[2] is not None else 0
            y = np.pad(x, grow, mode="constant", constant_values=fill)
        else:
            y = np.pad(x, grow, mode=mode)
        crop = tuple(slice(-min(a, 0), y.shape[i] + min(b, 0)) for i, (a, b) in enumerate(widths))
        return [np.ascontiguousarray(y[crop]).astype(x.dtype)]
