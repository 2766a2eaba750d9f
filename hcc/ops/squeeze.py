"""Squeeze and Unsqueeze with the axes as an (optional, constant) input, as in opset 13+."""

from __future__ import annotations

from hcc.ops.axes import norm_axes, optional_const
from hcc.ops.base import register
from hcc.ops.reshape import ShapeView


@register
class Squeeze(ShapeView):
    name = "Squeeze"
    constraints = "axes a constant input; a view: no copy"
    num_inputs = (1, 2)

    def target(self, op):
        x = op.inputs[0].type
        axes = optional_const(op, 1)
        if axes is None:
            return tuple(d for d in x.shape if d != 1)
        axes = norm_axes(op, axes.reshape(-1), x.rank)
        for a in axes:
            if x.shape[a] != 1:
                self.fail(op, f"cannot squeeze axis {a} of size {x.shape[a]}")
        return tuple(d for i, d in enumerate(x.shape) if i not in axes)


@register
class Unsqueeze(ShapeView):
    name = "Unsqueeze"
    constraints = "axes a constant input; a view: no copy"
    num_inputs = (2, 2)

    def target(self, op):
        x = op.inputs[0].type
        axes = self.const_input(op, 1).reshape(-1)
        rank = x.rank + len(axes)
        axes = norm_axes(op, axes, rank)
        dims = iter(x.shape)
        return tuple(1 if i in axes else next(dims) for i in range(rank))
