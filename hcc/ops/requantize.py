"""Requantize: y = x, int8 in, int8 out on another grid (TFLite's QUANTIZE int8 -> int8).

Made by the .tflite importer (no ONNX op imports to it). int8: a 256-entry table (UnaryOp),
TFLM's Requantize arithmetic with numerics "tflite" (hcc/quant/tflite_numerics.py
requantize_table), else hcc's rounding of the identity (hcc/quant/lut.py).
"""

from __future__ import annotations

import numpy as np

from hcc.ops.base import NUMERICS, register
from hcc.ops.elementwise import UnaryOp


@register
class Requantize(UnaryOp):
    name = "Requantize"
    onnx_names = ()
    constraints = "int8 -> int8 (a table); made by the .tflite importer from QUANTIZE"
    attrs = {**NUMERICS}
    lookup_table = True
    fn = staticmethod(lambda x: np.asarray(x))

    def tflite_table(self, op, s_x, z_x, s_y, z_y):
        from hcc.quant.tflite_numerics import requantize_table

        return requantize_table(s_x, z_x, s_y, z_y)
