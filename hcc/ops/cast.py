"""Cast to another element type. `to` is the IR dtype's short name ("f32", "i64", ...)."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.base import REQUIRED, OpDef, register


@register
class Cast(OpDef):
    name = "Cast"
    constraints = "float to int truncates"
    attrs = {"to": REQUIRED}
    onnx_required = {"to": "int"}

    def from_onnx(self, attrs, node, ctx):
        attrs.pop("saturate", None)  # only meaningful for float8 targets, which hcc refuses
        attrs["to"] = ctx.ir_dtype(attrs["to"]).value
        return attrs

    def dtype(self, op) -> DType:
        for d in DType:
            if d.value == op.attrs["to"]:
                return d
        raise UnsupportedOpError(f"{op.where()}: unknown dtype '{op.attrs['to']}'")

    def infer(self, op):
        return [op.inputs[0].type.with_dtype(self.dtype(op))]

    def eval(self, op, inputs):
        x, to = inputs[0], self.dtype(op).numpy
        if np.issubdtype(x.dtype, np.floating) and np.issubdtype(to, np.integer):
            x = np.trunc(x)  # float -> int truncates toward zero
        return [x.astype(to)]
