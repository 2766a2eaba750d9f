"""Where: elementwise select `x` where `cond` is true, else `y`; the three broadcast."""

from __future__ import annotations

import numpy as np

from hcc.errors import IRVerifyError
from hcc.ir.types import DType, TensorType
from hcc.ops.base import OpDef, register


@register
class Where(OpDef):
    name = "Where"
    num_inputs = (3, 3)

    def infer(self, op):
        cond, x, y = (v.type for v in op.inputs)
        if cond.dtype != DType.bool:
            self.fail(op, f"condition must be bool, got {cond.dtype.value}")
        if x.dtype != y.dtype:
            self.fail(op, f"branch dtypes differ ({x.dtype.value} vs {y.dtype.value})")
        try:
            shape = np.broadcast_shapes(cond.shape, x.shape, y.shape)
        except ValueError:
            raise IRVerifyError(f"{op.where()}: shapes {list(cond.shape)}, {list(x.shape)}, {list(y.shape)} do not broadcast") from None
        return [TensorType(tuple(shape), x.dtype)]

    def eval(self, op, inputs):
        cond, x, y = inputs
        return [np.where(cond, x, y).astype(x.dtype)]
