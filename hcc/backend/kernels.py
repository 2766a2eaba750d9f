"""IR op -> runtime kernel call. One emission function per op kind.

Each function reads the op's integer parameters from its OpDef (`int8_params`, the same
numbers the int8 interpreter uses), registers constant arrays and a parameter struct with
the Emitter, and returns the C statements of the call.
"""

from __future__ import annotations

import numpy as np

from hcc.backend.emitter import Emitter
from hcc.errors import QuantizationError, UnsupportedOpError
from hcc.ir.graph import Op, Value

EMITTERS = {}
BROADCAST = {0: "HCC_BROADCAST_NONE", 1: "HCC_BROADCAST_CHANNEL", 2: "HCC_BROADCAST_SCALAR"}


def emits(*kinds):
    def wrap(fn):
        for kind in kinds:
            EMITTERS[kind] = fn
        return fn

    return wrap


def emit_op(e: Emitter, index: int, op: Op) -> None:
    fn = EMITTERS.get(op.kind)
    if fn is None and getattr(op.opdef, "lookup_table", False):
        fn = EMITTERS["__lut__"]
    if fn is None:
        raise UnsupportedOpError(f"{op.where()}: the C backend has no kernel for {op.kind}")
    try:
        call = fn(e, index, op)
    except QuantizationError as err:
        raise QuantizationError(f"{op.where()}: {err}") from None
    e.emit(index, op, call)


def operand(e: Emitter, value: Value) -> str:
    """An activation pointer, or a constant operand emitted as an array."""
    if value.is_const:
        return e.array(value.name, value.const, np.int8)
    return e.ptr(value)


@emits("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity")
def _view(e, index, op):
    return _copy(e, op)


@emits("Transpose")
def _transpose(e, index, op):
    shape, perm = list(op.inputs[0].type.shape), list(op.opdef.perm(op))
    keep = [axis for axis, size in enumerate(shape) if size != 1]  # size-1 axes move nothing
    if len(keep) < 2:
        return _copy(e, op)
    renumber = {axis: i for i, axis in enumerate(keep)}
    shape, perm = [shape[a] for a in keep], [renumber[a] for a in perm if a in renumber]
    if len(shape) > 4:
        raise UnsupportedOpError(f"{op.where()}: the C transpose handles up to 4 axes larger than 1")
    dims = e.array(op.name + "_dims", np.array(shape, np.int32))
    perm_name = e.array(op.name + "_perm", np.array(perm, np.int32))
    return [f"hcc_transpose_s8({e.ptr(op.inputs[0])}, {len(shape)}, {dims}, {perm_name}, {e.ptr(op.outputs[0])});"]


def _copy(e, op, byte_offset: int = 0):
    src, dst = e.ptr(op.inputs[0]), e.ptr(op.outputs[0])
    if src == dst and byte_offset == 0:
        return [f"/* {op.outputs[0].name} is {op.inputs[0].name}: nothing to move */"]
    return [f"memmove({dst}, {src} + {byte_offset}, {op.outputs[0].type.nbytes});"]


@emits("Gather")
def _gather(e, index, op):
    """A constant scalar index on an axis with only size-1 axes before it: one contiguous block."""
    x, idx = op.inputs[0].type, op.inputs[1]
    axis = op.attrs["axis"] % x.rank
    if idx.const is None or idx.const.size != 1 or int(np.prod(x.shape[:axis])) != 1:
        raise UnsupportedOpError(f"{op.where()}: the C backend gathers one constant index on a leading axis only")
    i = int(np.ravel(idx.const)[0]) % x.shape[axis]
    return _copy(e, op, i * int(np.prod(x.shape[axis + 1:])))


def _weight_arrays(e, op, p) -> str:
    """The weights, bias, multipliers and shifts of a per-channel kernel, as C arguments."""
    return ", ".join([e.array(op.name + "_w", p["weights"], np.int8), e.array(op.name + "_b", p["bias"], np.int32),
                      e.array(op.name + "_m", p["mult"], np.int32), e.array(op.name + "_s", p["shift"], np.int32)])


def _conv_fields(c: dict, z_in: int, z_out: int, act) -> dict:
    (in_h, in_w, in_c), (out_h, out_w, out_c) = c["in"], c["out"]
    return {"in_h": in_h, "in_w": in_w, "in_c": in_c, "out_h": out_h, "out_w": out_w, "out_c": out_c,
            "k_h": c["kernel"][0], "k_w": c["kernel"][1], "stride_h": c["strides"][0], "stride_w": c["strides"][1],
            "pad_top": c["pads"][0], "pad_left": c["pads"][1], "dilation_h": c["dilations"][0],
            "dilation_w": c["dilations"][1], "groups": c["groups"], "z_in": z_in, "z_out": z_out,
            "act_min": act[0], "act_max": act[1]}


