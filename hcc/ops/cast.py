"""Cast to another element type. `to` is the IR dtype's short name ("f32", "i64", ...).
CastLike imports as the Cast to its second input's type (a Cast to the input's own type is
dropped by the drop-noop-casts pass)."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.base import REQUIRED, OpDef, register


@register
class Cast(OpDef):
    name = "Cast"
    constraints = "float to int truncates; CastLike as the Cast to its second input's type (to the same type: dropped)"
    onnx_names = ("Cast", "CastLike")
    attrs = {"to": REQUIRED}
    onnx_optional = {"to": "int"}  # required by Cast; CastLike takes the type from its second input
    num_inputs = (1, 2)

    def from_onnx(self, attrs, node, ctx):
        attrs.pop("saturate", None)  # only meaningful for float8 targets, which hcc refuses
        if node.op_type == "CastLike":
            if len(ctx.inputs) != 2:
                ctx.fail("CastLike takes 2 inputs")
            attrs["to"] = ctx.inputs[1].type.dtype.value
            del ctx.inputs[1:]
        elif "to" not in attrs:
            ctx.fail("missing required attribute 'to'")
        else:
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
