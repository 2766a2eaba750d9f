"""Gemm: Y = alpha * op(A) @ op(B) + beta * C, op = optional transpose; C broadcasts."""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.ops.base import OpDef, register


@register
class Gemm(OpDef):
    name = "Gemm"
    constraints = "alpha, beta, trans_a, trans_b, broadcast C. C: constant B and C, lowered to FullyConnected (fuse-linear)"
    attrs = {"alpha": 1.0, "beta": 1.0, "trans_a": 0, "trans_b": 0}
    num_inputs = (2, 3)

    def from_onnx(self, attrs, node, ctx):
        # IR attribute names are snake_case (the .hir grammar's attribute names).
        for onnx_name, ir_name in (("transA", "trans_a"), ("transB", "trans_b")):
            if onnx_name in attrs:
                attrs[ir_name] = attrs.pop(onnx_name)
        return attrs

    def infer(self, op):
        a, b = op.inputs[0].type, op.inputs[1].type
        if a.rank != 2 or b.rank != 2:
            self.fail(op, f"A {a} and B {b} must be matrices")
        m, k = a.shape[::-1] if op.attrs["trans_a"] else a.shape
        k2, n = b.shape[::-1] if op.attrs["trans_b"] else b.shape
        if k != k2:
            self.fail(op, f"inner dimensions differ: {k} vs {k2}")
        c = op.inputs[2] if len(op.inputs) > 2 else None
        if c is not None:
            try:
                if np.broadcast_shapes(c.type.shape, (m, n)) != (m, n):
                    raise ValueError
            except ValueError:
                self.fail(op, f"C {list(c.type.shape)} does not broadcast to [{m}, {n}]")
        return [TensorType((m, n), a.dtype)]

    def eval(self, op, inputs):
        a, b = inputs[0].astype(np.float64), inputs[1].astype(np.float64)
        c = inputs[2] if len(inputs) > 2 else None
        if op.attrs["trans_a"]:
            a = a.T
        if op.attrs["trans_b"]:
            b = b.T
        y = op.attrs["alpha"] * (a @ b)
        if c is not None:
            y = y + op.attrs["beta"] * c.astype(np.float64)
        return [y.astype(inputs[0].dtype)]
