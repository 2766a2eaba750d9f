"""CausalConv1d: depthwise 1-D convolution over tokens, channels last.

    x [L, D], w [D, K], b [D]:  y[t, d] = b[d] + sum_k w[d, k] * x[t - K + 1 + k, d]   (x[<0] = 0)

Mamba's short convolution. The causal-conv1d pass produces it from ONNX's
Transpose -> Conv(group=D, pads=[K-1, K-1]) -> Slice[:L] -> Transpose.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.types import TensorType
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import optional_float, weight_arrays
from hcc.quant.params import bias_or_zeros, channel_multipliers, scale_zp


@register
class CausalConv1d(OpDef):
    name = "CausalConv1d"
    weight_inputs = {1: 0}
    bias_inputs = (2,)
    onnx_names = ("hcc.CausalConv1d",)
    num_inputs = (3, 3)

    def macs(self, op) -> int:
        return op.inputs[0].type.numel * op.inputs[1].type.shape[1]

    def infer(self, op):
        x, w, b = (v.type for v in op.inputs)
        if x.rank != 2 or w.rank != 2 or w.shape[0] != x.shape[1] or b.shape != (x.shape[1],):
            self.fail(op, f"expects x [L, D], w [D, K], b [D]; got {x}, {w}, {b}")
        return [x]

    def int8_params(self, op) -> dict:
        x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
        _, z_in = scale_zp(x)
        _, z_out = scale_zp(y)
        mult, shift = channel_multipliers(op, x, w, y)
        return {"length": x.type.shape[0], "channels": x.type.shape[1], "kernel": w.type.shape[1],
                "weights": w.const, "bias": bias_or_zeros(op, 2, w.type.shape[0]), "mult": mult, "shift": shift,
                "z_in": z_in, "z_out": z_out, "act_min": -128, "act_max": 127}

    def eval_int8(self, op, inputs):
        from hcc.kernels.dwconv1d_causal import dwconv1d_causal_s8

        p = self.int8_params(op)
        return [dwconv1d_causal_s8(inputs[0], p["weights"], p["bias"], p["mult"], p["shift"], p["z_in"], p["z_out"]).astype(np.int8)]

    c_kernels = ("hcc_dwconv1d_causal_s8",)
    c_kernels_float = ("hcc_dwconv1d_causal_f32",)
    constraints = "made by the causal-conv1d pass from Mamba's Transpose, Conv, Slice, Transpose"

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        return [f"hcc_dwconv1d_causal_s8({e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])}, {p['length']}, {p['channels']}, "
                f"{p['kernel']}, {weight_arrays(e, op, p)}, {p['z_in']}, {p['z_out']}, {p['act_min']}, {p['act_max']});"]

    def emit_c_float(self, e, index, op):
        length, channels = op.inputs[0].type.shape
        kernel = op.inputs[1].type.shape[1]
        weights = e.array(op.name + "_w", op.inputs[1].const, np.float32)
        return [f"hcc_dwconv1d_causal_f32({e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])}, {length}, {channels}, {kernel}, "
                f"{weights}, {optional_float(e, op, 2, '_b')});"]

    def eval(self, op, inputs):
        x, w, b = (np.asarray(a, np.float64) for a in inputs)
        length, k = x.shape[0], w.shape[1]
        padded = np.concatenate([np.zeros((k - 1, x.shape[1])), x])
        y = np.tile(b, (length, 1))
        for j in range(k):
            y += w[:, j] * padded[j:j + length]
        return [y.astype(inputs[0].dtype)]
