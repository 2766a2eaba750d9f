"""Elementwise operators with numpy broadcasting: binary arithmetic and unary functions."""

from __future__ import annotations

import numpy as np

from hcc.errors import IRVerifyError, UnsupportedOpError
from hcc.ir.types import DType, TensorType
from hcc.ops.base import OpDef, register
from hcc.ops.c_call import BROADCAST, ViewEmission, c_float, float_operand, operand
from hcc.quant.activations import softplus
from hcc.quant.fixed_point import quantize_multiplier, quantize_multiplier_q15_pair
from hcc.quant.params import scale_zp


def broadcast_shape(op, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise IRVerifyError(f"{op.where()}: shapes {list(a)} and {list(b)} do not broadcast") from None


class BinaryOp(OpDef):
    """y = f(a, b) with numpy broadcasting; both inputs share one dtype."""

    num_inputs = (2, 2)
    inplace_input = 0  # y may overwrite a when a dies here (only when sizes match)
    result_dtype: DType | None = None  # None: same as the inputs
    fn = None

    def infer(self, op):
        a, b = op.inputs[0].type, op.inputs[1].type
        if a.dtype != b.dtype:
            self.fail(op, f"input dtypes differ ({a.dtype.value} vs {b.dtype.value})")
        return [TensorType(broadcast_shape(op, a.shape, b.shape), self.result_dtype or a.dtype)]

    def eval(self, op, inputs):
        a, b = inputs
        out = type(self).fn(a, b)
        return [np.asarray(out).astype(self.result_dtype.numpy if self.result_dtype else a.dtype)]


def _div(a, b):
    if np.issubdtype(a.dtype, np.integer):
        return np.trunc(a / b).astype(a.dtype)  # ONNX integer Div truncates toward zero
    return a / b


def _elementwise_layout(op) -> dict:
    """rows x channels view of the output and how the second operand broadcasts (add_s8/mul_s8)."""
    from hcc.kernels.add import broadcast_kind

    a, b, y = op.inputs[0].type, op.inputs[1].type, op.outputs[0].type
    if a.shape != y.shape:
        raise UnsupportedOpError(f"{op.where()}: int8 {op.kind} needs the first operand to have the result's shape")
    try:
        kind = broadcast_kind(a.shape, b.shape)
    except ValueError:
        raise UnsupportedOpError(f"{op.where()}: int8 {op.kind} broadcasts only a same-shape, per-channel or scalar second operand") from None
    channels = y.shape[-1] if y.rank else 1
    return {"rows": y.numel // channels, "channels": channels, "broadcast": kind}


def _emit_binary_s8(e, op, p: dict, ctype: str, fn: str, fields: tuple[str, ...]) -> list[str]:
    """hcc_add_s8 / hcc_mul_s8: a parameter struct of `fields` of int8_params, then the call."""
    params = e.struct(ctype, op.name, {k: p[k] for k in fields})
    a, b = operand(e, op.inputs[0]), operand(e, op.inputs[1])
    return [f"{fn}({params}, {a}, {b}, {p['rows']}, {p['channels']}, {BROADCAST[p['broadcast']]}, {e.ptr(op.outputs[0])});"]


def _emit_binary_f32(e, op, fn: str) -> list[str]:
    """hcc_add_f32 / hcc_mul_f32 (both commute: the full-size operand goes first)."""
    from hcc.kernels.add import broadcast_kind

    a, b = op.inputs
    y = op.outputs[0].type
    if a.type.shape != y.shape and b.type.shape == y.shape:
        a, b = b, a
    try:
        if a.type.shape != y.shape:
            raise ValueError
        kind = broadcast_kind(a.type.shape, b.type.shape)
    except ValueError:
        raise UnsupportedOpError(f"{op.where()}: the float C {op.kind} broadcasts only a same-shape, "
                                 "per-channel or scalar operand") from None
    channels = y.shape[-1] if y.rank else 1
    return [f"{fn}({float_operand(e, a)}, {float_operand(e, b)}, {y.numel // channels}, {channels}, {BROADCAST[kind]}, "
            f"{e.ptr(op.outputs[0])});"]


_BROADCAST_RULE = "int8 and C: the other operand the result's shape, per channel (last axis) or a scalar"


@register
class Add(BinaryOp):
    name = "Add"
    fn = staticmethod(np.add)

    def int8_params(self, op) -> dict:
        (s_a, z_a), (s_b, z_b), (s_y, z_y) = (scale_zp(v) for v in (*op.inputs, op.outputs[0]))
        m_a, m_b, shift = quantize_multiplier_q15_pair(s_a / s_y, s_b / s_y)
        return {**_elementwise_layout(op), "z_a": z_a, "z_b": z_b, "z_out": z_y, "m_a": m_a, "m_b": m_b,
                "shift": shift, "act_min": -128, "act_max": 127}

    def eval_int8(self, op, inputs):
        from hcc.kernels.add import add

        p = self.int8_params(op)
        return [add(inputs[0], p["z_a"], inputs[1], p["z_b"], p["m_a"], p["m_b"], p["shift"], p["z_out"])]

    c_kernels = ("hcc_add_s8",)
    c_kernels_float = ("hcc_add_f32",)
    constraints = _BROADCAST_RULE

    def emit_c(self, e, index, op):
        return _emit_binary_s8(e, op, self.int8_params(op), "hcc_add_params_t", "hcc_add_s8",
                               ("z_a", "z_b", "z_out", "m_a", "m_b", "shift", "act_min", "act_max"))

    def emit_c_float(self, e, index, op):
        return _emit_binary_f32(e, op, "hcc_add_f32")


@register
class Sub(BinaryOp):
    name = "Sub"
    constraints = "numpy broadcasting"
    fn = staticmethod(np.subtract)


@register
class Mul(BinaryOp):
    name = "Mul"
    fn = staticmethod(np.multiply)

    def int8_params(self, op) -> dict:
        (s_a, z_a), (s_b, z_b), (s_y, z_y) = (scale_zp(v) for v in (*op.inputs, op.outputs[0]))
        mult, shift = quantize_multiplier(s_a * s_b / s_y)
        return {**_elementwise_layout(op), "z_a": z_a, "z_b": z_b, "z_out": z_y, "mult": mult, "shift": shift,
                "act_min": -128, "act_max": 127}

    def eval_int8(self, op, inputs):
        from hcc.kernels.mul import mul

        p = self.int8_params(op)
        return [mul(inputs[0], p["z_a"], inputs[1], p["z_b"], p["mult"], p["shift"], p["z_out"])]

    c_kernels = ("hcc_mul_s8",)
    c_kernels_float = ("hcc_mul_f32",)
    constraints = _BROADCAST_RULE

    def emit_c(self, e, index, op):
        return _emit_binary_s8(e, op, self.int8_params(op), "hcc_mul_params_t", "hcc_mul_s8",
                               ("z_a", "z_b", "z_out", "mult", "shift", "act_min", "act_max"))

    def emit_c_float(self, e, index, op):
        return _emit_binary_f32(e, op, "hcc_mul_f32")


@register
class Div(BinaryOp):
    name = "Div"
    constraints = "numpy broadcasting; integer Div truncates toward zero"
    fn = staticmethod(_div)


@register
class Pow(BinaryOp):
    """ONNX lets the exponent have its own dtype; the result has the base's dtype."""

    name = "Pow"
    constraints = "numpy broadcasting; the result has the base's type"

    def infer(self, op):
        a, b = op.inputs[0].type, op.inputs[1].type
        return [TensorType(broadcast_shape(op, a.shape, b.shape), a.dtype)]

    def eval(self, op, inputs):
        a, b = inputs
        if np.issubdtype(a.dtype, np.integer):
            return [np.power(a.astype(np.int64), b.astype(np.int64)).astype(a.dtype)]
        return [np.power(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)]


@register
class Greater(BinaryOp):
    name = "Greater"
    constraints = "numpy broadcasting"
    result_dtype = DType.bool
    fn = staticmethod(np.greater)


class UnaryOp(OpDef):
    """y = f(x), same shape and dtype: `fn`, or `function(op)` for an op with attributes.

    int8, when `lookup_table`: a 256-entry table T[q + 128] = quantize(f(dequantize(q)))
    (hcc/quant/lut.py), run by hcc_lut_s8. Float build, when `float_unary` names the op's
    hcc_unary_t (runtime_c/include/hcc_float.h): hcc_unary_f32, or hcc_unary_param_f32 with
    the attributes `float_unary_attrs` names as its parameters a and b."""

    inplace_input = 0
    fn = None
    lookup_table = False
    float_unary: str | None = None  # e.g. "HCC_UNARY_SIGMOID"
    float_unary_attrs: tuple[str, ...] = ()  # e.g. ("alpha",): up to two float attributes

    def function(self, op):
        """The float function of `op` (its attributes bound): `fn` unless the op overrides it."""
        return type(self).fn

    @property
    def c_kernels(self):
        return ("hcc_lut_s8",) if self.lookup_table else ()

    @property
    def c_kernels_float(self):
        if not self.float_unary:
            return ()
        return ("hcc_unary_param_f32",) if self.float_unary_attrs else ("hcc_unary_f32",)

    def emit_c(self, e, index, op):
        if not self.lookup_table:
            return super().emit_c(e, index, op)
        p = self.int8_params(op)
        table = e.array(op.name + "_lut", p["table"], np.int8)
        return [f"hcc_lut_s8({e.ptr(op.inputs[0])}, {p['n']}, {table}, {e.ptr(op.outputs[0])});"]

    def emit_c_float(self, e, index, op):
        if not self.float_unary:
            return super().emit_c_float(e, index, op)
        x, n, y = e.ptr(op.inputs[0]), op.outputs[0].type.numel, e.ptr(op.outputs[0])
        if not self.float_unary_attrs:
            return [f"hcc_unary_f32({self.float_unary}, {x}, {n}, {y});"]
        a, b = (list(self.float_unary_attrs) + [None])[:2]
        params = ", ".join(c_float(op.attrs[k] if k else 0.0) for k in (a, b))
        return [f"hcc_unary_param_f32({self.float_unary}, {params}, {x}, {n}, {y});"]

    def int8_params(self, op) -> dict:
        if not self.lookup_table:
            raise UnsupportedOpError(f"{op.where()}: no int8 implementation for {self.name}")
        from hcc.quant.lut import build_lut

        (s_x, z_x), (s_y, z_y) = scale_zp(op.inputs[0]), scale_zp(op.outputs[0])
        try:
            table = build_lut(self.function(op), s_x, z_x, s_y, z_y)
        except ValueError as err:
            raise UnsupportedOpError(f"{op.where()}: {err}") from None
        return {"n": op.outputs[0].type.numel, "table": table}

    def eval_int8(self, op, inputs):
        if self.moves_data:
            return self.eval(op, inputs)
        from hcc.kernels.lut import lut

        return [lut(inputs[0], self.int8_params(op)["table"])]

    def infer(self, op):
        return [op.inputs[0].type.with_dtype(op.inputs[0].type.dtype)]

    def eval(self, op, inputs):
        x = inputs[0]
        return [np.asarray(self.function(op)(x), dtype=x.dtype)]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


@register
class Relu(UnaryOp):
    name = "Relu"
    quant_output = "same_as_input"
    lookup_table = True  # its own table (int8_params below), not build_lut's
    float_unary = "HCC_UNARY_RELU"
    fn = staticmethod(lambda x: np.maximum(x, 0))

    def int8_params(self, op) -> dict:
        # Same parameters in and out, so ReLU clamps at the zero point: a table of max(q, z).
        _, z = scale_zp(op.inputs[0])
        return {"n": op.outputs[0].type.numel, "table": np.maximum(np.arange(-128, 128), z).astype(np.int8)}


@register
class Sigmoid(UnaryOp):
    name = "Sigmoid"
    lookup_table = True
    float_unary = "HCC_UNARY_SIGMOID"
    fn = staticmethod(_sigmoid)


@register
class Exp(UnaryOp):
    name = "Exp"
    lookup_table = True
    float_unary = "HCC_UNARY_EXP"
    fn = staticmethod(np.exp)


@register
class Softplus(UnaryOp):
    name = "Softplus"
    lookup_table = True
    float_unary = "HCC_UNARY_SOFTPLUS"
    fn = staticmethod(softplus)


@register
class Tanh(UnaryOp):
    name = "Tanh"
    lookup_table = True
    float_unary = "HCC_UNARY_TANH"
    fn = staticmethod(np.tanh)


@register
class Sqrt(UnaryOp):
    name = "Sqrt"
    fn = staticmethod(np.sqrt)


@register
class Log(UnaryOp):
    name = "Log"
    fn = staticmethod(np.log)


@register
class Neg(UnaryOp):
    name = "Neg"
    lookup_table = True
    float_unary = "HCC_UNARY_NEG"
    fn = staticmethod(np.negative)


@register
class Identity(ViewEmission, UnaryOp):
    """Identity; Dropout in inference mode imports to it (its mask output is refused)."""

    name = "Identity"
    constraints = "Dropout: inference only (mask output and training_mode refused); a view: no copy"
    quant_output = "same_as_input"
    moves_data = True
    onnx_names = ("Identity", "Dropout")
    alias_input = 0  # a view of its input: no copy, no second buffer
    fn = staticmethod(lambda x: x)

    def from_onnx(self, attrs, node, ctx):
        if node.op_type == "Dropout":
            if len(node.output) > 1 and node.output[1]:
                ctx.unsupported("the mask output is not supported (inference only)")
            training = ctx.inputs[2] if len(ctx.inputs) > 2 else None
            if training is not None and (training.const is None or bool(training.const)):
                ctx.unsupported("training_mode must be a constant 0 (inference only)")
            del ctx.inputs[1:]
            attrs.pop("seed", None)
        return attrs
