"""Pad with constant pads (and optional axes) inputs; modes constant, reflect, edge, wrap.
Negative pads crop."""

from __future__ import annotations

import numpy as np

from hcc.ops.axes import norm_axes, optional_const
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import RemapEmission
from hcc.quant.params import scale_zp

_NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}


def source_index(i: np.ndarray, n: int, mode: str) -> np.ndarray:
    """The input index that padded index i (i < 0 or >= n outside the input) reads; -1: the
    constant. np.pad's rules (reflect mirrors without repeating the edge)."""
    if mode == "constant":
        return np.where((i >= 0) & (i < n), i, -1)
    if mode == "edge":
        return np.clip(i, 0, n - 1)
    if mode == "wrap":
        return np.mod(i, n)
    if n == 1:  # reflect
        return np.zeros_like(i)
    j = np.mod(i, 2 * n - 2)
    return np.where(j >= n, 2 * n - 2 - j, j)


@register
class Pad(RemapEmission, OpDef):
    name = "Pad"
    constraints = ("constant pads (and axes) inputs; constant, reflect, edge, wrap; negative pads crop. "
                   "int8: the constant rounded onto the input's grid (0 is exact). C: hcc_remap")
    attrs = {"mode": "constant"}
    num_inputs = (2, 4)
    moves_data = True
    quant_output = "same_as_input"  # int8: the input's codes, and the constant on their grid
    float_inputs = (2,)  # the constant: quantized onto the input's grid by int8_params

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
            if op.attrs["mode"] != "constant" and n == 0 and a + b > 0:
                self.fail(op, f"mode '{op.attrs['mode']}' cannot pad an empty axis")
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

    def fill(self, op) -> float:
        value = op.inputs[2] if len(op.inputs) > 2 else None
        return 0.0 if value is None else float(self.const_input(op, 2).reshape(()))

    def int8_params(self, op) -> dict:
        from hcc.quant.lut import round_half_away

        s, z = scale_zp(op.inputs[0])
        return {"fill": int(np.clip(round_half_away(self.fill(op) / s) + z, -128, 127))}

    def eval_int8(self, op, inputs):
        fill = np.array(self.int8_params(op)["fill"], np.int8)
        return self.eval(op, [inputs[0], inputs[1], fill] + list(inputs[3:]))

    def remaps(self, op, float_build):
        mode = op.attrs["mode"]
        maps = [source_index(np.arange(-a, n + b), n, mode) for n, (a, b) in zip(op.inputs[0].type.shape, self.widths(op))]
        fill = None
        if mode == "constant" and any(np.any(m < 0) for m in maps):
            fill = self.fill(op) if float_build else self.int8_params(op)["fill"]
        return [(op.outputs[0], maps, fill)]

    def through_transpose(self, op, perm):
        widths = self.widths(op)
        moved = [(0, 0)] * len(widths)
        for i, w in enumerate(widths):
            moved[perm[i]] = w
        pads = np.array([a for a, _ in moved] + [b for _, b in moved], np.int64)
        return dict(op.attrs), {1: pads, 3: None}, [perm]
