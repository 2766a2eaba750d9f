"""Clip to [min, max]; both bounds are optional scalar inputs (opset 11+).

int8: a Clip that follows a conv or fully connected op becomes that op's clamp (passes
fuse-conv-block and fuse-activation); one that is left (nothing to fuse into) is a
256-entry table from its input's to its output's quantization (hcc_lut_s8), which is the
clamp of the codes when the two coincide. Its bounds stay float through quantization.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.base import register
from hcc.ops.c_call import c_float_bound
from hcc.ops.clamp import activation_bounds, apply_clamp
from hcc.ops.elementwise import UnaryOp


@register
class Clip(UnaryOp):
    name = "Clip"
    constraints = "min and max optional scalar inputs; int8 and C: constant bounds (fused into the conv / fully connected op before it, else a table)"
    num_inputs = (1, 3)
    float_inputs = (1, 2)  # the bounds: compile-time constants of the table or of the fused clamp
    lookup_table = True
    float_unary = "HCC_UNARY_CLIP"

    def infer(self, op):
        x = op.inputs[0].type
        bound_dtypes = {x.dtype, DType.float32} if x.quant is not None else {x.dtype}
        for v in op.inputs[1:]:
            if v is not None and (v.type.numel != 1 or v.type.dtype not in bound_dtypes):
                self.fail(op, f"bound {v.type} must be a scalar of type {x.dtype.value}")
        return [x.with_dtype(x.dtype)]

    def bounds(self, op) -> tuple[float, float]:
        found = activation_bounds(op)
        if found is None:
            raise UnsupportedOpError(f"{op.where()}: int8 and C Clip need constant bounds with min <= max")
        return found

    def function(self, op):
        bounds = self.bounds(op)
        return lambda x: apply_clamp(x, bounds)

    def eval(self, op, inputs):
        y = inputs[0]
        lo = inputs[1] if len(inputs) > 1 else None
        hi = inputs[2] if len(inputs) > 2 else None
        if lo is not None:
            y = np.maximum(y, lo.reshape(()))
        if hi is not None:
            y = np.minimum(y, hi.reshape(()))
        return [np.asarray(y, dtype=inputs[0].dtype)]

    def emit_c_float(self, e, index, op):
        lo, hi = (c_float_bound(b) for b in self.bounds(op))
        x, n, y = e.ptr(op.inputs[0]), op.outputs[0].type.numel, e.ptr(op.outputs[0])
        return [f"hcc_unary_param_f32({self.float_unary}, {lo}, {hi}, {x}, {n}, {y});"]

    c_kernels_float = ("hcc_unary_param_f32",)
