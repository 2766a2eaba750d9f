"""LayerNormalization over the axes from `axis` to the end; optional scale and bias.

Only the normalized output is supported (Mean and InvStdDev outputs are training aids).
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ops.axes import norm_axis
from hcc.quant.params import scale_zp
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import c_float, last_axis


@register
class LayerNormalization(OpDef):
    name = "LayerNormalization"
    constraints = "axis, epsilon, optional scale and bias; only the first output. int8 and C: the last axis"
    float_inputs = (1, 2)  # gamma and beta fold into per-channel integer parameters
    attrs = {"axis": -1, "epsilon": 1e-5}
    num_inputs = (1, 3)

    def from_onnx(self, attrs, node, ctx):
        if any(node.output[1:]):
            ctx.unsupported("only the first output is supported")
        if attrs.pop("stash_type", 1) != 1:
            ctx.unsupported("stash_type other than float is not supported")
        return attrs

    def infer(self, op):
        x = op.inputs[0].type
        axis = norm_axis(op, op.attrs["axis"], x.rank)
        for v in op.inputs[1:]:
            if v is not None:
                try:
                    np.broadcast_shapes(v.type.shape, x.shape[axis:])
                except ValueError:
                    self.fail(op, f"scale/bias shape {list(v.type.shape)} does not fit {list(x.shape[axis:])}")
        return [x]

    def int8_params(self, op):
        """Integer constants of hcc_layernorm_s8 (hcc/kernels/layernorm.py)."""
        from hcc.kernels.layernorm import layernorm_params

        x = op.inputs[0].type
        if norm_axis(op, op.attrs["axis"], x.rank) != x.rank - 1:
            raise UnsupportedOpError(f"{op.where()}: int8 LayerNormalization normalizes the last axis only")
        channels = x.shape[-1]
        gamma = op.inputs[1].const if len(op.inputs) > 1 and op.inputs[1] is not None else np.ones(channels)
        beta = op.inputs[2].const if len(op.inputs) > 2 and op.inputs[2] is not None else np.zeros(channels)
        (s_x, z_x), (s_y, z_y) = scale_zp(op.inputs[0]), scale_zp(op.outputs[0])
        try:
            return layernorm_params(np.broadcast_to(gamma, (channels,)), np.broadcast_to(beta, (channels,)),
                                    op.attrs["epsilon"], s_x, z_x, s_y, z_y)
        except ValueError as err:
            raise UnsupportedOpError(f"{op.where()}: {err}") from None

    def eval_int8(self, op, inputs):
        from hcc.kernels.layernorm import layernorm_s8

        return [layernorm_s8(inputs[0], self.int8_params(op))]

    c_kernels = ("hcc_layernorm_s8",)
    c_kernels_float = ("hcc_layernorm_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        channels = op.inputs[0].type.shape[-1]
        params = e.struct("hcc_layernorm_params_t", op.name, {
            "z_x": p.z_x, "z_y": p.z_y, "eps_term": p.eps_term,
            "gamma_q": e.array(op.name + "_g", p.gamma_q, np.int32), "beta_q": e.array(op.name + "_b", p.beta_q, np.int32),
            "shift": p.shift})
        rows = op.inputs[0].type.numel // channels
        return [f"hcc_layernorm_s8({params}, {e.ptr(op.inputs[0])}, {rows}, {channels}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        rows, channels = last_axis(op, op.attrs["axis"])

        def affine(i, hint):
            value = op.inputs[i] if len(op.inputs) > i else None
            if value is None:
                return "NULL"
            return e.array(op.name + hint, np.broadcast_to(value.const, (channels,)), np.float32)

        return [f"hcc_layernorm_f32({e.ptr(op.inputs[0])}, {rows}, {channels}, {affine(1, '_g')}, {affine(2, '_b')}, "
                f"{c_float(op.attrs['epsilon'])}, {e.ptr(op.outputs[0])});"]

    def eval(self, op, inputs):
        x = inputs[0].astype(np.float64)
        axes = tuple(range(norm_axis(op, op.attrs["axis"], x.ndim), x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        y = (x - mean) / np.sqrt(var + op.attrs["epsilon"])
        scale = inputs[1] if len(inputs) > 1 else None
        bias = inputs[2] if len(inputs) > 2 else None
        if scale is not None:
            y = y * scale
        if bias is not None:
            y = y + bias
        return [y.astype(inputs[0].dtype)]
