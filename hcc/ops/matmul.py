"""MatMul with numpy semantics: 1-d operands promoted and squeezed, batch dims broadcast."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.ops.base import OpDef, register
from hcc.ops.elementwise import broadcast_shape


@register
class MatMul(OpDef):
    name = "MatMul"
    num_inputs = (2, 2)

    def infer(self, op):
        a, b = op.inputs[0].type, op.inputs[1].type
        if a.dtype != b.dtype:
            self.fail(op, f"input dtypes differ ({a.dtype.value} vs {b.dtype.value})")
        if a.rank == 0 or b.rank == 0:
            self.fail(op, "operands must have rank >= 1")
        sa = (1,) + a.shape if a.rank == 1 else a.shape
        sb = b.shape + (1,) if b.rank == 1 else b.shape
        if sa[-1] != sb[-2]:
            self.fail(op, f"inner dimensions differ: {list(a.shape)} @ {list(b.shape)}")
        shape = broadcast_shape(op, sa[:-2], sb[:-2]) + (sa[-2], sb[-1])
        if a.rank == 1:
            shape = shape[:-2] + shape[-1:]
        if b.rank == 1:
            shape = shape[:-1]
        return [TensorType(shape, a.dtype)]

    def eval(self, op, inputs):
        a, b = inputs
        if np.issubdtype(a.dtype, np.floating):
            return [np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)]
        return [np.matmul(a, b)]
