"""IR op -> float32 runtime kernel call: the emitters of the `--float` build.

The float build runs the lowered float graph (build_target_graph(..., quantize=False))
with the kernels of runtime_c/include/hcc_float.h. Each function here reads the op's
float constants and attributes, registers `const float` arrays and parameter structs
with a FloatEmitter, and returns the C statements of the call. The semantics are the
ops' float `eval` (hcc/ops/*.py).
"""

from __future__ import annotations

import numpy as np

from hcc.backend import kernels as int8_kernels
from hcc.backend.emitter import CArray, Emitter
from hcc.errors import HccError, UnsupportedOpError
from hcc.ir.graph import Op, Value
from hcc.ops.axes import norm_axis

FLOAT_EMITTERS = {}
UNARY = {"Relu": "HCC_UNARY_RELU", "Sigmoid": "HCC_UNARY_SIGMOID", "Silu": "HCC_UNARY_SILU",
         "Softplus": "HCC_UNARY_SOFTPLUS", "Exp": "HCC_UNARY_EXP", "Tanh": "HCC_UNARY_TANH", "Neg": "HCC_UNARY_NEG"}


def c_float(v) -> str:
    """A float32 value as a C float literal that reads back to the same float."""
    v = np.float32(v)
    if not np.isfinite(v):
        raise HccError(f"cannot emit the non-finite constant {v} in a float build")
    text = f"{float(v):.9g}"
    if not any(ch in text for ch in ".en"):
        text += ".0"
    return text + "f"


class FloatArray(CArray):
    """A `const float` array (values kept as float32)."""

    @property
    def itemsize(self) -> int:
        return 4

    def rows(self, per_line: int = 8) -> list[str]:
        items = [c_float(v) for v in self.values]
        return [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]


class FloatEmitter(Emitter):
    """The Emitter of a float build: activations are float, float constants `const float`."""

    elem = "float"

    def array(self, hint: str, values, dtype=None, comment: str = "") -> str:
        values = np.asarray(values if dtype is None else np.asarray(values).astype(dtype))
        if not np.issubdtype(values.dtype, np.floating):
            return super().array(hint, values, comment=comment)
        name = f"{self.name}_{self._ident(hint)}_{len(self.arrays)}"
        self.arrays.append(FloatArray(name, "float", values.astype(np.float32).reshape(-1), comment))
        return name

    def scratch(self, index: int) -> str:
        return f"(float *){super().scratch(index)}"


def emits(*kinds):
    def wrap(fn):
        for kind in kinds:
            FLOAT_EMITTERS[kind] = fn
        return fn

    return wrap


def emit_float_op(e: FloatEmitter, index: int, op: Op) -> None:
    fn = FLOAT_EMITTERS.get(op.kind)
    if fn is None:
        raise UnsupportedOpError(f"{op.where()}: the float C backend has no kernel for {op.kind}")
    e.emit(index, op, fn(e, index, op))


def _operand(e: FloatEmitter, value: Value) -> str:
    """An activation pointer, or a constant operand emitted as a float array."""
    return e.array(value.name, value.const, np.float32) if value.is_const else e.ptr(value)


def _optional(e: FloatEmitter, op: Op, index: int, hint: str) -> str:
    """A constant float input as an array, or NULL when absent."""
    value = op.inputs[index] if len(op.inputs) > index else None
    return "NULL" if value is None else e.array(op.name + hint, value.const, np.float32)


# Data movement is the int8 build's code: the pointers are float, so its offsets count
# elements, and its memmove sizes are the values' bytes.
for _kind in ("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Gather"):
    FLOAT_EMITTERS[_kind] = int8_kernels.EMITTERS[_kind]


@emits("Transpose")
def _transpose(e, index, op):
    return [line.replace("hcc_transpose_s8(", "hcc_transpose_f32(") for line in int8_kernels.EMITTERS["Transpose"](e, index, op)]


