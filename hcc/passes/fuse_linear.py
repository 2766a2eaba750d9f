"""fuse-linear: Gemm and MatMul-by-a-constant (+ bias Add, + Relu) -> FullyConnected.

Also splits a FullyConnected whose result is only Split along its last axis into one
FullyConnected per part (each part then gets its own int8 scale, and no copy is needed).
Assumes: constant weights. Guarantees: float-exact (up to summation order); no Gemm
with constant B and no MatMul with a constant 2-d right operand remain.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.ops.clamp import NO_CLAMP, RELU, has_clamp
from hcc.passes import register_pass
from hcc.passes.rewrite import label, remove_dead_ops, sole_user


def _gemm_weights(op):
    """(W [N, K], b [N] or None) equal to the Gemm, or None when it is not a plain linear layer."""
    a = op.attrs
    w, c = op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else None
    if a["trans_a"] or w.const is None or (c is not None and c.const is None):
        return None
    weights = w.const.astype(np.float64) * a["alpha"]
    weights = weights if a["trans_b"] else weights.T
    bias = None
    if c is not None:
        bias = np.broadcast_to(c.const.astype(np.float64) * a["beta"], (op.outputs[0].type.shape[-1],))
        if c.const.size not in (1, weights.shape[0]):
            return None
    return weights, bias


def _absorb_bias_relu(graph: Graph, out, bias):
    """Follow a single-use Add of a [N] constant and a single-use Relu (its clamp)."""
    clamp = NO_CLAMP
    add = sole_user(graph, out, "Add")
    if bias is None and add is not None:
        other = add.inputs[1] if add.inputs[0] is out else add.inputs[0]
        n = out.type.shape[-1]
        if other.const is not None and other.const.size == n and add.outputs[0].type.shape == out.type.shape:
            bias, out = other.const.reshape(n).astype(np.float64), add.outputs[0]
    r = sole_user(graph, out, "Relu")
    if r is not None:
        clamp, out = RELU, r.outputs[0]
    return out, bias, clamp


def _make_fc(graph: Graph, op, x, weights, bias, clamp, index, name):
    dtype = x.type.dtype
    w = graph.add_const(graph.unique_name(name + ".weight"), weights, dtype)
    inputs = [x, w]
    if bias is not None:
        inputs.append(graph.add_const(graph.unique_name(name + ".bias"), np.asarray(bias), dtype))
    return graph.make_op("FullyConnected", inputs, {"clamp": clamp}, name=op.name and name,
                         out_names=[graph.unique_name(name)], index=index)


@register_pass("fuse-linear")
def fuse_linear(graph: Graph) -> None:
    """Turn Gemm / MatMul(x, W) [+ b] [+ relu] into FullyConnected; split FC + Split."""
    renames = []
    for op in [o for o in graph.ops if o.kind in ("Gemm", "MatMul")]:
        if op.kind == "Gemm":
            found = _gemm_weights(op)
            if found is None:
                continue
            weights, bias = found
        else:
            w = op.inputs[1]
            if w.const is None or w.type.rank != 2 or op.inputs[0].type.rank < 1:
                continue
            weights, bias = w.const.astype(np.float64).T, None
        out, bias, clamp = _absorb_bias_relu(graph, op.outputs[0], bias)
        fc = _make_fc(graph, op, op.inputs[0], weights, bias, clamp, graph.ops.index(op), label(op))
        renames.append((fc.outputs[0], out.name))  # before replace_all_uses, which may rename `out`
        graph.replace_all_uses(out, fc.outputs[0])
    remove_dead_ops(graph)
    for value, name in renames:  # the fused result takes the name of the last op it absorbed
        graph.rename(value, name)
    _split_fc(graph)


def _split_fc(graph: Graph) -> None:
    for fc in [o for o in graph.ops if o.kind == "FullyConnected"]:
        split = sole_user(graph, fc.outputs[0], "Split")
        if split is None or has_clamp(fc.attrs["clamp"]):
            continue
        rank = fc.outputs[0].type.rank
        if split.attrs["axis"] % rank != rank - 1:
            continue
        w = fc.inputs[1].const.astype(np.float64)
        b = fc.inputs[2].const.astype(np.float64) if len(fc.inputs) > 2 else None
        start, index = 0, graph.ops.index(split)
        for i, part in enumerate(split.outputs):
            size = part.type.shape[-1]
            piece = _make_fc(graph, fc, fc.inputs[0], w[start:start + size], None if b is None else b[start:start + size],
                             NO_CLAMP, index, f"{label(fc)}.part{i}")
            graph.replace_all_uses(part, piece.outputs[0])
            start, index = start + size, index + 1
        graph.remove_op(split)
    remove_dead_ops(graph)
