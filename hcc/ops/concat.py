"""Concat along an axis: every other dimension must agree."""

from __future__ import annotations

import numpy as np

from hcc.ops.axes import norm_axis
from hcc.ops.base import REQUIRED, OpDef, register


@register
class Concat(OpDef):
    name = "Concat"
    attrs = {"axis": REQUIRED}
    onnx_required = {"axis": "int"}
    num_inputs = (1, 1 << 16)

    def infer(self, op):
        types = [v.type for v in op.inputs]
        first = types[0]
        axis = norm_axis(op, op.attrs["axis"], first.rank)
        for t in types[1:]:
            if t.dtype != first.dtype or t.rank != first.rank or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != axis):
                self.fail(op, f"input {t} does not concatenate with {first} on axis {axis}")
        size = sum(t.shape[axis] for t in types)
        return [first.with_shape(first.shape[:axis] + (size,) + first.shape[axis + 1:])]

    def eval(self, op, inputs):
        return [np.concatenate(inputs, axis=op.attrs["axis"])]
