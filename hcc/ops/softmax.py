"""Softmax along one axis (opset 13 semantics: that axis only, not the flattened tail)."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import QuantParams
from hcc.ops.axes import norm_axis
from hcc.quant.params import scale_zp
from hcc.ops.base import NUMERICS, OpDef, register, tflite_numerics


def _around_axis(op) -> tuple[int, int, int]:
    """(outer, n, inner): the input as [outer, n, inner] with the softmax axis in the middle."""
    x = op.inputs[0].type
    axis = norm_axis(op, op.attrs["axis"], x.rank)
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    return outer, x.shape[axis], int(np.prod(x.shape[axis + 1:], dtype=np.int64))


@register
class Softmax(OpDef):
    name = "Softmax"
    constraints = ("one axis (opset 13 semantics). int8 output at scale 1/256, zero point -128; sink-transposes "
                   "moves an NCHW softmax to the channels-last axis")
    attrs = {"axis": -1, **NUMERICS}
    # int8 output is a probability in [0, 1): the kernel writes round(256 p) - 128.
    quant_output = "fixed"
    fixed_quant = QuantParams((1.0 / 256.0,), (-128,))

    def int8_params(self, op) -> dict:
        from hcc.quant.lut import build_softmax_exp_table

        outer, n, inner = _around_axis(op)
        s_x, _ = scale_zp(op.inputs[0])
        if tflite_numerics(op):  # TFLM: beta 1, Q0.31 exp table, exp sum in Q12.19
            from hcc.quant.tflite_numerics import softmax_exp_table, softmax_params

            mult, shift, diff_min = softmax_params(s_x, 1.0)
            return {"outer": outer, "n": n, "inner": inner, "mult": mult, "shift": shift, "diff_min": diff_min,
                    "exp_table": softmax_exp_table(mult, shift, diff_min)}
        return {"outer": outer, "n": n, "inner": inner, "exp_table": build_softmax_exp_table(s_x)}

    def eval_int8(self, op, inputs):
        from hcc.kernels.softmax import softmax

        axis = norm_axis(op, op.attrs["axis"], op.inputs[0].type.rank)
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import softmax_int8

            p = self.int8_params(op)
            y = softmax_int8(np.moveaxis(inputs[0], axis, -1), p["mult"], p["shift"], p["diff_min"])
            return [np.moveaxis(y, -1, axis)]
        return [np.asarray(softmax(inputs[0], self.int8_params(op)["exp_table"], axis), np.int8)]

    c_kernels = ("hcc_softmax_s8", "hcc_softmax_axis_s8", "hcc_tflm_softmax_s8")
    c_kernels_float = ("hcc_softmax_f32", "hcc_softmax_axis_f32")

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        if tflite_numerics(op):
            if p["inner"] != 1:
                raise UnsupportedOpError(f"{op.where()}: the TFLite-numerics softmax works along the last axis only")
            table = e.array(op.name + "_exp", p["exp_table"], np.int32)
            return [f"hcc_tflm_softmax_s8({e.ptr(op.inputs[0])}, {p['outer']}, {p['n']}, {table}, {p['diff_min']}, "
                    f"{e.ptr(op.outputs[0])});"]
        table = e.array(op.name + "_exp", p["exp_table"], np.uint16)
        x, y = e.ptr(op.inputs[0]), e.ptr(op.outputs[0])
        if p["inner"] == 1:
            return [f"hcc_softmax_s8({x}, {p['outer']}, {p['n']}, {table}, {y});"]
        return [f"hcc_softmax_axis_s8({x}, {p['outer']}, {p['n']}, {p['inner']}, {table}, {y});"]

    def emit_c_float(self, e, index, op):
        outer, n, inner = _around_axis(op)
        x, y = e.ptr(op.inputs[0]), e.ptr(op.outputs[0])
        if inner == 1:
            return [f"hcc_softmax_f32({x}, {outer}, {n}, {y});"]
        return [f"hcc_softmax_axis_f32({x}, {outer}, {n}, {inner}, {y});"]

    def infer(self, op):
        x = op.inputs[0].type
        norm_axis(op, op.attrs["axis"], x.rank)
        return [x]

    def eval(self, op, inputs):
        x = inputs[0].astype(np.float64)
        axis = op.attrs["axis"]
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return [(e / e.sum(axis=axis, keepdims=True)).astype(inputs[0].dtype)]

    def through_transpose(self, op, perm):
        axis = norm_axis(op, op.attrs["axis"], op.inputs[0].type.rank)
        return {**op.attrs, "axis": int(perm[axis])}, {}, [perm]