@emits("FusedConv2d")
def _fused_conv(e, index, op):
    p = op.opdef.int8_params(op)
    c = p["conv"]
    zero_add = {"z_a": 0, "z_b": 0, "z_out": 0, "m_a": 0, "m_b": 0, "shift": 0, "act_min": -128, "act_max": 127}
    add = zero_add if not p["has_residual"] else {
        "z_a": p["z_conv"], "z_b": p["z_res"], "z_out": p["z_add"], "m_a": p["m_conv"], "m_b": p["m_res"],
        "shift": p["add_shift"], "act_min": p["add_act"][0], "act_max": p["add_act"][1]}
    out_h, out_w = op.outputs[0].type.shape[1:3]
    pool = {"in_h": c["out"][0], "in_w": c["out"][1], "c": c["out"][2], "out_h": out_h, "out_w": out_w,
            "k_h": 1, "k_w": 1, "stride_h": 1, "stride_w": 1, "pad_top": 0, "pad_left": 0}
    if p["has_pool"]:
        pool.update(k_h=p["pool_kernel"][0], k_w=p["pool_kernel"][1], stride_h=p["pool_strides"][0],
                    stride_w=p["pool_strides"][1], pad_top=p["pool_pads"][0], pad_left=p["pool_pads"][1])
    params = e.struct("hcc_conv2d_pool_params_t", op.name, {
        "conv": _conv_fields(c, p["z_in"], p["z_conv"], p["conv_act"]), "has_residual": int(p["has_residual"]),
        "add": add, "has_pool": int(p["has_pool"]), "pool": pool})
    residual = e.ptr(op.inputs[3]) if p["has_residual"] else "NULL"
    planned = op.opdef.scratch_bytes(op)
    scratch = e.scratch(index) if planned else "NULL"
    return [f"HCC_CHECK_SCRATCH(hcc_conv2d_pool_s8_scratch_size({params}), {planned});",
            f"hcc_conv2d_pool_s8({params}, {e.ptr(op.inputs[0])}, {_weight_arrays(e, op, p)}, {residual}, {scratch}, "
            f"{e.ptr(op.outputs[0])});"]


def fc_row_layout(weights, bias, z_in: int):
    """hcc_fully_connected_row_s8's weights and bias (hcc_kernels.h): weights [n, k] int8 as
    blocks of 4 channels (the last n % 4 wide), within a block each input's weights side by
    side, stored as w + 128 (uint8, as many bytes as before); bias - (z_in + 128) sum_i w,
    wrapped to int32."""
    w = np.asarray(weights, np.int64)
    blocked = np.concatenate([(w[j:j + 4] + 128).T.reshape(-1) for j in range(0, w.shape[0], 4)])
    folded = np.asarray(bias, np.int64) - (z_in + 128) * w.sum(axis=1)
    return blocked.astype(np.uint8), ((folded + 2**31) % 2**32 - 2**31).astype(np.int32)


@emits("FullyConnected")
def _fully_connected(e, index, op):
    p = op.opdef.int8_params(op)
    params = e.struct("hcc_fc_params_t", op.name, {k: p[k] for k in ("rows", "k", "n", "z_in", "z_out", "act_min", "act_max")})
    if p["rows"] == 1:  # no weight reuse across rows: the compile-time blocked layout
        weights, bias = fc_row_layout(p["weights"], p["bias"], p["z_in"])
        arrays = ", ".join([e.array(op.name + "_w", weights, np.uint8), e.array(op.name + "_b", bias, np.int32),
                            e.array(op.name + "_m", p["mult"], np.int32), e.array(op.name + "_s", p["shift"], np.int32)])
        return [f"hcc_fully_connected_row_s8({params}, {e.ptr(op.inputs[0])}, {arrays}, {e.ptr(op.outputs[0])});"]
    planned = op.opdef.scratch_bytes(op)
    scratch = e.scratch(index) if planned else "NULL"
    return [f"HCC_CHECK_SCRATCH(hcc_fully_connected_s8_scratch_size({params}), {planned});",
            f"hcc_fully_connected_s8({params}, {e.ptr(op.inputs[0])}, {_weight_arrays(e, op, p)}, {scratch}, "
            f"{e.ptr(op.outputs[0])});"]


@emits("Add", "Mul")
def _binary(e, index, op):
    p = op.opdef.int8_params(op)
    if op.kind == "Add":
        fields, ctype, fn = ("z_a", "z_b", "z_out", "m_a", "m_b", "shift", "act_min", "act_max"), "hcc_add_params_t", "hcc_add_s8"
    else:
        fields, ctype, fn = ("z_a", "z_b", "z_out", "mult", "shift", "act_min", "act_max"), "hcc_mul_params_t", "hcc_mul_s8"
    params = e.struct(ctype, op.name, {k: p[k] for k in fields})
    a, b = operand(e, op.inputs[0]), operand(e, op.inputs[1])
    return [f"{fn}({params}, {a}, {b}, {p['rows']}, {p['channels']}, {BROADCAST[p['broadcast']]}, {e.ptr(op.outputs[0])});"]


