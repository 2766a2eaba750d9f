"""Clip to [min, max]; both bounds are optional scalar inputs (opset 11+). ReLU6 is Clip(x, 0, 6).

int8 (constant bounds): a lookup table from the calibrated input and output scales (UnaryOp,
hcc_lut_s8); a Clip fused into its producer never gets here. Float build:
hcc_unary_param_f32(HCC_UNARY_CLIP, min, max).
"""

from __future__ import annotations

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import DType
from hcc.ops.base import NUMERICS, register
from hcc.ops.c_call import c_float
from hcc.ops.elementwise import UnaryOp

FLOAT32_MAX = float(np.finfo(np.float32).max)  # an absent bound in the float kernel


@register
class Clip(UnaryOp):
    name = "Clip"
    constraints = ("min and max optional scalar inputs. int8 and C: constant bounds; after a conv or fully "
                   "connected op, its clamp (fuse-conv-block, fuse-activation), else a table")
    num_inputs = (1, 3)
    lookup_table = True
    float_inputs = (1, 2)  # the bounds stay float: they only shape the table
    float_unary = "HCC_UNARY_CLIP"
    c_kernels_float = ("hcc_unary_param_f32",)
    attrs = {**NUMERICS}  # "tflite": int8 bounds are TFLM's clamp codes, applied to the input codes as they are

    def tflite_table(self, op, s_x, z_x, s_y, z_y):
        """TFLM's Relu6 / RELU_N1_TO_1 and fused clamps: the input codes clamped to the bounds'
        codes, no requantization (TFLM reads only the input's parameters)."""
        codes = []
        for index, absent in ((1, -128), (2, 127)):
            v = op.inputs[index] if index < len(op.inputs) else None
            if v is not None and (not v.is_const or v.type.dtype != DType.int8):
                raise UnsupportedOpError(f"{op.where()}: a Clip with TFLite numerics needs constant int8 bounds")
            codes.append(absent if v is None else int(np.asarray(v.const).reshape(())))
        return np.clip(np.arange(-128, 128), *codes).astype(np.int8)

    def infer(self, op):
        x = op.inputs[0].type
        for v in op.inputs[1:]:
            kept_float = x.dtype == DType.int8 and v is not None and v.type.dtype == DType.float32  # quantized
            if v is not None and (v.type.numel != 1 or (v.type.dtype != x.dtype and not kept_float)):
                self.fail(op, f"bound {v.type} must be a scalar of type {x.dtype.value}")
        return [x]

    def bounds(self, op) -> tuple[float, float]:
        """(min, max) as real numbers, +-FLOAT32_MAX where absent; constant bounds only. An
        int8 bound (a .tflite's fused RELU6: TFLM's clamp codes) is dequantized: with the
        input's parameters on the output, the table then clamps the codes exactly there."""
        out = []
        for index, absent in ((1, -FLOAT32_MAX), (2, FLOAT32_MAX)):
            v = op.inputs[index] if index < len(op.inputs) else None
            if v is not None and not v.is_const:
                raise UnsupportedOpError(f"{op.where()}: int8 and C Clip need constant bounds")
            value = absent if v is None else float(np.asarray(v.const).reshape(()))
            if v is not None and v.type.dtype == DType.int8 and v.type.quant is not None:
                value = v.type.quant.scale[0] * (value - v.type.quant.zero_point[0])
            out.append(value)
        return out[0], out[1]

    def flat_outside(self, op):
        try:
            return self.bounds(op)
        except UnsupportedOpError:  # a bound computed at run time
            return None

    def output_bounds(self, op):
        return self.flat_outside(op)

    def function(self, op):
        lo, hi = self.bounds(op)
        return lambda x: np.minimum(np.maximum(x, lo), hi)

    def eval(self, op, inputs):
        y = inputs[0]
        lo = inputs[1] if len(inputs) > 1 else None
        hi = inputs[2] if len(inputs) > 2 else None
        if lo is not None:
            y = np.maximum(y, lo.reshape(()))
        if hi is not None:
            y = np.minimum(y, hi.reshape(()))
        return [np.asarray(y, dtype=inputs[0].dtype)]

    def emit_c_float(self, e, index, op):
        lo, hi = self.bounds(op)
        return [f"hcc_unary_param_f32(HCC_UNARY_CLIP, {c_float(lo)}, {c_float(hi)}, {e.ptr(op.inputs[0])}, "
                f"{op.outputs[0].type.numel}, {e.ptr(op.outputs[0])});"]
