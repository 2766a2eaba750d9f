"""Gather: take entries of `data` along `axis` at the (possibly negative) indices."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import DType
from hcc.ops.axes import norm_axis
from hcc.ops.base import OpDef, register


@register
class Gather(OpDef):
    name = "Gather"
    attrs = {"axis": 0}
    quant_output = "same_as_input"
    moves_data = True  # picks elements: the int8 codes move unchanged
    num_inputs = (2, 2)

    def infer(self, op):
        x, idx = op.inputs[0].type, op.inputs[1].type
        if idx.dtype not in (DType.int32, DType.int64):
            self.fail(op, f"indices must be i32 or i64, got {idx.dtype.value}")
        axis = norm_axis(op, op.attrs["axis"], x.rank)
        return [x.with_shape(x.shape[:axis] + idx.shape + x.shape[axis + 1:])]

    def eval(self, op, inputs):
        x, idx = inputs
        axis = norm_axis(op, op.attrs["axis"], x.ndim)
        n = x.shape[axis]
        if np.any((idx < -n) | (idx >= n)):
            self.fail(op, f"index out of range for size {n}")
        return [np.take(x, np.where(idx < 0, idx + n, idx), axis=axis)]
