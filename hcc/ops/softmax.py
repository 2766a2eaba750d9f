"""Softmax along one axis (opset 13 semantics: that axis only, not the flattened tail)."""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import QuantParams
from hcc.ops.axes import norm_axis
from hcc.quant.params import scale_zp
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import last_axis


@register
class Softmax(OpDef):
    name = "Softmax"
    constraints = "one axis (opset 13 semantics). int8 and C: the last axis; int8 output at scale 1/256, zero point -128"
    attrs = {"axis": -1}
    # int8 output is a probability in [0, 1): the kernel writes round(256 p) - 128.
    quant_output = "fixed"
    fixed_quant = QuantParams((1.0 / 256.0,), (-128,))

    def int8_params(self, op) -> dict:
        from hcc.quant.lut import build_softmax_exp_table

        x = op.inputs[0].type
        if norm_axis(op, op.attrs["axis"], x.rank) != x.rank - 1:
            raise UnsupportedOpError(f"{op.where()}: int8 Softmax works along the last axis only")
        s_x, _ = scale_zp(op.inputs[0])
        return {"rows": x.numel // x.shape[-1], "n": x.shape[-1], "exp_table": build_softmax_exp_table(s_x)}

    def eval_int8(self, op, inputs):
        from hcc.kernels.softmax import softmax

        return [np.asarray(softmax(inputs[0], self.int8_params(op)["exp_table"]), np.int8)]

    c_kernels = ("hcc_softmax_s8",)
    c_kernels_float = ("hcc_softmax_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        table = e.array(op.name + "_exp", p["exp_table"], np.uint16)
        return [f"hcc_softmax_s8({e.ptr(op.inputs[0])}, {p['rows']}, {p['n']}, {table}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        rows, n = last_axis(op, op.attrs["axis"])
        return [f"hcc_softmax_f32({e.ptr(op.inputs[0])}, {rows}, {n}, {e.ptr(op.outputs[0])});"]

    def infer(self, op):
        x = op.inputs[0].type
        norm_axis(op, op.attrs["axis"], x.rank)
        return [x]

    def eval(self, op, inputs):
        x = inputs[0].astype(np.float64)
        axis = op.attrs["axis"]
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return [(e / e.sum(axis=axis, keepdims=True)).astype(inputs[0].dtype)]
