"""LeakyRelu: y = x where x >= 0, else alpha * x (ONNX LeakyRelu; alpha defaults to 0.01).

int8: a 256-entry lookup table built from the float function (UnaryOp, hcc/quant/lut.py),
run by hcc_lut_s8. Float build: hcc_unary_param_f32(HCC_UNARY_LEAKY_RELU, alpha).
"""

from __future__ import annotations

import numpy as np

from hcc.ops.base import NUMERICS, register
from hcc.ops.elementwise import UnaryOp


@register
class LeakyRelu(UnaryOp):
    name = "LeakyRelu"
    attrs = {"alpha": 0.01, **NUMERICS}
    onnx_optional = {"alpha": "float"}
    lookup_table = True
    float_unary = "HCC_UNARY_LEAKY_RELU"
    float_unary_attrs = ("alpha",)
    commutes_with_channel_scale = True

    def tflite_table(self, op, s_x, z_x, s_y, z_y):
        from hcc.quant.tflite_numerics import leaky_relu_table

        return leaky_relu_table(s_x, z_x, s_y, z_y, op.attrs["alpha"])

    def function(self, op):
        alpha = op.attrs["alpha"]
        return lambda x: np.where(x >= 0, x, alpha * x)
