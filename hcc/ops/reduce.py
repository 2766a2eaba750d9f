"""Reductions over constant axes: ReduceSum, ReduceMean, ReduceMax.

In the IR the axes are always the optional second input (a constant), as ONNX has them
since opset 13 (ReduceSum) or 18 (the others); older attribute axes become that input at
import. No axes: reduce all axes, or nothing with noop_with_empty_axes.

int8 and C view the input as [outer, n, inner] with n the reduced axes (hcc.kernels.reduce):
a mean (ReduceMean; GlobalAveragePool shares it) or a max (ReduceMax) over the middle one.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ops.axes import norm_axes, optional_const, permuted_axes
from hcc.ops.base import NUMERICS, OpDef, register, tflite_numerics
from hcc.quant.params import scale_zp

_ADJACENT = "int8 and C: the reduced axes adjacent (size-1 axes aside)"


def reduce_view(op, axes) -> tuple[int, int, int]:
    """(outer, n, inner) of reducing op's input over `axes`, or an UnsupportedOpError."""
    from hcc.kernels.reduce import reduce_layout

    try:
        return reduce_layout(op.inputs[0].type.shape, axes)
    except ValueError:
        raise UnsupportedOpError(f"{op.where()}: int8 {op.kind} needs the reduced axes adjacent (size-1 axes aside)") from None


class MeanOverAxes:
    """int8 and C of a mean over `reduced_axes(op)`: one multiplier s_in / (s_out * n)."""

    c_kernels = ("hcc_mean_s8",)
    c_kernels_float = ("hcc_mean_f32",)

    def int8_params(self, op) -> dict:
        from hcc.quant.fixed_point import quantize_multiplier

        outer, n, inner = reduce_view(op, self.reduced_axes(op))
        (s_in, z_in), (s_out, z_out) = scale_zp(op.inputs[0]), scale_zp(op.outputs[0])
        if tflite_numerics(op):  # QuantizedMeanOrSum: the count divided into the multiplier in integers
            from hcc.quant.tflite_numerics import mean_multiplier

            mult, shift = mean_multiplier(s_in, s_out, n)
            return {"outer": outer, "n": n, "inner": inner, "z_in": z_in, "z_out": z_out, "mult": mult, "shift": shift}
        mult, shift = quantize_multiplier(s_in / (s_out * n))
        return {"outer": outer, "n": n, "inner": inner, "z_in": z_in, "z_out": z_out, "mult": mult, "shift": shift}

    def eval_int8(self, op, inputs):
        from hcc.kernels.reduce import mean

        p = self.int8_params(op)
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import multiply_by_quantized_multiplier, saturate, wrap32

            total = wrap32(inputs[0].astype(np.int64).reshape(p["outer"], p["n"], p["inner"]).sum(axis=1) - p["z_in"] * p["n"])
            y = saturate(multiply_by_quantized_multiplier(total, p["mult"], p["shift"]) + p["z_out"]).astype(np.int8)
            return [y.reshape(op.outputs[0].type.shape)]
        y = mean(inputs[0], (p["outer"], p["n"], p["inner"]), p["z_in"], p["z_out"], p["mult"], p["shift"])
        return [y.reshape(op.outputs[0].type.shape)]

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        kernel = "hcc_tflm_mean_s8" if tflite_numerics(op) else "hcc_mean_s8"
        return [f"{kernel}({e.ptr(op.inputs[0])}, {p['outer']}, {p['n']}, {p['inner']}, {p['z_in']}, {p['z_out']}, "
                f"{p['mult']}, {p['shift']}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        outer, n, inner = reduce_view(op, self.reduced_axes(op))
        return [f"hcc_mean_f32({e.ptr(op.inputs[0])}, {outer}, {n}, {inner}, {e.ptr(op.outputs[0])});"]


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

    reduced_axes = axes

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

    def through_transpose(self, op, perm):
        rank = op.inputs[0].type.rank
        axes = self.axes(op)
        if not axes and op.attrs["noop_with_empty_axes"]:
            return dict(op.attrs), {}, [perm]
        moved = sorted(permuted_axes(axes, perm))
        if op.attrs["keepdims"]:
            return dict(op.attrs), {1: np.array(moved, np.int64)}, [perm]
        # Without keepdims the kept axes of x come out in x's order: put them in the old one.
        kept = [perm[i] for i in range(rank) if i not in axes]
        order = sorted(kept)
        out_perm = [order.index(a) for a in kept]
        return dict(op.attrs), {1: np.array(moved, np.int64)}, [None if out_perm == sorted(out_perm) else out_perm]


@register
class ReduceSum(Reduce):
    name = "ReduceSum"
    fn = staticmethod(np.sum)


@register
class ReduceMean(MeanOverAxes, Reduce):
    name = "ReduceMean"
    constraints = f"{Reduce.constraints}. {_ADJACENT}: hcc_mean_s8 (numerics \"tflite\": hcc_tflm_mean_s8)"
    fn = staticmethod(np.mean)
    attrs = {**Reduce.attrs, **NUMERICS}
    c_kernels = ("hcc_mean_s8", "hcc_tflm_mean_s8")


def _max(x, axis, keepdims):
    # The maximum of nothing is the lowest value of the type (ONNX: -inf for floats).
    lowest = False if x.dtype == bool else (-np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    return np.max(x, axis=axis, keepdims=keepdims, initial=lowest)


@register
class ReduceMax(Reduce):
    name = "ReduceMax"
    constraints = f"{Reduce.constraints}. {_ADJACENT}: hcc_reduce_max_s8"
    fn = staticmethod(_max)
    moves_data = True  # int8: the largest code is the code of the largest value
    quant_output = "same_as_input"
    c_kernels = ("hcc_reduce_max_s8",)
    c_kernels_float = ("hcc_reduce_max_f32",)

    def emit_c(self, e, index, op):
        outer, n, inner = reduce_view(op, self.axes(op))
        fn = "hcc_reduce_max_f32" if e.elem == "float" else "hcc_reduce_max_s8"
        return [f"{fn}({e.ptr(op.inputs[0])}, {outer}, {n}, {inner}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        return self.emit_c(e, index, op)