def _pool_fields(in_hw, channels, out_hw, kernel, strides, pads) -> dict:
    return {"in_h": in_hw[0], "in_w": in_hw[1], "c": channels, "out_h": out_hw[0], "out_w": out_hw[1],
            "k_h": kernel[0], "k_w": kernel[1], "stride_h": strides[0], "stride_w": strides[1],
            "pad_top": pads[0], "pad_left": pads[1]}


def _nhwc_batch1(op: Op) -> None:
    from hcc.ops.layout import is_nhwc

    if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1:
        raise UnsupportedOpError(f"{op.where()}: the float C kernel needs an NHWC input of batch 1")


@emits("FusedConv2d")
def _fused_conv(e, index, op):
    from hcc.ops.fused_conv2d import conv_geometry

    _nhwc_batch1(op)
    a = op.attrs
    w = op.inputs[1]
    c = conv_geometry(op.inputs[0].type.shape[1:], w.type.shape, a)
    (in_h, in_w, in_c), (out_h, out_w, out_c) = c["in"], c["out"]
    groups = c["groups"]
    pooled = op.outputs[0].type.shape[1:3]
    if a["pool_kernel"]:
        pool = _pool_fields((out_h, out_w), out_c, pooled, a["pool_kernel"], a["pool_strides"], a["pool_pads"])
    else:
        pool = _pool_fields((out_h, out_w), out_c, pooled, (1, 1), (1, 1), (0, 0))
    params = e.struct("hcc_conv2d_pool_f32_params_t", op.name, {
        "in_h": in_h, "in_w": in_w, "in_c": in_c, "out_h": out_h, "out_w": out_w, "out_c": out_c,
        "k_h": c["kernel"][0], "k_w": c["kernel"][1], "stride_h": c["strides"][0], "stride_w": c["strides"][1],
        "pad_top": c["pads"][0], "pad_left": c["pads"][1], "dilation_h": c["dilations"][0],
        "dilation_w": c["dilations"][1], "groups": groups, "in_c_per_group": in_c // groups,
        "out_c_per_group": out_c // groups, "relu": int(bool(a["relu"])), "has_residual": int(len(op.inputs) > 3),
        "pool": pool})
    weights = e.array(op.name + "_w", np.ascontiguousarray(w.const.transpose(0, 2, 3, 1)), np.float32)  # OHWI
    bias = _optional(e, op, 2, "_b")
    residual = e.ptr(op.inputs[3]) if len(op.inputs) > 3 else "NULL"
    return [f"hcc_conv2d_pool_f32({params}, {e.ptr(op.inputs[0])}, {weights}, {bias}, {residual}, {e.ptr(op.outputs[0])});"]


@emits("MaxPool")
def _maxpool(e, index, op):
    a = op.attrs
    _nhwc_batch1(op)
    if a["ceil_mode"] or any(d != 1 for d in a["dilations"]):
        raise UnsupportedOpError(f"{op.where()}: the float C maxpool needs no dilation and floor mode")
    _, in_h, in_w, ch = op.inputs[0].type.shape
    _, out_h, out_w, _ = op.outputs[0].type.shape
    params = e.struct("hcc_pool_params_t", op.name,
                      _pool_fields((in_h, in_w), ch, (out_h, out_w), a["kernel_shape"], a["strides"], a["pads"]))
    return [f"hcc_maxpool_f32({params}, {e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])});"]


@emits("FullyConnected")
def _fully_connected(e, index, op):
    x, w = op.inputs[0].type, op.inputs[1]
    n, k = w.type.shape
    weights = e.array(op.name + "_w", w.const, np.float32)
    return [f"hcc_fully_connected_f32({e.ptr(op.inputs[0])}, {x.numel // k}, {k}, {n}, {weights}, "
            f"{_optional(e, op, 2, '_b')}, {int(bool(op.attrs['relu']))}, {e.ptr(op.outputs[0])});"]