@emits("__lut__", "Relu")
def _lut(e, index, op):
    p = op.opdef.int8_params(op)
    table = e.array(op.name + "_lut", p["table"], np.int8)
    return [f"hcc_lut_s8({e.ptr(op.inputs[0])}, {p['n']}, {table}, {e.ptr(op.outputs[0])});"]


@emits("CausalConv1d")
def _causal_conv1d(e, index, op):
    p = op.opdef.int8_params(op)
    return [f"hcc_dwconv1d_causal_s8({e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])}, {p['length']}, {p['channels']}, "
            f"{p['kernel']}, {_weight_arrays(e, op, p)}, {p['z_in']}, {p['z_out']}, {p['act_min']}, {p['act_max']});"]


@emits("SelectiveScan")
def _selective_scan(e, index, op):
    sp = op.opdef.int8_params(op)
    length, channels = op.inputs[0].type.shape
    states = op.inputs[2].type.shape[1]
    params = e.struct("hcc_scan_params_t", op.name, {
        "dt_table": e.array(op.name + "_dt", sp.dt_table, np.int16),
        "a": e.array(op.name + "_a", sp.a, np.uint16),
        "exp2_hi": e.array(op.name + "_exp2hi", sp.exp2_hi, np.uint16),
        "exp2_lo": e.array(op.name + "_exp2lo", sp.exp2_lo, np.uint16),
        "m_d": e.array(op.name + "_md", sp.m_d, np.int32),
        "s_d": e.array(op.name + "_sd", sp.s_d, np.int32),
        "sh_p": sp.sh_p, "k_in": sp.k_in, "h_max": sp.h_max, "z_u": sp.z_u, "z_b": sp.z_b, "z_c": sp.z_c,
        "z_out": sp.z_out, "m_y": sp.m_y, "s_y": sp.s_y})
    u, dt, b, c = (e.ptr(v) for v in op.inputs[:4])
    return [f"HCC_CHECK_SCRATCH(hcc_scan_scratch_size({channels}, {states}), {op.opdef.scratch_bytes(op)});",
            f"hcc_selective_scan_s8({u}, {dt}, {b}, {c}, {e.ptr(op.outputs[0])}, (int32_t *){e.scratch(index)}, "
            f"{length}, {channels}, {states}, {params});"]


@emits("LayerNormalization")
def _layernorm(e, index, op):
    p = op.opdef.int8_params(op)
    channels = op.inputs[0].type.shape[-1]
    params = e.struct("hcc_layernorm_params_t", op.name, {
        "z_x": p.z_x, "z_y": p.z_y, "eps_term": p.eps_term,
        "gamma_q": e.array(op.name + "_g", p.gamma_q, np.int32), "beta_q": e.array(op.name + "_b", p.beta_q, np.int32),
        "shift": p.shift})
    rows = op.inputs[0].type.numel // channels
    return [f"hcc_layernorm_s8({params}, {e.ptr(op.inputs[0])}, {rows}, {channels}, {e.ptr(op.outputs[0])});"]


@emits("Softmax")
def _softmax(e, index, op):
    p = op.opdef.int8_params(op)
    table = e.array(op.name + "_exp", p["exp_table"], np.uint16)
    return [f"hcc_softmax_s8({e.ptr(op.inputs[0])}, {p['rows']}, {p['n']}, {table}, {e.ptr(op.outputs[0])});"]


@emits("MatMul")
def _matmul(e, index, op):
    p = op.opdef.int8_params(op)
    params = e.struct("hcc_matmul_params_t", op.name,
                      {k: p[k] for k in ("batch", "m", "k", "n", "z_a", "z_b", "z_out", "mult", "shift", "act_min", "act_max")})
    a, b = operand(e, op.inputs[0]), operand(e, op.inputs[1])
    return [f"hcc_matmul_s8({params}, {a}, {b}, {e.ptr(op.outputs[0])});"]


@emits("MaxPool")
def _maxpool(e, index, op):
    from hcc.ops.layout import is_nhwc

    a = op.attrs
    if not is_nhwc(op) or op.inputs[0].type.shape[0] != 1 or a["ceil_mode"] or any(d != 1 for d in a["dilations"]):
        raise UnsupportedOpError(f"{op.where()}: the C maxpool needs NHWC, batch 1, no dilation, floor mode")
    _, in_h, in_w, ch = op.inputs[0].type.shape
    _, out_h, out_w, _ = op.outputs[0].type.shape
    params = e.struct("hcc_pool_params_t", op.name, {
        "in_h": in_h, "in_w": in_w, "c": ch, "out_h": out_h, "out_w": out_w, "k_h": a["kernel_shape"][0],
        "k_w": a["kernel_shape"][1], "stride_h": a["strides"][0], "stride_w": a["strides"][1],
        "pad_top": a["pads"][0], "pad_left": a["pads"][1]})
    return [f"hcc_maxpool_s8({params}, {e.ptr(op.inputs[0])}, {e.ptr(op.outputs[0])});"]
