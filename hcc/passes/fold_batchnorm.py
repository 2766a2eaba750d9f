"""fold-batchnorm: fold inference-mode BatchNormalization into the op before it.

    y = gamma * (f(x) - mean) / sqrt(var + eps) + beta = f'(x),   k = gamma / sqrt(var + eps)

- after a Conv or TransposedConv (any rank; weights [C_out, ...]):  W' = W * k[c],
  b' = (b - mean) * k + beta;
- after a linear layer on [N, C] (BatchNorm1d after nn.Linear): a Gemm with constant B
  (B's output columns scaled, C' = beta_gemm * C * k + shift), a MatMul by a constant
  [K, C] matrix, with or without a following Add of a constant bias [C] (the columns scaled,
  the bias folded, or an Add of the shift appended for fuse-linear to take as the bias);
- otherwise (nothing to fold into) a per-channel affine map y = k x + shift, as a depthwise
  1x1 Conv (group = C, weights k, bias shift): per-channel int8 weights, one rounding, and
  channels-last like any conv. [N, C] goes through it as [N, C, 1] (Reshapes around).
  Rank 5 and up: Mul + Add by per-channel constants.

A BatchNorm as tf2onnx writes it (Mul and/or Add by per-channel constants) and a lone bias
Add are fold-channel-affine's, which also looks through NCHW<->NHWC Transposes.

Assumes: BN statistics and the folded op's weights are constants. Guarantees: no
BatchNormalization with constant statistics remains; float results agree with the
unfolded graph to rounding (~1e-6 relative).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op, Value
from hcc.passes import register_pass
from hcc.passes.rewrite import label, producer, replace_op

CONV_KINDS = ("Conv", "TransposedConv")  # output channels on the weights' axis 0


def _bn_scale_shift(bn) -> tuple[np.ndarray, np.ndarray]:
    gamma, beta, mean, var = (v.const.astype(np.float64) for v in bn.inputs[1:5])
    k = gamma / np.sqrt(var + bn.attrs["epsilon"])
    return k, beta - mean * k


def _single_use(graph: Graph, value: Value) -> bool:
    return len(graph.users(value)) == 1 and not graph.is_output(value)


def _consts(op: Op, indices) -> bool:
    return all(i >= len(op.inputs) or op.inputs[i] is None or op.inputs[i].is_const for i in indices)


def _new_const(graph: Graph, hint: str, array, like: Value) -> Value:
    return graph.add_const(graph.unique_name(hint), np.asarray(array), like.type.dtype)


def _fold_into_conv(graph: Graph, conv: Op, k, shift) -> None:
    w = conv.inputs[1].const.astype(np.float64)
    b = conv.inputs[2].const.astype(np.float64) if len(conv.inputs) > 2 and conv.inputs[2] is not None else np.zeros(w.shape[0])
    new_w = _new_const(graph, conv.inputs[1].name + ".bn", w * k.reshape((-1,) + (1,) * (w.ndim - 1)), conv.inputs[1])
    new_b = _new_const(graph, label(conv) + ".bn_bias", b * k + shift, conv.inputs[1])
    conv.inputs = [conv.inputs[0], new_w, new_b]


def _fold_into_gemm(graph: Graph, gemm: Op, k, shift) -> None:
    a = gemm.attrs
    w = gemm.inputs[1].const.astype(np.float64)
    w = w * (k[:, None] if a["trans_b"] else k[None, :])  # B is [N, K] or [K, N]
    c = gemm.inputs[2] if len(gemm.inputs) > 2 else None
    bias = shift if c is None else a["beta"] * c.const.astype(np.float64) * k + shift  # broadcasts over [M, N]
    gemm.inputs = [gemm.inputs[0], _new_const(graph, gemm.inputs[1].name + ".bn", w, gemm.inputs[1]),
                   _new_const(graph, label(gemm) + ".bn_bias", bias, gemm.inputs[1])]
    a["beta"] = 1.0


def _linear_fold(graph: Graph, value: Value, channels: int):
    """A function folding (k, shift) into the linear layer producing `value` [N, channels], or None."""
    op = producer(value)
    if op is None or not _single_use(graph, value):
        return None
    if op.kind == "Gemm" and not op.attrs["trans_a"] and _consts(op, (1, 2)):
        return lambda k, shift: _fold_into_gemm(graph, op, k, shift)
    add = None
    if op.kind == "Add":  # MatMul + bias, as the dynamo exporter writes nn.Linear
        for i in (0, 1):
            mm, bias = producer(op.inputs[i], "MatMul"), op.inputs[1 - i]
            if mm is not None and bias.is_const and bias.type.numel == channels and _single_use(graph, mm.outputs[0]):
                op, add = mm, (op, bias)
                break
        else:
            return None
    w = op.inputs[1] if op.kind == "MatMul" else None
    if w is None or not w.is_const or w.type.rank != 2:
        return None

    def fold(k, shift):
        op.inputs[1] = _new_const(graph, w.name + ".bn", w.const.astype(np.float64) * k[None, :], w)
        if add is not None:
            add_op, bias = add
            folded = _new_const(graph, label(add_op) + ".bn_bias", bias.const.astype(np.float64).reshape(-1) * k + shift, bias)
            add_op.inputs = [v if v is not bias else folded for v in add_op.inputs]
        else:  # the shift becomes the bias of an Add after the MatMul
            out = op.outputs[0]
            shifted = graph.make_op("Add", [out, _new_const(graph, label(op) + ".bn_bias", shift, w)],
                                    name=graph.unique_name(label(op) + ".bn"), index=graph.ops.index(op) + 1)
            graph.replace_all_uses(out, shifted.outputs[0])
            shifted.inputs[0] = out
    return fold


def _affine(graph: Graph, bn: Op, k, shift) -> None:
    """y = k x + shift per channel (axis 1), as a depthwise 1x1 Conv (Mul + Add beyond rank 4)."""
    x = bn.inputs[0]
    rank, channels, dtype, base = x.type.rank, x.type.shape[1], x.type.dtype, label(bn)
    if rank > 4:
        bshape = (1, -1) + (1,) * (rank - 2)
        scale = graph.add_const(graph.unique_name(base + ".bn_scale"), k.reshape(bshape), dtype)
        bias = graph.add_const(graph.unique_name(base + ".bn_shift"), shift.reshape(bshape), dtype)
        mul = graph.make_op("Mul", [x, scale], name=bn.name, out_names=[graph.unique_name(base + ".scaled")],
                            index=graph.ops.index(bn))
        replace_op(graph, bn, "Add", [mul.outputs[0], bias])
        return
    index = graph.ops.index(bn)
    if rank == 2:  # [N, C] as the 1-D signal [N, C, 1]
        shape = graph.add_const(graph.unique_name(base + ".signal_shape"), np.array(x.type.shape + (1,), np.int64))
        x = graph.make_op("Reshape", [x, shape], {"allowzero": 0}, name=graph.unique_name(base + ".signal"),
                          index=index).outputs[0]
        index += 1
    spatial = x.type.rank - 2
    w = graph.add_const(graph.unique_name(base + ".bn_scale"), k.reshape((channels, 1) + (1,) * spatial), dtype)
    b = graph.add_const(graph.unique_name(base + ".bn_shift"), shift, dtype)
    attrs = {"group": channels, "pads": [0] * (2 * spatial), "strides": [1] * spatial, "dilations": [1] * spatial}
    if rank > 2:
        replace_op(graph, bn, "Conv", [x, w, b], attrs)
        return
    conv = graph.make_op("Conv", [x, w, b], attrs, name=bn.name, out_names=[graph.unique_name(base + ".affine")],
                         index=index)
    back = graph.add_const(graph.unique_name(base + ".shape"), np.array(bn.outputs[0].type.shape, np.int64))
    replace_op(graph, bn, "Reshape", [conv.outputs[0], back], {"allowzero": 0})


def _fold_target(graph: Graph, x: Value):
    """A function folding (k, shift) into the op producing `x`, read only here: a conv with
    constant weights, or a linear layer on [N, C]; None otherwise."""
    conv = producer(x)
    if conv is not None and conv.kind in CONV_KINDS and _single_use(graph, x) and _consts(conv, (1, 2)):
        return lambda k, shift: _fold_into_conv(graph, conv, k, shift)
    if x.type.rank == 2:
        return _linear_fold(graph, x, x.type.shape[1])
    return None


@register_pass("fold-batchnorm")
def fold_batchnorm(graph: Graph) -> None:
    """Fold BatchNormalization into the Conv or linear layer before it (or a per-channel affine map)."""
    for bn in [op for op in graph.ops if op.kind == "BatchNormalization"]:
        if not all(v is not None and v.is_const for v in bn.inputs[1:5]):
            continue
        k, shift = _bn_scale_shift(bn)
        fold = _fold_target(graph, bn.inputs[0])
        if fold is None:
            _affine(graph, bn, k, shift)
            continue
        fold(k, shift)
        graph.replace_all_uses(bn.outputs[0], bn.inputs[0])
        graph.remove_op(bn)
    graph.prune_constants()
