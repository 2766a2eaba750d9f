"""Gather: take entries of `data` along `axis` at the (possibly negative) indices."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.axes import norm_axis
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import copy_bytes


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

    c_kernels = c_kernels_float = ("memmove",)
    constraints = "C: one constant index on an axis with only size-1 axes before it"

    def emit_c(self, e, index, op):
        """A constant scalar index on an axis with only size-1 axes before it: one contiguous block."""
        x, idx = op.inputs[0].type, op.inputs[1]
        axis = op.attrs["axis"] % x.rank
        if idx.const is None or idx.const.size != 1 or int(np.prod(x.shape[:axis])) != 1:
            raise UnsupportedOpError(f"{op.where()}: the C backend gathers one constant index on a leading axis only")
        i = int(np.ravel(idx.const)[0]) % x.shape[axis]
        return copy_bytes(e, op, i * int(np.prod(x.shape[axis + 1:])))

    emit_c_float = emit_c  # the same block: float pointers count elements

    def eval(self, op, inputs):
        x, idx = inputs
        axis = norm_axis(op, op.attrs["axis"], x.ndim)
        n = x.shape[axis]
        if np.any((idx < -n) | (idx >= n)):
            self.fail(op, f"index out of range for size {n}")
        return [np.take(x, np.where(idx < 0, idx + n, idx), axis=axis)]
