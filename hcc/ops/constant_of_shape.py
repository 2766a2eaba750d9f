"""ConstantOfShape: a tensor of the constant shape input, filled with a scalar `value`.

ONNX carries the value as a one-element tensor attribute; the IR keeps it as a number plus
the element type (`dtype`, the IR's short name such as "f32"), so it prints as text.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import DType, TensorType
from hcc.ops.base import OpDef, register


@register
class ConstantOfShape(OpDef):
    name = "ConstantOfShape"
    constraints = "a constant shape input"
    attrs = {"value": 0.0, "dtype": "f32"}

    def from_onnx(self, attrs, node, ctx):
        tensor = attrs.pop("value", None)
        if tensor is not None:
            array = ctx.tensor_array(tensor)
            if array.size != 1:
                ctx.fail("value must hold one element")
            dtype = DType.from_numpy(array.dtype)
            scalar = array.reshape(-1)[0]
            attrs["value"] = float(scalar) if dtype == DType.float32 else int(scalar)
            attrs["dtype"] = dtype.value
        return attrs

    def dtype(self, op) -> DType:
        for d in DType:
            if d.value == op.attrs["dtype"]:
                return d
        self.fail(op, f"unknown dtype '{op.attrs['dtype']}'")

    def infer(self, op):
        shape = tuple(int(d) for d in self.const_input(op, 0).reshape(-1))
        if any(d < 0 for d in shape):
            self.fail(op, f"negative dimension in {list(shape)}")
        return [TensorType(shape, self.dtype(op))]

    def eval(self, op, inputs):
        t = self.infer(op)[0]
        return [np.full(t.shape, op.attrs["value"], dtype=t.dtype.numpy)]
