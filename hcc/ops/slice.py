"""Slice with constant starts/ends/axes/steps inputs; negative indices count from the end and
out-of-range ones are clamped, as in ONNX (and Python slicing)."""

from __future__ import annotations

import numpy as np

from hcc.ops.axes import norm_axes, optional_const, permuted_axes
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import RemapEmission


@register
class Slice(RemapEmission, OpDef):
    name = "Slice"
    constraints = "constant starts, ends, axes, steps; negative and clamped indices. C: a copy along index maps (hcc_remap)"
    moves_data = True
    quant_output = "same_as_input"
    num_inputs = (3, 5)

    def slices(self, op) -> tuple[slice, ...]:
        x = op.inputs[0].type
        starts = self.const_input(op, 1).reshape(-1)
        ends = self.const_input(op, 2).reshape(-1)
        axes = optional_const(op, 3)
        steps = optional_const(op, 4)
        axes = norm_axes(op, range(len(starts)) if axes is None else axes.reshape(-1), x.rank)
        steps = [1] * len(starts) if steps is None else steps.reshape(-1)
        if not len(starts) == len(ends) == len(axes) == len(steps):
            self.fail(op, "starts, ends, axes and steps differ in length")
        index = [slice(None)] * x.rank
        for axis, start, end, step in zip(axes, starts, ends, steps):
            if step == 0:
                self.fail(op, "step 0")
            # Clamp huge sentinels (INT64_MAX/MIN) so that slice() keeps Python's rules.
            n = x.shape[axis]
            start, end = (int(np.clip(v, -n - 1, n + 1)) for v in (start, end))
            index[axis] = slice(start, end, int(step))
        return tuple(index)

    def infer(self, op):
        x = op.inputs[0].type
        shape = tuple(len(range(*s.indices(n))) for s, n in zip(self.slices(op), x.shape))
        return [x.with_shape(shape)]

    def eval(self, op, inputs):
        return [np.ascontiguousarray(inputs[0][self.slices(op)])]

    def remaps(self, op, float_build):
        maps = [np.arange(n)[s] for s, n in zip(self.slices(op), op.inputs[0].type.shape)]
        return [(op.outputs[0], maps, None)]

    def through_transpose(self, op, perm):
        axes = optional_const(op, 3)
        axes = range(len(self.const_input(op, 1).reshape(-1))) if axes is None else axes.reshape(-1)
        rank = op.inputs[0].type.rank
        new = permuted_axes(norm_axes(op, axes, rank), perm)
        return dict(op.attrs), {3: np.array(new, np.int64)}, [perm]
