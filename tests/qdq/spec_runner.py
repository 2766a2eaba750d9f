"""Run a QDQ model's int8 graph with onnxruntime's arithmetic (hcc/quant/ort_numerics.py)
instead of hcc's, op by op: the evidence that the specification covers what onnxruntime
computes on whole models, not only on single ops (tests/qdq/test_ort_spec.py).

The graph is hcc's own (imported with the file's scales, built without streaming fusion so
each conv stands alone); ops that round (conv, fully connected, add, mul, global average pool,
softmax over the last axis) take the specification's integers, ops that only move or select data (transpose, reshape,
max pool) hcc's, which involve no rounding. Anything else is refused.
"""

from __future__ import annotations

import numpy as np

from hcc.frontend import load_model
from hcc.ir.graph import Graph
from hcc.kernels.conv2d import conv2d_acc
from hcc.pipeline import build_target_graph
from hcc.quant import ort_numerics as ort

MOVES = ("Transpose", "Reshape", "MaxPool", "Flatten", "Squeeze", "Unsqueeze")


def ort_graph(path) -> Graph:
    graph = load_model(path)
    return build_target_graph(graph, streaming=False)


def _qp(value):
    return value.type.quant.scale[0], value.type.quant.zero_point[0]


def _eval(op, inputs):
    if op.kind in MOVES:
        return op.opdef.eval_int8(op, inputs)[0]
    y = op.outputs[0]
    s_y, z_y = _qp(y)
    if op.kind in ("FusedConv2d", "FullyConnected"):
        p = op.opdef.int8_params(op)
        if op.kind == "FusedConv2d":
            if p["has_residual"] or p["has_pool"]:
                raise NotImplementedError(f"{op.where()}: fused residual or pool")
            c = p["conv"]
            acc = conv2d_acc(inputs[0][0], p["z_in"], p["weights"], p["bias"], c["strides"], c["pads"], c["dilations"],
                             c["groups"])[None]
            act = p["conv_act"]
        else:
            x = inputs[0].reshape(p["rows"], p["k"]).astype(np.int64) - p["z_in"]
            acc = x @ p["weights"].astype(np.int64).T + np.asarray(p["bias"], np.int64)
            act = (p["act_min"], p["act_max"])
        s_x = op.inputs[0].type.quant.scale[0]
        s_w = np.broadcast_to(np.asarray(op.inputs[1].type.quant.scale, np.float32), (acc.shape[-1],))
        return ort.requantize(acc, ort.multiplier(s_x, s_w, s_y), z_y, *act).reshape(y.type.shape)
    if op.kind in ("Add", "Mul"):
        (s_a, z_a), (s_b, z_b) = _qp(op.inputs[0]), _qp(op.inputs[1])
        fn = ort.qlinear_add if op.kind == "Add" else ort.qlinear_mul
        return fn(inputs[0], s_a, z_a, inputs[1], s_b, z_b, s_y, z_y).reshape(y.type.shape)
    if op.kind == "GlobalAveragePool" or (op.kind == "AveragePool" and _whole_window(op)):
        s_x, z_x = _qp(op.inputs[0])
        return ort.qlinear_global_average_pool(inputs[0], s_x, z_x, s_y, z_y).reshape(y.type.shape)
    if op.kind == "Softmax" and op.attrs["axis"] in (-1, op.inputs[0].type.rank - 1):
        return ort.qlinear_softmax(inputs[0], _qp(op.inputs[0])[0], s_y, z_y)
    raise NotImplementedError(f"{op.where()}: no onnxruntime specification for {op.kind}")


def _whole_window(op) -> bool:
    """An NHWC average pool whose one window is the whole unpadded input (a global pool)."""
    a = op.attrs
    return (a.get("layout") == "NHWC" and tuple(a["kernel_shape"]) == tuple(op.inputs[0].type.shape[1:3])
            and not any(a["pads"]))


def run_ort_spec(graph: Graph, codes: np.ndarray) -> np.ndarray:
    """The int8 output codes of onnxruntime's arithmetic on the int8 input codes."""
    env = {id(graph.inputs[0]): np.asarray(codes, np.int8)}
    for const in graph.constants:
        env[id(const)] = const.const
    for op in graph.ops:
        env[id(op.outputs[0])] = np.asarray(_eval(op, [None if v is None else env[id(v)] for v in op.inputs]))
    return env[id(graph.outputs[0])]