@emits("MatMul")
def _matmul(e, index, op):
    a, b = op.inputs[0].type, op.inputs[1].type
    if a.rank < 2 or b.rank != a.rank or a.shape[:-2] != b.shape[:-2]:
        raise UnsupportedOpError(f"{op.where()}: the float C MatMul needs operands with equal batch dimensions")
    batch = int(np.prod(a.shape[:-2]))
    x, y = _operand(e, op.inputs[0]), _operand(e, op.inputs[1])
    return [f"hcc_matmul_f32({x}, {y}, {batch}, {a.shape[-2]}, {a.shape[-1]}, {b.shape[-1]}, {e.ptr(op.outputs[0])});"]


@emits("Add", "Mul")
def _binary(e, index, op):
    from hcc.kernels.add import broadcast_kind

    a, b = op.inputs
    y = op.outputs[0].type
    if a.type.shape != y.shape and b.type.shape == y.shape:
        a, b = b, a  # both commute: the full-size operand goes first
    try:
        if a.type.shape != y.shape:
            raise ValueError
        kind = broadcast_kind(a.type.shape, b.type.shape)
    except ValueError:
        raise UnsupportedOpError(f"{op.where()}: the float C {op.kind} broadcasts only a same-shape, "
                                 "per-channel or scalar operand") from None
    channels = y.shape[-1] if y.rank else 1
    fn = "hcc_add_f32" if op.kind == "Add" else "hcc_mul_f32"
    return [f"{fn}({_operand(e, a)}, {_operand(e, b)}, {y.numel // channels}, {channels}, {int8_kernels.BROADCAST[kind]}, "
            f"{e.ptr(op.outputs[0])});"]


@emits(*UNARY)
def _unary(e, index, op):
    return [f"hcc_unary_f32({UNARY[op.kind]}, {e.ptr(op.inputs[0])}, {op.outputs[0].type.numel}, {e.ptr(op.outputs[0])});"]


def _last_axis(op: Op, axis: int) -> tuple[int, int]:
    """(rows, n) of an op working along the last axis of its input."""
    x = op.inputs[0].type
    if norm_axis(op, axis, x.rank) != x.rank - 1:
        raise UnsupportedOpError(f"{op.where()}: the float C {op.kind} works along the last axis only")
    return x.numel // x.shape[-1], x.shape[-1]


@emits("LayerNormalization")
def _layernorm(e, index, op):
    rows, channels = _last_axis(op, op.attrs["axis"])

    def affine(i, hint):
        value = op.inputs[i] if len(op.inputs) > i else None
        if value is None:
            return "NULL"
        return e.array(op.name + hint, np.broadcast_to(value.const, (channels,)), np.float32)

    return [f"hcc_layernorm_f32({e.ptr(op.inputs[0])}, {rows}, {channels}, {affine(1, '_g')}, {affine(2, '_b')}, "
            f"{c_float(op.attrs['epsilon'])}, {e.ptr(op.outputs[0])});"]


@emits("Softmax")
def _softmax(e, index, op):
    rows, n = _last_axis(op, op.attrs["axis"])
    return [f"hcc_softmax_f32({e.ptr(op.inputs[0])}, {rows}, {n}, {e.ptr(op.outputs[0])});"]


@emits("CausalConv1d")
def _causal_conv1d(e, index, op):
    length, channels = op.inputs[0].type.shape
    kernel = op.inputs[1].type.shape[1]
    weights = e.array(op.name + "_w", op.inputs[1].const, np.float32)
    return [f"hcc_dwconv1d_causal_f32({e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])}, {length}, {channels}, {kernel}, "
            f"{weights}, {_optional(e, op, 2, '_b')});"]


@emits("SelectiveScan")
def _selective_scan(e, index, op):
    length, channels = op.inputs[0].type.shape
    states = op.inputs[2].type.shape[1]
    u, dt, b, c = (e.ptr(v) for v in op.inputs[:4])
    a = e.array(op.name + "_A", op.inputs[4].const, np.float32)
    d = e.array(op.name + "_D", op.inputs[5].const, np.float32)
    return [f"hcc_selective_scan_f32({u}, {dt}, {b}, {c}, {a}, {d}, {length}, {channels}, {states}, "
            f"{int(bool(op.attrs['dt_softplus']))}, {e.scratch(index)}, {e.ptr(op.outputs[0])});"]
