"""PRelu: y = x where x >= 0, else slope * x, the slope broadcasting to x (ONNX: "unidirectional";
PyTorch exports [C, 1, 1] against [N, C, H, W], or one value).

int8, a constant slope: one multiplier s_x / s_y for x >= z_x and one per slope element,
s_x * slope / s_y, below it (hcc/kernels/prelu.py; C: hcc_prelu_s8, the slope indexed through
the broadcast plan). Float build: hcc_prelu_f32.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.base import NUMERICS, OpDef, register, tflite_numerics
from hcc.ops.c_call import broadcast_shape_struct
from hcc.quant.fixed_point import quantize_multiplier
from hcc.quant.params import multipliers, scale_zp


@register
class PRelu(OpDef):
    name = "PRelu"
    num_inputs = (2, 2)
    inplace_input = 0
    commutes_with_channel_scale = True  # max(x, 0) + slope min(x, 0): positively homogeneous
    float_inputs = (1,)  # the slope stays float: it only makes the multipliers
    constraints = ("the slope broadcasts to x. int8 and C: a constant slope, up to 5 merged axes; numerics "
                   "\"tflite\": an int8 slope with its own scale and zero point (TFLite's alpha)")
    attrs = {**NUMERICS}

    def infer(self, op):
        x, slope = op.inputs[0].type, op.inputs[1].type
        if x.dtype != slope.dtype and not (x.dtype == DType.int8 and slope.dtype == DType.float32):  # quantized
            self.fail(op, f"input dtypes differ ({x.dtype.value} vs {slope.dtype.value})")
        try:
            ok = tuple(np.broadcast_shapes(x.shape, slope.shape)) == x.shape
        except ValueError:
            ok = False
        if not ok:
            self.fail(op, f"the slope {list(slope.shape)} does not broadcast to the input {list(x.shape)}")
        return [x]

    def eval(self, op, inputs):
        x, slope = inputs
        return [np.where(x >= 0, x, slope * x).astype(x.dtype)]

    def _plan(self, op):
        from hcc.kernels.broadcast import broadcast_plan

        try:
            return broadcast_plan(op.inputs[0].type.shape, op.inputs[1].type.shape)
        except ValueError as err:
            raise UnsupportedOpError(f"{op.where()}: {err}") from None

    def int8_params(self, op) -> dict:
        slope = op.inputs[1]
        if not slope.is_const:
            raise UnsupportedOpError(f"{op.where()}: int8 PRelu needs a constant slope")
        (s_x, z_x), (s_y, z_y) = scale_zp(op.inputs[0]), scale_zp(op.outputs[0])
        if tflite_numerics(op):  # TFLM: the int8 alpha times x, then one multiplier
            from hcc.quant.tflite_numerics import prelu_multipliers

            s_a, z_a = scale_zp(slope)
            m_pos, s_pos, m_neg, s_neg = prelu_multipliers(s_x, s_a, s_y)
            return {"plan": self._plan(op), "z_in": z_x, "z_alpha": z_a, "z_out": z_y, "m_pos": m_pos, "s_pos": s_pos,
                    "m_neg": m_neg, "s_neg": s_neg, "s_alpha": s_a}
        m_pos, s_pos = quantize_multiplier(s_x / s_y)
        m_neg, s_neg = multipliers(s_x * np.asarray(slope.const, np.float64) / s_y)
        return {"plan": self._plan(op), "z_in": z_x, "z_out": z_y, "m_pos": m_pos, "s_pos": s_pos,
                "act_min": -128, "act_max": 127, "m_neg": m_neg.reshape(slope.type.shape),
                "s_neg": s_neg.reshape(slope.type.shape)}

    def eval_int8(self, op, inputs):
        from hcc.kernels.prelu import prelu

        p = self.int8_params(op)
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import prelu_int8

            (s_x, _), (s_y, _) = scale_zp(op.inputs[0]), scale_zp(op.outputs[0])
            return [prelu_int8(inputs[0], p["z_in"], inputs[1], p["z_alpha"], s_x, p["s_alpha"], s_y, p["z_out"])]
        return [prelu(inputs[0], p["z_in"], p["z_out"], p["m_pos"], p["s_pos"], p["m_neg"], p["s_neg"])]

    c_kernels = ("hcc_prelu_s8", "hcc_tflm_prelu_s8")
    c_kernels_float = ("hcc_prelu_f32",)

    def emit_c(self, e, index, op):
        p = self.int8_params(op)
        if tflite_numerics(op):
            params = e.struct("hcc_tflm_prelu_params_t", op.name,
                              {k: p[k] for k in ("z_in", "z_alpha", "z_out", "m_pos", "s_pos", "m_neg", "s_neg")})
            alpha = e.array(op.inputs[1].name, op.inputs[1].const, np.int8)
            return [f"hcc_tflm_prelu_s8({params}, {broadcast_shape_struct(e, op, p['plan'])}, {e.ptr(op.inputs[0])}, "
                    f"{alpha}, {e.ptr(op.outputs[0])});"]
        params = e.struct("hcc_prelu_params_t", op.name,
                          {k: p[k] for k in ("z_in", "z_out", "m_pos", "s_pos", "act_min", "act_max")})
        m_neg, s_neg = e.array(op.name + "_m", p["m_neg"], np.int32), e.array(op.name + "_s", p["s_neg"], np.int32)
        return [f"hcc_prelu_s8({params}, {broadcast_shape_struct(e, op, p['plan'])}, {e.ptr(op.inputs[0])}, "
                f"{m_neg}, {s_neg}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        slope = op.inputs[1]
        slope_c = e.array(slope.name, slope.const, np.float32) if slope.is_const else e.ptr(slope)
        return [f"hcc_prelu_f32({broadcast_shape_struct(e, op, self._plan(op))}, {e.ptr(op.inputs[0])}, {slope_c}, "
                f"{e.ptr(op.outputs[0])});"]
