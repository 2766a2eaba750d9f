"""HardSwish: y = x * max(0, min(1, x / 6 + 1/2)) (ONNX, opset 14 on; MobileNetV3).

int8: a lookup table (UnaryOp) run by hcc_lut_s8. Float build:
hcc_unary_f32(HCC_UNARY_HARD_SWISH).
"""

from __future__ import annotations

from hcc.ops.base import NUMERICS, register
from hcc.ops.elementwise import UnaryOp
from hcc.ops.hard_sigmoid import hard_sigmoid


def hard_swish(x):
    return x * hard_sigmoid(x, 1.0 / 6.0, 0.5)


@register
class HardSwish(UnaryOp):
    name = "HardSwish"
    lookup_table = True
    float_unary = "HCC_UNARY_HARD_SWISH"
    fn = staticmethod(hard_swish)
    attrs = {**NUMERICS}

    def flat_outside(self, op):
        return -3.0, float("inf")  # 0 below -3

    def output_bounds(self, op):
        return -0.375, float("inf")  # the minimum, at x = -1.5

    def tflite_table(self, op, s_x, z_x, s_y, z_y):
        from hcc.quant.tflite_numerics import hard_swish_table

        return hard_swish_table(s_x, z_x, s_y, z_y)
