"""Helpers the ops' C emission (`emit_c`, `emit_c_float`) shares: operands, copies, the
weight arrays and parameter fields of the conv, pooling and per-channel kernels, float
literals. Each takes the backend's Emitter `e` as an argument; no op imports hcc.backend.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import HccError, UnsupportedOpError
from hcc.ir.graph import Op, Value
from hcc.ops.axes import norm_axis
from hcc.ops.layout import is_nhwc

# hcc_broadcast_t (runtime_c/include/hcc_kernels.h), by hcc.kernels.add.broadcast_kind
BROADCAST = {0: "HCC_BROADCAST_NONE", 1: "HCC_BROADCAST_CHANNEL", 2: "HCC_BROADCAST_SCALAR"}


def broadcast_shape_struct(e, op: Op, plan) -> str:
    """hcc_broadcast_shape_t (runtime_c/include/hcc_runtime.h) of a BroadcastPlan
    (hcc/kernels/broadcast.py), as a static struct; returns a pointer expression."""
    def ints(values) -> str:
        return "{" + ", ".join(str(int(v)) for v in values) + "}"

    return e.struct("hcc_broadcast_shape_t", op.name + "_shape", {
        "rank": plan.rank, "dims": ints(plan.dims), "a_strides": ints(plan.a_strides), "b_strides": ints(plan.b_strides)})


def operand(e, value: Value) -> str:
    """An activation pointer, or a constant operand emitted as an int8 array."""
    if value.is_const:
        return e.array(value.name, value.const, np.int8)
    return e.ptr(value)


def optional_ptr(e, value: Value) -> str:
    """An optional result's buffer, or NULL when nothing reads it (OpDef.optional_results:
    the planner gave it no memory and the kernel skips it)."""
    if e.graph.is_output(value) or e.graph.users(value):
        return e.ptr(value)
    return "NULL"


def float_operand(e, value: Value) -> str:
    """An activation pointer, or a constant operand emitted as a float array."""
    return e.array(value.name, value.const, np.float32) if value.is_const else e.ptr(value)


def optional_float(e, op: Op, index: int, hint: str) -> str:
    """A constant float input as an array, or NULL when absent."""
    value = op.inputs[index] if len(op.inputs) > index else None
    return "NULL" if value is None else e.array(op.name + hint, value.const, np.float32)


def copy_bytes(e, op: Op, byte_offset: int = 0) -> list[str]:
    """Output = input's bytes from `byte_offset` (nothing when the planner made them one buffer).
    In a float build the pointers are float, so the offset counts elements; sizes are bytes."""
    src, dst = e.ptr(op.inputs[0]), e.ptr(op.outputs[0])
    if src == dst and byte_offset == 0:
        return [f"/* {op.outputs[0].name} is {op.inputs[0].name}: nothing to move */"]
    return [f"memmove({dst}, {src} + {byte_offset}, {op.outputs[0].type.nbytes});"]


class ViewEmission:
    """Mixin of the ops whose output is their input's bytes (Reshape, Squeeze, Identity...):
    the same C in both builds, usually nothing at all (the planner aliases the buffers)."""

    c_kernels = c_kernels_float = ("memmove",)

    def emit_c(self, e, index: int, op: Op) -> list[str]:
        return copy_bytes(e, op)

    def emit_c_float(self, e, index: int, op: Op) -> list[str]:
        return copy_bytes(e, op)


def weight_arrays(e, op: Op, p: dict) -> str:
    """The weights, bias, multipliers and shifts of a per-channel kernel, as C arguments."""
    return ", ".join([e.array(op.name + "_w", p["weights"], np.int8), e.array(op.name + "_b", p["bias"], np.int32),
                      e.array(op.name + "_m", p["mult"], np.int32), e.array(op.name + "_s", p["shift"], np.int32)])


def conv_fields(c: dict, z_in: int, z_out: int, act) -> dict:
    """hcc_conv2d_params_t from a conv_geometry() dict, zero points and clamp bounds."""
    (in_h, in_w, in_c), (out_h, out_w, out_c) = c["in"], c["out"]
    return {"in_h": in_h, "in_w": in_w, "in_c": in_c, "out_h": out_h, "out_w": out_w, "out_c": out_c,
            "k_h": c["kernel"][0], "k_w": c["kernel"][1], "stride_h": c["strides"][0], "stride_w": c["strides"][1],
            "pad_top": c["pads"][0], "pad_left": c["pads"][1], "dilation_h": c["dilations"][0],
            "dilation_w": c["dilations"][1], "groups": c["groups"], "z_in": z_in, "z_out": z_out,
            "act_min": act[0], "act_max": act[1]}


def pool_fields(in_hw, channels, out_hw, kernel, strides, pads) -> dict:
    """hcc_pool_params_t (NHWC; pads are ONNX's [top, left, bottom, right])."""
    return {"in_h": in_hw[0], "in_w": in_hw[1], "c": channels, "out_h": out_hw[0], "out_w": out_hw[1],
            "k_h": kernel[0], "k_w": kernel[1], "stride_h": strides[0], "stride_w": strides[1],
            "pad_top": pads[0], "pad_left": pads[1]}


def require_nhwc_batch1(op: Op) -> None:
    if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1:
        raise UnsupportedOpError(f"{op.where()}: the float C kernel needs an NHWC input of batch 1")


def last_axis(op: Op, axis: int) -> tuple[int, int]:
    """(rows, n) of a float kernel working along the last axis of its input."""
    x = op.inputs[0].type
    if norm_axis(op, axis, x.rank) != x.rank - 1:
        raise UnsupportedOpError(f"{op.where()}: the float C {op.kind} works along the last axis only")
    return x.numel // x.shape[-1], x.shape[-1]


def c_float_bound(v) -> str:
    """A clamp bound as a float32 C expression: c_float, or INFINITY / -INFINITY (math.h,
    included by hcc_float.h) for an unbounded side."""
    v = float(v)
    if np.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return c_float(v)


def c_float(v) -> str:
    """A float32 value as a C float literal that reads back to the same float."""
    v = np.float32(v)
    if not np.isfinite(v):
        raise HccError(f"cannot emit the non-finite constant {v} in a float build")
    text = f"{float(v):.9g}"
    if not any(ch in text for ch in ".en"):
        text += ".0"
    return text + "f"


def _c_list(values) -> str:
    return "{" + ", ".join(str(int(v)) for v in values) + "}"


def emit_remap(e, op: Op, src: Value, dst: Value, maps, fill=None) -> list[str]:
    """hcc_remap (runtime_c/src/remap.c) copying `src` into `dst` along the per-axis index
    maps of hcc.kernels.remap (-1: `fill`, one element in the build's type); both builds."""
    from hcc.kernels.remap import RemapTooDeep, remap_plan

    try:
        plan = remap_plan(src.type.shape, maps)
    except RemapTooDeep as err:
        raise UnsupportedOpError(f"{op.where()}: {err}") from None
    if plan["block"] == 0:
        return [f"/* {dst.name} is empty: nothing to copy */"]
    axes = [(1, 0, None)] * (4 - len(plan["axes"])) + list(plan["axes"])
    tables, starts = [], []
    for _, _, table in axes:
        starts.append(-1 if table is None else sum(len(t) for t in tables))
        if table is not None:
            tables.append(np.asarray(table))
    floats = e.elem == "float"
    params = e.struct("hcc_remap_t", op.name, {
        "count": _c_list(a[0] for a in axes), "stride": _c_list(a[1] for a in axes), "table": _c_list(starts),
        "base": plan["base"], "block": plan["block"], "elem_bytes": 4 if floats else 1})
    table_arg = e.array(op.name + "_map", np.concatenate(tables), np.int32) if tables else "NULL"
    fill_arg = "NULL" if fill is None else e.array(op.name + "_fill", np.array([fill]), np.float32 if floats else np.int8)
    return [f"hcc_remap({params}, {table_arg}, {e.ptr(src)}, {fill_arg}, {e.ptr(dst)});"]


class RemapEmission:
    """Mixin of the ops whose C is hcc_remap in both builds (Slice, Split, Pad): the op says
    `remaps(op, float_build)` -> [(result, per-axis index maps, fill or None)], one per result."""

    c_kernels = c_kernels_float = ("hcc_remap",)

    def emit_c(self, e, index: int, op: Op) -> list[str]:
        floats = e.elem == "float"
        return [line for dst, maps, fill in self.remaps(op, floats) for line in emit_remap(e, op, op.inputs[0], dst, maps, fill)]

    def emit_c_float(self, e, index: int, op: Op) -> list[str]:
        return self.emit_c(e, index, op)
