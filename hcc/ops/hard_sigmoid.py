"""HardSigmoid: y = max(0, min(1, alpha * x + beta)) (ONNX; alpha 0.2, beta 0.5 by default).

int8: a lookup table (UnaryOp) run by hcc_lut_s8. Float build:
hcc_unary_param_f32(HCC_UNARY_HARD_SIGMOID, alpha, beta).
"""

from __future__ import annotations

import numpy as np

from hcc.ops.base import register
from hcc.ops.elementwise import UnaryOp


def hard_sigmoid(x, alpha: float = 0.2, beta: float = 0.5):
    return np.clip(alpha * x + beta, 0.0, 1.0)


@register
class HardSigmoid(UnaryOp):
    name = "HardSigmoid"
    attrs = {"alpha": 0.2, "beta": 0.5}
    onnx_optional = {"alpha": "float", "beta": "float"}
    lookup_table = True
    float_unary = "HCC_UNARY_HARD_SIGMOID"
    float_unary_attrs = ("alpha", "beta")

    def flat_outside(self, op):
        alpha, beta = op.attrs["alpha"], op.attrs["beta"]
        if alpha == 0:
            return None
        ends = sorted(((0.0 - beta) / alpha, (1.0 - beta) / alpha))  # where alpha x + beta reaches 0 and 1
        return ends[0], ends[1]

    def output_bounds(self, op):
        return 0.0, 1.0

    def function(self, op):
        alpha, beta = op.attrs["alpha"], op.attrs["beta"]
        return lambda x: hard_sigmoid(x, alpha, beta)
