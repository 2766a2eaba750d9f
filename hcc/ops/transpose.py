"""Transpose by a permutation (default: reverse the axes)."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import copy_bytes


@register
class Transpose(OpDef):
    name = "Transpose"
    moves_data = True
    quant_output = "same_as_input"
    attrs = {"perm": []}

    def perm(self, op):
        rank = op.inputs[0].type.rank
        perm = list(op.attrs["perm"]) or list(range(rank))[::-1]
        if sorted(perm) != list(range(rank)):
            self.fail(op, f"perm {perm} is not a permutation of {rank} axes")
        return perm

    def infer(self, op):
        x = op.inputs[0].type
        return [x.with_shape(x.shape[p] for p in self.perm(op))]

    def eval(self, op, inputs):
        return [np.transpose(inputs[0], self.perm(op))]

    c_kernels = ("hcc_transpose_s8",)
    c_kernels_float = ("hcc_transpose_f32",)
    constraints = "C: at most 4 axes larger than 1"

    def emit_c(self, e, index, op):
        shape, perm = list(op.inputs[0].type.shape), list(self.perm(op))
        keep = [axis for axis, size in enumerate(shape) if size != 1]  # size-1 axes move nothing
        if len(keep) < 2:
            return copy_bytes(e, op)
        renumber = {axis: i for i, axis in enumerate(keep)}
        shape, perm = [shape[a] for a in keep], [renumber[a] for a in perm if a in renumber]
        if len(shape) > 4:
            raise UnsupportedOpError(f"{op.where()}: the C transpose handles up to 4 axes larger than 1")
        dims = e.array(op.name + "_dims", np.array(shape, np.int32))
        perm_name = e.array(op.name + "_perm", np.array(perm, np.int32))
        return [f"hcc_transpose_s8({e.ptr(op.inputs[0])}, {len(shape)}, {dims}, {perm_name}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        return [line.replace("hcc_transpose_s8(", "hcc_transpose_f32(") for line in self.emit_c(e, index, op)]
