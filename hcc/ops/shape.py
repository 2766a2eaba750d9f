"""Shape: the input's (static) shape as an i64 vector, sliced by start/end (Python rules).

`end` is explicit in the IR (the importer fills in the rank when ONNX omits it)."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import DType, TensorType
from hcc.ops.base import REQUIRED, OpDef, register


@register
class Shape(OpDef):
    name = "Shape"
    constraints = "start and end"
    attrs = {"start": 0, "end": REQUIRED}
    reads_types_only = True  # a constant under static shapes: the importer folds it

    def from_onnx(self, attrs, node, ctx):
        attrs.setdefault("end", ctx.inputs[0].type.rank)
        return attrs

    def dims(self, op):
        return op.inputs[0].type.shape[op.attrs["start"]: op.attrs["end"]]

    def infer(self, op):
        return [TensorType((len(self.dims(op)),), DType.int64)]

    def eval(self, op, inputs):
        return [np.array(self.dims(op), dtype=np.int64)]
