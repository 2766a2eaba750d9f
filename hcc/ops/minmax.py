"""Max and Min: elementwise over numpy-broadcast inputs (ONNX takes one or more).

int8 (two inputs): both operands brought to the output's grid with Add's two q15
multipliers, compared, rounded once (hcc/kernels/minmax.py; C: hcc_max_s8 / hcc_min_s8 in
scaled_pair_s8.c). Float build: hcc_binary_f32.
"""

from __future__ import annotations

from functools import reduce

import numpy as np

from hcc.errors import UnsupportedOpError
from hcc.ir.types import TensorType
from hcc.ops.base import register
from hcc.ops.elementwise import PAIR_FIELDS, BinaryOp, emit_binary_f32, emit_binary_s8, pair_params, binary_layout


class _Extremum(BinaryOp):
    num_inputs = (1, 2 ** 31 - 1)
    constraints = ("numpy broadcasting, any number of inputs. int8 and C: two inputs (activations or constants), "
                   "up to 5 merged axes")
    smaller = False  # Min
    c_fn = ""
    float_kind = ""

    def infer(self, op):
        types = [v.type for v in op.inputs]
        if len({t.dtype for t in types}) != 1:
            self.fail(op, "input dtypes differ")
        try:
            shape = tuple(np.broadcast_shapes(*(t.shape for t in types)))
        except ValueError:
            self.fail(op, f"shapes {[list(t.shape) for t in types]} do not broadcast")
        return [TensorType(shape, types[0].dtype)]

    def eval(self, op, inputs):
        out = reduce(np.minimum if self.smaller else np.maximum, inputs)
        return [np.broadcast_to(out, op.outputs[0].type.shape).astype(inputs[0].dtype)]

    def _two(self, op) -> None:
        if len(op.inputs) != 2:
            raise UnsupportedOpError(f"{op.where()}: int8 and C {self.name} take exactly two inputs, not {len(op.inputs)}")

    def int8_params(self, op) -> dict:
        self._two(op)
        return {**binary_layout(op, commutes=False, fast=False), **pair_params(op)}

    def eval_int8(self, op, inputs):
        from hcc.kernels.minmax import maximum

        p = self.int8_params(op)
        y = maximum(inputs[0], p["z_a"], inputs[1], p["z_b"], p["m_a"], p["m_b"], p["shift"], p["z_out"],
                    smaller=self.smaller)
        return [y.reshape(op.outputs[0].type.shape)]

    def emit_c(self, e, index, op):
        return emit_binary_s8(e, op, self.int8_params(op), "hcc_add_params_t", None, self.c_fn, PAIR_FIELDS)

    def emit_c_float(self, e, index, op):
        self._two(op)
        return emit_binary_f32(e, op, None, self.float_kind)


@register
class Max(_Extremum):
    name = "Max"
    c_fn = "hcc_max_s8"
    float_kind = "HCC_BINARY_MAX"
    c_kernels = ("hcc_max_s8",)
    c_kernels_float = ("hcc_binary_f32",)


@register
class Min(_Extremum):
    name = "Min"
    smaller = True
    c_fn = "hcc_min_s8"
    float_kind = "HCC_BINARY_MIN"
    c_kernels = ("hcc_min_s8",)
    c_kernels_float = ("hcc_binary_f32",)
