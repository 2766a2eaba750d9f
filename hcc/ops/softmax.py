"""Softmax along one axis (opset 13 semantics: that axis only, not the flattened tail)."""

from __future__ import annotations

import numpy as np

from hcc.ops.axes import norm_axis
from hcc.ops.base import OpDef, register


@register
class Softmax(OpDef):
    name = "Softmax"
    attrs = {"axis": -1}

    def infer(self, op):
        x = op.inputs[0].type
        norm_axis(op, op.attrs["axis"], x.rank)
        return [x]

    def eval(self, op, inputs):
        x = inputs[0].astype(np.float64)
        axis = op.attrs["axis"]
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return [(e / e.sum(axis=axis, keepdims=True)).astype(inputs[0].dtype)]
