"""Transpose by a permutation (default: reverse the axes)."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import copy_bytes


@register
class Transpose(OpDef):
    name = "Transpose"
    moves_data = True
    quant_output = "same_as_input"
    # in_place = 1 (the pass inplace-transpose): a 2-D block transpose (a rotation of the axes
    # larger than 1, e.g. NCHW <-> NHWC with batch 1) may permute its input's bytes where they
    # are, following cycles, instead of writing a second copy of the tensor.
    attrs = {"perm": []}
    annotations = {"in_place": 0}

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

    def matrix(self, op) -> tuple[int, int] | None:
        """(rows, cols) when the transpose turns a [rows, cols] matrix into [cols, rows]: the
        kept (size > 1) axes are rotated, as a layout change does. None otherwise."""
        shape, perm = list(op.inputs[0].type.shape), list(self.perm(op))
        keep = [axis for axis, size in enumerate(shape) if size != 1]
        order = [axis for axis in perm if axis in keep]
        for k in range(1, len(keep)):
            if order == keep[k:] + keep[:k]:
                return int(np.prod([shape[a] for a in keep[:k]])), int(np.prod([shape[a] for a in keep[k:]]))
        return None

    def in_place(self, op) -> bool:
        return bool(op.attrs.get("in_place", 0)) and op.inputs[0].type.dtype == DType.int8 and self.matrix(op) is not None

    def inplace_input_of(self, op) -> int | None:
        return 0 if self.in_place(op) else None

    def scratch_bytes(self, op) -> int:
        """In place: one bit per element (hcc_transpose_inplace_s8_scratch_size)."""
        return (op.inputs[0].type.numel + 7) // 8 if self.in_place(op) else 0

    c_kernels = ("hcc_transpose_s8", "hcc_transpose_inplace_s8")
    c_kernels_float = ("hcc_transpose_f32",)
    constraints = "C: at most 4 axes larger than 1"

    def emit_c(self, e, index, op):
        src, dst = e.ptr(op.inputs[0]), e.ptr(op.outputs[0])
        if self.in_place(op) and src == dst:  # the planner gave both one buffer
            rows, cols = self.matrix(op)
            return [f"HCC_CHECK_SCRATCH(hcc_transpose_inplace_s8_scratch_size({rows}, {cols}), {self.scratch_bytes(op)});",
                    f"hcc_transpose_inplace_s8({dst}, {rows}, {cols}, (uint8_t *){e.scratch(index)});"]
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

    def emit_c_float(self, e, index, op):  # in_place is int8 only
        return [line.replace("hcc_transpose_s8(", "hcc_transpose_f32(") for line in self.emit_c(e, index, op)]
