"""Elementwise operators with numpy broadcasting: binary arithmetic and unary functions."""

from __future__ import annotations

import numpy as np

from hcc.errors import IRVerifyError, UnsupportedOpError
from hcc.ir.types import DType, TensorType
from hcc.ops.base import NUMERICS, OpDef, register, tflite_numerics
from hcc.ops.c_call import BROADCAST, ViewEmission, broadcast_shape_struct, c_float, float_operand, operand
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


def _fast_layout(a_shape, b_shape, y_shape) -> dict | None:
    """hcc_add_s8 / hcc_mul_s8's view of a broadcast, or None: `a` the result's shape, `b` the
    same, per channel (a trailing block of the result repeated for every row) or a scalar."""
    from hcc.kernels.add import BROADCAST_CHANNEL, BROADCAST_NONE, BROADCAST_SCALAR, broadcast_kind
    from hcc.kernels.broadcast import broadcast_plan

    numel = int(np.prod(y_shape))
    if tuple(a_shape) == tuple(y_shape):
        try:
            kind = broadcast_kind(a_shape, b_shape)
            channels = y_shape[-1] if len(y_shape) else 1
            return {"rows": numel // channels, "channels": channels, "broadcast": kind}
        except ValueError:
            pass
    if int(np.prod(a_shape)) != numel:
        return None
    plan = broadcast_plan(a_shape, b_shape)  # a is contiguous in it: only b's strides matter
    if plan.rank == 1:
        return {"rows": 1, "channels": plan.dims[0], "broadcast": BROADCAST_NONE if plan.b_strides[0] else BROADCAST_SCALAR}
    if plan.rank == 2 and plan.b_strides == (0, 1):
        return {"rows": plan.dims[0], "channels": plan.dims[1], "broadcast": BROADCAST_CHANNEL}
    return None


def binary_layout(op, commutes: bool, fast: bool = True) -> dict:
    """How the C walks a binary op's broadcast: {"kernel": "fast", rows, channels, broadcast,
    swap} for hcc_add_s8 / hcc_mul_s8 (with `commutes`, the operands may be swapped so that
    the full one comes first), else {"kernel": "general", "plan": BroadcastPlan}."""
    from hcc.kernels.broadcast import broadcast_plan

    a, b, y = op.inputs[0].type.shape, op.inputs[1].type.shape, op.outputs[0].type.shape
    for swap in ((False, True) if commutes else (False,)) if fast else ():
        layout = _fast_layout(b, a, y) if swap else _fast_layout(a, b, y)
        if layout is not None:
            return {**layout, "kernel": "fast", "swap": swap}
    try:
        return {"kernel": "general", "plan": broadcast_plan(a, b)}
    except ValueError as err:
        raise UnsupportedOpError(f"{op.where()}: {err}") from None


def _check_multipliers(op, *multipliers: int) -> None:
    """The int8 kernels form (x - z) m in int32: |m| < 2^22 keeps it there (two scales that far
    apart mean a broken calibration, not a model to compile)."""
    if any(abs(m) >= 1 << 22 for m in multipliers):
        raise UnsupportedOpError(f"{op.where()}: the operands' scales are too far apart from the output's "
                                 f"(multipliers {list(multipliers)})")


def _all_zero(value) -> bool:
    """A constant int8 operand holding only real zeros (every code its zero point)."""
    return value.is_const and bool(np.all(np.asarray(value.const, np.int64) == scale_zp(value)[1]))


def pair_params(op, negate_b: bool = False) -> dict:
    """The constants of the kernels that bring both operands to the output's grid (Add, Sub,
    Max, Min): hcc_add_params_t. Sub negates b's multiplier."""
    (s_a, z_a), (s_b, z_b), (s_y, z_y) = (scale_zp(v) for v in (*op.inputs, op.outputs[0]))
    # A constant of zeros (Max(x, 0)) is quantized with scale 1; its term is 0 whatever its
    # multiplier, which must then not take the shared shift's precision from the other.
    real_a, real_b = (0.0 if _all_zero(v) else s / s_y for v, s in zip(op.inputs, (s_a, s_b)))
    if real_a == real_b == 0.0:
        real_a = s_a / s_y
    m_a, m_b, shift = quantize_multiplier_q15_pair(real_a, real_b)
    _check_multipliers(op, m_a, m_b)
    return {"z_a": z_a, "z_b": z_b, "z_out": z_y, "m_a": m_a, "m_b": -m_b if negate_b else m_b,
            "shift": shift, "act_min": -128, "act_max": 127}


PAIR_FIELDS = ("z_a", "z_b", "z_out", "m_a", "m_b", "shift", "act_min", "act_max")
MUL_FIELDS = ("z_a", "z_b", "z_out", "mult", "shift", "act_min", "act_max")


def _swapped(p: dict) -> dict:
    """The parameters with the operands' roles exchanged (a commuting op called as f(b, a))."""
    names = {"z_a": "z_b", "z_b": "z_a", "m_a": "m_b", "m_b": "m_a", "shift_a": "shift_b", "shift_b": "shift_a"}
    return {names.get(k, k): v for k, v in p.items()}


def emit_binary_s8(e, op, p: dict, ctype: str, fn: str | None, general_fn: str, fields: tuple[str, ...]) -> list[str]:
    """A parameter struct of `fields` of int8_params, then `fn` (hcc_add_s8 / hcc_mul_s8: the
    fast broadcasts, operands swapped when the layout says so) or the general kernel `general_fn`."""
    a, b = op.inputs
    if p["kernel"] == "fast" and p["swap"]:
        a, b, p = b, a, _swapped(p)
    params = e.struct(ctype, op.name, {k: p[k] for k in fields})
    a, b, y = operand(e, a), operand(e, b), e.ptr(op.outputs[0])
    if p["kernel"] == "fast":
        return [f"{fn}({params}, {a}, {b}, {p['rows']}, {p['channels']}, {BROADCAST[p['broadcast']]}, {y});"]
    return [f"{general_fn}({params}, {broadcast_shape_struct(e, op, p['plan'])}, {a}, {b}, {y});"]


def emit_binary_f32(e, op, fast_fn: str | None, binary_kind: str) -> list[str]:
    """hcc_add_f32 / hcc_mul_f32 on their fast broadcasts (`fast_fn`; both commute: the
    full-size operand goes first), else hcc_binary_f32(`binary_kind`) on any broadcast."""
    p = binary_layout(op, commutes=True, fast=fast_fn is not None)
    a, b = op.inputs[::-1] if p["kernel"] == "fast" and p["swap"] else op.inputs
    a, b, y = float_operand(e, a), float_operand(e, b), e.ptr(op.outputs[0])
    if p["kernel"] == "fast":
        return [f"{fast_fn}({a}, {b}, {p['rows']}, {p['channels']}, {BROADCAST[p['broadcast']]}, {y});"]
    return [f"hcc_binary_f32({binary_kind}, {broadcast_shape_struct(e, op, p['plan'])}, {a}, {b}, {y});"]


_BROADCAST_RULE = "numpy broadcasting of both operands, activations or constants, up to 5 merged axes"
_TFLITE_RULE = ("; numerics \"tflite\" (TFLM's arithmetic): C for equal shapes, a per-channel or scalar second "
                "operand, or a constant operand of any broadcast (stored expanded)")
TFLM_ADD_FIELDS = ("z_a", "z_b", "z_out", "left_shift", "m_a", "shift_a", "m_b", "shift_b", "m_out", "shift_out",
                   "act_min", "act_max", "subtract")


def tflite_layout(op, commutes: bool) -> dict:
    """binary_layout for the TFLM kernels, which have only the fast broadcasts: otherwise a
    constant operand is stored expanded to the result's shape ("expand": its index)."""
    p = binary_layout(op, commutes)
    if p["kernel"] == "fast":
        return p
    y = op.outputs[0].type.shape
    for i, v in enumerate(op.inputs):
        other = op.inputs[1 - i]
        if v.is_const and other.type.shape == y:
            return {"kernel": "fast", "swap": False, "rows": 1, "channels": int(np.prod(y)), "broadcast": 0, "expand": i}
    raise UnsupportedOpError(f"{op.where()}: TFLite numerics in C need equal shapes, a per-channel or scalar second "
                             "operand, or a constant to expand")


def tflite_add_params(op, subtract: bool) -> dict:
    """hcc_tflm_add_params_t (Add and Sub: add_params / sub_params of tflite_numerics)."""
    from hcc.quant import tflite_numerics as tfl

    (s_a, z_a), (s_b, z_b), (s_y, z_y) = (scale_zp(v) for v in (*op.inputs, op.outputs[0]))
    p = (tfl.sub_params if subtract else tfl.add_params)(s_a, s_b, s_y)
    return {**tflite_layout(op, commutes=not subtract), **p, "z_a": z_a, "z_b": z_b, "z_out": z_y,
            "act_min": -128, "act_max": 127, "subtract": int(subtract)}


def emit_tflite_binary(e, op, p: dict, ctype: str, fn: str, fields: tuple[str, ...]) -> list[str]:
    """`fn` (hcc_tflm_add_s8 / hcc_tflm_mul_s8) on the layout of tflite_layout."""
    a, b = op.inputs
    ops = [operand(e, a), operand(e, b)]
    if "expand" in p:
        i = p["expand"]
        v = op.inputs[i]
        ops[i] = e.array(v.name + "_expanded", np.broadcast_to(v.const, op.outputs[0].type.shape), np.int8)
    if p["swap"]:
        ops, p = ops[::-1], _swapped(p)
    params = e.struct(ctype, op.name, {k: p[k] for k in fields})
    return [f"{fn}({params}, {ops[0]}, {ops[1]}, {p['rows']}, {p['channels']}, {BROADCAST[p['broadcast']]}, "
            f"{e.ptr(op.outputs[0])});"]


def eval_tflite_add(op, inputs, p: dict) -> list[np.ndarray]:
    from hcc.quant.tflite_numerics import add_int8

    y = add_int8(inputs[0], p["z_a"], inputs[1], p["z_b"], p, p["z_out"], subtract=bool(p["subtract"]))
    return [y.reshape(op.outputs[0].type.shape)]


def _eval_add_kernel(op, inputs, p: dict) -> list:
    """Add and Sub (b's multiplier negated in `p`) on one kernel, hcc's or TFLM's."""
    from hcc.kernels.add import add

    if tflite_numerics(op):
        return eval_tflite_add(op, inputs, p)
    y = add(inputs[0], p["z_a"], inputs[1], p["z_b"], p["m_a"], p["m_b"], p["shift"], p["z_out"])
    return [y.reshape(op.outputs[0].type.shape)]


@register
class Add(BinaryOp):
    name = "Add"
    fn = staticmethod(np.add)
    attrs = {**NUMERICS}

    def int8_params(self, op) -> dict:
        if tflite_numerics(op):
            return tflite_add_params(op, subtract=False)
        return {**binary_layout(op, commutes=True), **pair_params(op)}

    def eval_int8(self, op, inputs):
        return _eval_add_kernel(op, inputs, self.int8_params(op))

    c_kernels = ("hcc_add_s8", "hcc_add_broadcast_s8", "hcc_tflm_add_s8")
    c_kernels_float = ("hcc_add_f32", "hcc_binary_f32")
    constraints = _BROADCAST_RULE + _TFLITE_RULE

    def emit_c(self, e, index, op):
        if tflite_numerics(op):
            return emit_tflite_binary(e, op, self.int8_params(op), "hcc_tflm_add_params_t", "hcc_tflm_add_s8",
                                      TFLM_ADD_FIELDS)
        return emit_binary_s8(e, op, self.int8_params(op), "hcc_add_params_t", "hcc_add_s8", "hcc_add_broadcast_s8",
                               PAIR_FIELDS)

    def emit_c_float(self, e, index, op):
        return emit_binary_f32(e, op, "hcc_add_f32", "HCC_BINARY_ADD")


@register
class Sub(BinaryOp):
    """int8: Add's kernel with b's multiplier negated."""

    name = "Sub"
    constraints = _BROADCAST_RULE + _TFLITE_RULE
    fn = staticmethod(np.subtract)
    attrs = {**NUMERICS}

    def int8_params(self, op) -> dict:
        if tflite_numerics(op):
            return tflite_add_params(op, subtract=True)
        return {**binary_layout(op, commutes=False, fast=False), **pair_params(op, negate_b=True)}

    def eval_int8(self, op, inputs):
        return _eval_add_kernel(op, inputs, self.int8_params(op))

    c_kernels = ("hcc_add_broadcast_s8", "hcc_tflm_add_s8")
    c_kernels_float = ("hcc_binary_f32",)

    def emit_c(self, e, index, op):
        if tflite_numerics(op):
            return emit_tflite_binary(e, op, self.int8_params(op), "hcc_tflm_add_params_t", "hcc_tflm_add_s8",
                                      TFLM_ADD_FIELDS)
        return emit_binary_s8(e, op, self.int8_params(op), "hcc_add_params_t", None, "hcc_add_broadcast_s8",
                               PAIR_FIELDS)

    def emit_c_float(self, e, index, op):
        return emit_binary_f32(e, op, None, "HCC_BINARY_SUB")


@register
class Mul(BinaryOp):
    name = "Mul"
    fn = staticmethod(np.multiply)
    attrs = {**NUMERICS}

    def int8_params(self, op) -> dict:
        (s_a, z_a), (s_b, z_b), (s_y, z_y) = (scale_zp(v) for v in (*op.inputs, op.outputs[0]))
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import mul_multiplier

            mult, shift = mul_multiplier(s_a, s_b, s_y)
            return {**tflite_layout(op, commutes=True), "z_a": z_a, "z_b": z_b, "z_out": z_y, "mult": mult,
                    "shift": shift, "act_min": -128, "act_max": 127}
        mult, shift = quantize_multiplier(s_a * s_b / s_y)
        return {**binary_layout(op, commutes=True), "z_a": z_a, "z_b": z_b, "z_out": z_y, "mult": mult,
                "shift": shift, "act_min": -128, "act_max": 127}

    def eval_int8(self, op, inputs):
        from hcc.kernels.mul import mul

        p = self.int8_params(op)
        if tflite_numerics(op):
            from hcc.quant.tflite_numerics import mul_int8

            y = mul_int8(inputs[0], p["z_a"], inputs[1], p["z_b"], p["mult"], p["shift"], p["z_out"])
            return [y.reshape(op.outputs[0].type.shape)]
        y = mul(inputs[0], p["z_a"], inputs[1], p["z_b"], p["mult"], p["shift"], p["z_out"])
        return [y.reshape(op.outputs[0].type.shape)]

    c_kernels = ("hcc_mul_s8", "hcc_mul_broadcast_s8", "hcc_tflm_mul_s8")
    c_kernels_float = ("hcc_mul_f32", "hcc_binary_f32")
    constraints = _BROADCAST_RULE + _TFLITE_RULE

    def emit_c(self, e, index, op):
        if tflite_numerics(op):
            return emit_tflite_binary(e, op, self.int8_params(op), "hcc_mul_params_t", "hcc_tflm_mul_s8", MUL_FIELDS)
        return emit_binary_s8(e, op, self.int8_params(op), "hcc_mul_params_t", "hcc_mul_s8", "hcc_mul_broadcast_s8",
                               MUL_FIELDS)

    def emit_c_float(self, e, index, op):
        return emit_binary_f32(e, op, "hcc_mul_f32", "HCC_BINARY_MUL")


@register
class Div(BinaryOp):
    """int8: a constant divisor becomes a Mul by its reciprocal (canonicalize-arithmetic);
    the quotient of two activations has no int8 kernel (no model of the zoo needs one)."""

    name = "Div"
    constraints = ("numpy broadcasting; integer Div truncates toward zero. int8: a constant divisor only "
                   "(made a Mul by its reciprocal by canonicalize-arithmetic)")
    fn = staticmethod(_div)
    c_kernels_float = ("hcc_binary_f32",)

    def emit_c_float(self, e, index, op):
        return emit_binary_f32(e, op, None, "HCC_BINARY_DIV")


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

    def tflite_table(self, op, s_x: float, z_x: int, s_y: float, z_y: int) -> np.ndarray:
        """The table of TFLM's int8 kernel for the 256 input codes (numerics "tflite";
        hcc/quant/tflite_numerics.py), for the ops that declare NUMERICS."""
        raise UnsupportedOpError(f"{op.where()}: {self.name} has no TFLite numerics")

    def int8_params(self, op) -> dict:
        if not self.lookup_table:
            raise UnsupportedOpError(f"{op.where()}: no int8 implementation for {self.name}")
        from hcc.quant.lut import build_lut

        (s_x, z_x), (s_y, z_y) = scale_zp(op.inputs[0]), scale_zp(op.outputs[0])
        if tflite_numerics(op):
            return {"n": op.outputs[0].type.numel, "table": self.tflite_table(op, s_x, z_x, s_y, z_y)}
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
    commutes_with_channel_scale = True
    fn = staticmethod(lambda x: np.maximum(x, 0))
    attrs = {**NUMERICS}

    def flat_outside(self, op):
        return 0.0, float("inf")

    def output_bounds(self, op):
        return 0.0, float("inf")

    def tflite_table(self, op, s_x, z_x, s_y, z_y):
        from hcc.quant.tflite_numerics import relu_table

        return relu_table(s_x, z_x, s_y, z_y)

    def int8_params(self, op) -> dict:
        if tflite_numerics(op):  # TFLM requantizes to the output's parameters, which may differ
            return super().int8_params(op)
        # Same parameters in and out, so ReLU clamps at the zero point: a table of max(q, z).
        _, z = scale_zp(op.inputs[0])
        return {"n": op.outputs[0].type.numel, "table": np.maximum(np.arange(-128, 128), z).astype(np.int8)}


@register
class Sigmoid(UnaryOp):
    name = "Sigmoid"
    lookup_table = True
    float_unary = "HCC_UNARY_SIGMOID"
    fn = staticmethod(_sigmoid)
    attrs = {**NUMERICS}

    def output_bounds(self, op):
        return 0.0, 1.0

    def tflite_table(self, op, s_x, z_x, s_y, z_y):
        from hcc.quant.tflite_numerics import logistic_table

        return logistic_table(s_x, z_x)  # TFLM requires the output at 1/256, -128


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
    attrs = {**NUMERICS}

    def output_bounds(self, op):
        return -1.0, 1.0

    def tflite_table(self, op, s_x, z_x, s_y, z_y):
        from hcc.quant.tflite_numerics import tanh_table

        return tanh_table(s_x, z_x)  # TFLM requires the output at 1/128, 0


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
class Abs(UnaryOp):
    name = "Abs"
    lookup_table = True
    float_unary = "HCC_UNARY_ABS"
    fn = staticmethod(np.abs)


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
