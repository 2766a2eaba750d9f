"""Reductions over constant axes: ReduceSum, ReduceMean, ReduceMax.

In the IR the axes are always the optional second input (a constant), as ONNX has them
since opset 13 (ReduceSum) or 18 (the others); older attribute axes become that input at
import. No axes: reduce all axes, or nothing with noop_with_empty_axes.
"""

from __future__ import annotations

import numpy as np

from hcc.ops.axes import norm_axes, optional_const
from hcc.ops.base import OpDef, register


class Reduce(OpDef):
    attrs = {"keepdims": 1, "noop_with_empty_axes": 0}
    constraints = "axes a constant input (older opsets' attribute converted); keepdims, noop_with_empty_axes"
    num_inputs = (1, 2)
    fn = None

    def from_onnx(self, attrs, node, ctx):
        if "axes" in attrs:  # pre-opset-18 form
            ctx.inputs[1:] = [ctx.add_const(f"{node.output[0]}.axes", np.array(attrs.pop("axes"), dtype=np.int64))]
        return attrs

    def axes(self, op):
        rank = op.inputs[0].type.rank
        axes = optional_const(op, 1)
        if axes is None or axes.size == 0:
            return [] if op.attrs["noop_with_empty_axes"] else list(range(rank))
        return norm_axes(op, axes.reshape(-1), rank)

    def infer(self, op):
        x = op.inputs[0].type
        axes = self.axes(op)
        if op.attrs["keepdims"]:
            shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return [x.with_shape(shape)]

    def eval(self, op, inputs):
        x = inputs[0]
        axes = tuple(self.axes(op))
        if not axes:
            return [x.copy()]
        wide = x.astype(np.float64) if np.issubdtype(x.dtype, np.floating) else x
        return [np.asarray(type(self).fn(wide, axis=axes, keepdims=bool(op.attrs["keepdims"]))).astype(x.dtype)]


@register
class ReduceSum(Reduce):
    name = "ReduceSum"
    fn = staticmethod(np.sum)


@register
class ReduceMean(Reduce):
    name = "ReduceMean"
    fn = staticmethod(np.mean)


def _max(x, axis, keepdims):
    # The maximum of nothing is the lowest value of the type (ONNX: -inf for floats).
    lowest = False if x.dtype == bool else (-np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    return np.max(x, axis=axis, keepdims=keepdims, initial=lowest)


@register
class ReduceMax(Reduce):
    name = "ReduceMax"
    fn = staticmethod(_max)
