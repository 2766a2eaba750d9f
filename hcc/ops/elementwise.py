"""Elementwise operators with numpy broadcasting: binary arithmetic and unary functions."""

from __future__ import annotations

import numpy as np

from hcc.errors import IRVerifyError
from hcc.ir.types import DType, TensorType
from hcc.ops.base import OpDef, register


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


@register
class Add(BinaryOp):
    name = "Add"
    fn = staticmethod(np.add)


@register
class Sub(BinaryOp):
    name = "Sub"
    fn = staticmethod(np.subtract)


@register
class Mul(BinaryOp):
    name = "Mul"
    fn = staticmethod(np.multiply)


@register
class Div(BinaryOp):
    name = "Div"
    fn = staticmethod(_div)


@register
class Pow(BinaryOp):
    """ONNX lets the exponent have its own dtype; the result has the base's dtype."""

    name = "Pow"

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
    result_dtype = DType.bool
    fn = staticmethod(np.greater)


class UnaryOp(OpDef):
    """y = f(x), same shape and dtype."""

    inplace_input = 0
    fn = None

    def infer(self, op):
        return [op.inputs[0].type.with_dtype(op.inputs[0].type.dtype)]

    def eval(self, op, inputs):
        x = inputs[0]
        return [np.asarray(type(self).fn(x), dtype=x.dtype)]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _softplus(x):
    x = x.astype(np.float64)
    return np.logaddexp(0.0, x)


@register
class Relu(UnaryOp):
    name = "Relu"
    quant_output = "same_as_input"
    fn = staticmethod(lambda x: np.maximum(x, 0))


@register
class Sigmoid(UnaryOp):
    name = "Sigmoid"
    fn = staticmethod(_sigmoid)


@register
class Exp(UnaryOp):
    name = "Exp"
    fn = staticmethod(np.exp)


@register
class Softplus(UnaryOp):
    name = "Softplus"
    fn = staticmethod(_softplus)


@register
class Tanh(UnaryOp):
    name = "Tanh"
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
    fn = staticmethod(np.negative)


@register
class Identity(UnaryOp):
    """Identity; Dropout in inference mode imports to it (its mask output is refused)."""

    name = "Identity"
    quant_output = "same_as_input"
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
