"""fuse-linear: Gemm and MatMul-by-a-constant (+ bias Add, + Relu) -> FullyConnected.

Every form exporters write: Gemm with alpha, beta, transB, transA (an explicit Transpose
of A), C of shape [], [1], [N], [1, N] (the bias) or [M, N] / [M, 1] (an Add after the
FullyConnected); MatMul of any activation [..., K] (after Flatten, or tokens [B, T, K]) by a
constant [K, N], [1, ..., K, N] or [K] (a Reshape drops the size-1 axis).
Also folds a Split along the last axis that is a FullyConnected's only user into the
FullyConnected: one op with one output per part (`splits`), each part with its own int8
scale, no copy, and the input converted once for all parts by the C kernel.
Assumes: constant weights. Guarantees: float-exact (up to summation order); no Gemm
with constant B and C and no MatMul by a constant matrix (or batch of one) remain.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.ops.clamp import NO_CLAMP, RELU, has_clamp
from hcc.ops.base import tflite_numerics
from hcc.passes import register_pass
from hcc.passes.rewrite import label, remove_dead_ops, sole_user


def _gemm_weights(op):
    """(W [N, K], b [N] or None, rest) equal to the Gemm with constant B and C, or None;
    `rest` is beta * C as [M, N] when C does not broadcast along the output channels alone
    ([M, N] or [M, 1] with M > 1: an Add after the FullyConnected), else None."""
    a = op.attrs
    w, c = op.inputs[1], op.inputs[2] if len(op.inputs) > 2 else None
    if w.const is None or (c is not None and c.const is None):
        return None
    weights = w.const.astype(np.float64) * a["alpha"]
    weights = weights if a["trans_b"] else weights.T
    if c is None:
        return weights, None, None
    n, beta_c = weights.shape[0], c.const.astype(np.float64) * a["beta"]
    if beta_c.ndim == 0 or int(np.prod(beta_c.shape[:-1])) == 1:  # scalar, [N], [1, N], [1], [1, 1]
        return weights, np.broadcast_to(beta_c.reshape(-1), (n,)).copy(), None
    return weights, None, np.broadcast_to(beta_c, op.outputs[0].type.shape).copy()  # same shape: any int8 Add


def _matmul_weights(op):
    """W [N, K] of a MatMul by a constant right operand: [K] (N = 1), [K, N], or [1, ..., K, N]."""
    w = op.inputs[1]
    if w.const is None or op.inputs[0].type.rank < 1:
        return None
    if w.type.rank == 1:
        return w.const.astype(np.float64)[None, :]
    if int(np.prod(w.type.shape[:-2])) != 1:
        return None  # a batch of matrices
    return w.const.astype(np.float64).reshape(w.type.shape[-2:]).T


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
        x, index, rest = op.inputs[0], graph.ops.index(op), None
        if op.kind == "Gemm":
            found = _gemm_weights(op)
            if found is None:
                continue
            weights, bias, rest = found
            if op.attrs["trans_a"]:  # A^T as an explicit transpose (later passes may fold it)
                x = graph.make_op("Transpose", [x], {"perm": [1, 0]}, name=graph.unique_name(label(op) + ".a_t"),
                                  index=index).outputs[0]
                index += 1
        else:
            weights, bias = _matmul_weights(op), None
            if weights is None:
                continue
        out = op.outputs[0]
        fc_shape = x.type.shape[:-1] + (weights.shape[0],)
        clamp = NO_CLAMP
        if fc_shape == out.type.shape and rest is None:
            out, bias, clamp = _absorb_bias_relu(graph, out, bias)
        fc = _make_fc(graph, op, x, weights, bias, clamp, index, label(op))
        result = fc.outputs[0]
        if rest is not None:  # Gemm's C along more than the output channels
            c = graph.add_const(graph.unique_name(label(op) + ".c"), rest, x.type.dtype)
            result = graph.make_op("Add", [result, c], name=graph.unique_name(label(op) + ".c_add"),
                                   index=index + 1).outputs[0]
        elif fc_shape != out.type.shape:  # a 1-d or broadcast right operand: the same elements
            target = graph.add_const(graph.unique_name(label(op) + ".shape"), np.array(out.type.shape, np.int64))
            result = graph.make_op("Reshape", [result, target], {"allowzero": 0},
                                   name=graph.unique_name(label(op) + ".reshape"), index=index + 1).outputs[0]
        renames.append((result, out.name))  # before replace_all_uses, which may rename `out`
        graph.replace_all_uses(out, result)
    remove_dead_ops(graph)
    for value, name in renames:  # the fused result takes the name of the last op it absorbed
        graph.rename(value, name)
    _split_fc(graph)


def _split_fc(graph: Graph) -> None:
    for fc in [o for o in graph.ops if o.kind == "FullyConnected"]:
        split = sole_user(graph, fc.outputs[0], "Split")
        if split is None or has_clamp(fc.attrs["clamp"]) or fc.attrs["splits"] or tflite_numerics(fc):
            continue
        rank = fc.outputs[0].type.rank
        if split.attrs["axis"] % rank != rank - 1:
            continue
        sizes = [part.type.shape[-1] for part in split.outputs]
        piece = graph.make_op("FullyConnected", list(fc.inputs), {"clamp": NO_CLAMP, "splits": sizes}, name=fc.name,
                              out_names=[graph.unique_name(part.name) for part in split.outputs],
                              index=graph.ops.index(split))
        for part, out in zip(split.outputs, piece.outputs):
            graph.replace_all_uses(part, out)
        graph.remove_op(split)
        for part, out in zip(split.outputs, piece.outputs):
            graph.rename(out, part.name)  # the parts keep the names the Split gave them
    remove_dead_ops(graph)
