"""Reshape (constant target shape; 0 copies a dim unless allowzero, -1 is inferred) and Flatten."""

from __future__ import annotations

import abc

import numpy as np

from hcc.ops.base import OpDef, register
from hcc.ops.c_call import ViewEmission


class ShapeView(ViewEmission, OpDef, abc.ABC):
    """An op that only changes the shape (same data, same order): Reshape, Flatten, Squeeze..."""

    moves_data = True
    quant_output = "same_as_input"  # int8: the same bytes, the same parameters
    alias_input = 0  # the planner gives the result the input's buffer: no copy

    @abc.abstractmethod
    def target(self, op) -> tuple[int, ...]:
        """The result's shape."""

    def infer(self, op):
        return [op.inputs[0].type.with_shape(self.target(op))]

    def eval(self, op, inputs):
        return [inputs[0].reshape(self.target(op))]


@register
class Reshape(ShapeView):
    name = "Reshape"
    constraints = "constant shape input; 0 and -1 rules, allowzero; a view: no copy"
    attrs = {"allowzero": 0}
    num_inputs = (2, 2)

    def target(self, op) -> tuple[int, ...]:
        x = op.inputs[0].type
        spec = [int(d) for d in self.const_input(op, 1).reshape(-1)]
        shape = []
        for i, d in enumerate(spec):
            if d == 0 and not op.attrs["allowzero"]:
                if i >= x.rank:
                    self.fail(op, f"shape {spec} copies dim {i} of a rank-{x.rank} input")
                d = x.shape[i]
            shape.append(d)
        if shape.count(-1) > 1 or any(d < -1 for d in shape):
            self.fail(op, f"invalid target shape {spec}")
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1]))
            if known == 0 or x.numel % known:
                self.fail(op, f"cannot reshape {list(x.shape)} to {spec}")
            shape[shape.index(-1)] = x.numel // known
        if int(np.prod(shape)) != x.numel:
            self.fail(op, f"cannot reshape {list(x.shape)} ({x.numel} elements) to {spec}")
        return tuple(shape)


@register
class Flatten(ShapeView):
    name = "Flatten"
    constraints = "a view: no copy"
    attrs = {"axis": 1}

    def target(self, op):
        x = op.inputs[0].type
        axis = op.attrs["axis"]
        if not -x.rank <= axis <= x.rank:
            self.fail(op, f"axis {axis} is out of range for rank {x.rank}")
        axis = axis + x.rank if axis < 0 else axis
        return (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
