"""Split along an axis: by the constant `split` input, or into num_outputs near-equal parts.

`num_outputs` is always explicit in the IR (the number of results): ONNX opset 13 gives the
count only through the node's outputs, opset 18 also as an attribute. Without `split`, parts
are ceil(n / num_outputs) long and the last one takes the rest (opset 18 rule; equal to
opset 13's rule whenever that one applies).
"""

from __future__ import annotations

import numpy as np

from hcc.ops.axes import norm_axis, optional_const
from hcc.ops.base import REQUIRED, OpDef, register
from hcc.ops.c_call import RemapEmission


@register
class Split(RemapEmission, OpDef):
    name = "Split"
    constraints = "`split` a constant input, or equal parts. C: one copy per part (hcc_remap)"
    moves_data = True
    quant_output = "same_as_input"
    attrs = {"axis": 0, "num_outputs": REQUIRED}
    num_inputs = (1, 2)
    num_outputs = -1  # variadic: the num_outputs attribute

    def from_onnx(self, attrs, node, ctx):
        attrs["num_outputs"] = len(node.output)
        return attrs

    def sizes(self, op):
        x = op.inputs[0].type
        axis = norm_axis(op, op.attrs["axis"], x.rank)
        n, count = x.shape[axis], op.attrs["num_outputs"]
        split = optional_const(op, 1)
        if split is not None:
            sizes = [int(s) for s in split.reshape(-1)]
            if len(sizes) != count or sum(sizes) != n or min(sizes, default=0) < 0:
                self.fail(op, f"split {sizes} does not cut size {n} into {count} parts")
        else:
            if count < 1:
                self.fail(op, "num_outputs must be >= 1")
            part = -(-n // count)
            sizes = [min(part, max(0, n - part * i)) for i in range(count)]
            if sum(sizes) != n or (count > 1 and sizes[-1] == 0 and n):
                self.fail(op, f"cannot split size {n} into {count} parts")
        return axis, sizes

    def infer(self, op):
        x = op.inputs[0].type
        axis, sizes = self.sizes(op)
        return [x.with_shape(x.shape[:axis] + (s,) + x.shape[axis + 1:]) for s in sizes]

    def eval(self, op, inputs):
        axis, sizes = self.sizes(op)
        return list(np.split(inputs[0], np.cumsum(sizes)[:-1], axis=axis))

    def remaps(self, op, float_build):
        axis, sizes = self.sizes(op)
        shape = op.inputs[0].type.shape
        out, start = [], 0
        for value, size in zip(op.outputs, sizes):
            maps = [np.arange(n) for n in shape]
            maps[axis] = np.arange(start, start + size)
            out.append((value, maps, None))
            start += size
        return out

    def through_transpose(self, op, perm):
        axis = norm_axis(op, op.attrs["axis"], op.inputs[0].type.rank)
        return {**op.attrs, "axis": int(perm[axis])}, {}, [perm] * len(op.outputs)
