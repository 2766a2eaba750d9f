"""Clip to [min, max]; both bounds are optional scalar inputs (opset 11+)."""

from __future__ import annotations

import numpy as np

from hcc.ops.base import OpDef, register


@register
class Clip(OpDef):
    name = "Clip"
    constraints = "min and max optional constant scalar inputs"
    num_inputs = (1, 3)

    def infer(self, op):
        x = op.inputs[0].type
        for v in op.inputs[1:]:
            if v is not None and (v.type.numel != 1 or v.type.dtype != x.dtype):
                self.fail(op, f"bound {v.type} must be a scalar of type {x.dtype.value}")
        return [x]

    def eval(self, op, inputs):
        y = inputs[0]
        lo = inputs[1] if len(inputs) > 1 else None
        hi = inputs[2] if len(inputs) > 2 else None
        if lo is not None:
            y = np.maximum(y, lo.reshape(()))
        if hi is not None:
            y = np.minimum(y, hi.reshape(()))
        return [np.asarray(y, dtype=inputs[0].dtype)]
