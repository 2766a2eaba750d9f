"""fold-channel-affine: a per-channel Mul or Add by a constant after a linear layer goes into its weights.

    Conv(x, W, b) * k          ->  Conv(x, W * k[m], b * k)       (k one value per output channel m, or one value)
    Transpose(Conv(x, W, b)) * k  ->  Transpose(Conv(x, W * k[m], b * k))   (k along the channel's new axis)
    Conv(x, W, b) + a          ->  Conv(x, W, b + a)              (also TransposedConv: weights output-channel first)
    Gemm(x, B, C) * k / + a    ->  the same on B's output columns and on C (then beta = 1)
    MatMul(x, W) * k           ->  MatMul(x, W * k)               (W a constant matrix; a bias Add is fuse-linear's)
    (MatMul(x, W) + b) * k / + a  ->  MatMul(x, W * k) + (b * k) / + (b + a)   (nn.Linear as dynamo writes it)

This is how tf2onnx writes a Keras BatchNormalization (Mul then Add by per-channel
constants), a bias (BiasAdd as a separate Add) or a scale; fold-batchnorm folds a
BatchNormalization op itself. After this pass a Keras conv block is the Conv [+ Relu] a
PyTorch export gives. Either operand order; repeated to a fixed point, so Mul then Add (or
several of each) all fold.

Assumes: nothing. Folds only when the layer's weights (and bias) are constants, its result
is read by the Mul/Add alone (directly or through Transposes each read only by the next)
and is not a graph output, and the constant varies along the output-channel axis only
(axis 1 of an NCHW Conv, the last axis of an NHWC one or of Gemm/MatMul, wherever a
Transpose moved it), so the result keeps the layer's shape. Guarantees: no such Mul/Add is left;
float results agree with the unfolded graph to rounding (products taken in float64).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op, Value
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops, sole_user


CONV_KINDS = ("Conv", "TransposedConv")  # output channels on the weights' axis 0


def _biased_matmul(graph: Graph, add: Op) -> tuple[Op, int] | None:
    """(the MatMul, the bias's operand index) when `add` is Add(MatMul(x, W), b) with W a
    constant matrix, b a constant per output column and the MatMul read by the Add alone."""
    out = add.outputs[0]
    for i in (0, 1):
        mm, b = add.inputs[i].producer, add.inputs[1 - i]
        if (mm is not None and mm.kind == "MatMul" and sole_user(graph, mm.outputs[0]) is add
                and mm.inputs[1].is_const and mm.inputs[1].type.rank == 2 and out.type.rank >= 2
                and b is not None and b.is_const and out.type.shape == mm.outputs[0].type.shape
                and _per_channel(b, out, out.type.rank - 1) is not None):
            return mm, 1 - i
    return None


def _channel_axis(graph: Graph, layer: Op) -> int | None:
    """The output axis that indexes the layer's output channels, or None if the layer is not foldable."""
    rank = layer.outputs[0].type.rank
    if layer.kind == "Add":
        return rank - 1 if _biased_matmul(graph, layer) is not None else None
    if layer.kind in CONV_KINDS:
        w, b = layer.inputs[1], layer.inputs[2] if len(layer.inputs) > 2 else None
        if not w.is_const or (b is not None and not b.is_const) or rank < 3:
            return None
        return rank - 1 if layer.attrs.get("layout") == "NHWC" else 1
    if layer.kind == "Gemm":
        c = layer.inputs[2] if len(layer.inputs) > 2 else None
        if not layer.inputs[1].is_const or (c is not None and not c.is_const):
            return None
        if c is not None and np.ptp(np.broadcast_to(c.const, layer.outputs[0].type.shape), axis=0).any():
            return None  # C differs between rows: not a bias
        return 1
    if layer.kind == "MatMul":
        w = layer.inputs[1]
        return rank - 1 if w.is_const and w.type.rank == 2 and rank >= 2 else None
    return None


def _per_channel(const: Value, out: Value, axis: int) -> np.ndarray | None:
    """The constant as one float64 value per channel ([C]), or None when it varies along another axis."""
    rank, channels = out.type.rank, out.type.shape[axis]
    if const.type.rank > rank or const.type.dtype != out.type.dtype:
        return None
    shape = (1,) * (rank - const.type.rank) + const.type.shape
    if any(n != 1 for i, n in enumerate(shape) if i != axis) or shape[axis] not in (1, channels):
        return None
    return np.broadcast_to(const.const.astype(np.float64).reshape(-1), (channels,))


def _bias(graph: Graph, layer: Op, channels: int) -> np.ndarray:
    """The layer's additive term as [C] float64 (zeros when absent)."""
    if layer.kind == "Add":
        bias = layer.inputs[_biased_matmul(graph, layer)[1]]
        return _per_channel(bias, layer.outputs[0], layer.outputs[0].type.rank - 1).copy()
    if layer.kind == "MatMul" or len(layer.inputs) < 3 or layer.inputs[2] is None:
        return np.zeros(channels)
    b = layer.inputs[2].const.astype(np.float64)
    if layer.kind == "Gemm":
        b = np.broadcast_to(b * layer.attrs["beta"], layer.outputs[0].type.shape)[0]
    return b.reshape(channels)


def _scaled_weights(layer: Op, k: np.ndarray) -> np.ndarray:
    w = layer.inputs[1].const.astype(np.float64)
    if layer.kind in CONV_KINDS:
        return w * k.reshape((-1,) + (1,) * (w.ndim - 1))  # output channels are W's axis 0, grouped or not
    if layer.kind == "Gemm" and layer.attrs["trans_b"]:
        return w * k[:, None]
    return w * k[None, :]  # Gemm B [K, N], MatMul W [K, N]


def _through_transposes(graph: Graph, layer: Op, axis: int) -> tuple[Value, int, Op | None]:
    """Follow the layer's result through single-use Transposes (a tf2onnx NCHW<->NHWC sandwich):
    (the value the Mul/Add would read, the channel axis there, that Mul/Add or None)."""
    value = layer.outputs[0]
    while (t := sole_user(graph, value, "Transpose")) is not None:
        perm = list(t.attrs["perm"]) or list(range(value.type.rank))[::-1]
        value, axis = t.outputs[0], perm.index(axis)
    step = sole_user(graph, value)
    if step is None or step.kind not in ("Mul", "Add") or sum(v is value for v in step.inputs) != 1:
        return value, axis, None
    return value, axis, step


def _fold(graph: Graph, layer: Op) -> bool:
    axis = _channel_axis(graph, layer)
    if axis is None:
        return False
    out, axis, step = _through_transposes(graph, layer, axis)
    if step is None or step.outputs[0].type.shape != out.type.shape:
        return False
    const = step.inputs[1] if step.inputs[0] is out else step.inputs[0]
    if const is None or not const.is_const:
        return False
    values = _per_channel(const, out, axis)
    if values is None:
        return False
    if step.kind == "Add" and layer.kind == "MatMul":
        return False  # no bias slot: fuse-linear takes MatMul + Add as a FullyConnected
    channels, dtype = out.type.shape[axis], layer.inputs[1].type.dtype
    bias = _bias(graph, layer, channels)
    weighted = _biased_matmul(graph, layer)[0] if layer.kind == "Add" else layer  # the op holding W
    if step.kind == "Mul":
        w = weighted.inputs[1]
        scaled = graph.add_const(graph.unique_name(w.name + ".scaled"), _scaled_weights(weighted, values), dtype)
        weighted.inputs = [weighted.inputs[0], scaled] + list(weighted.inputs[2:])
        bias = bias * values
    else:
        bias = bias + values
    inputs = list(layer.inputs)
    if layer.kind == "Add":
        slot = _biased_matmul(graph, layer)[1]
        inputs[slot] = graph.add_const(graph.unique_name(f"{step.outputs[0].name}.bias"), bias, dtype)
    elif layer.kind != "MatMul":
        inputs += [None] * (3 - len(inputs))
        inputs[2] = graph.add_const(graph.unique_name(f"{step.outputs[0].name}.bias"), bias, dtype)
        if layer.kind == "Gemm":
            layer.attrs["beta"] = 1.0
    layer.inputs = inputs
    name = step.outputs[0].name
    graph.remove_op(step)
    graph.replace_all_uses(step.outputs[0], out)
    graph.rename(out, name)  # the folded result is what the graph called the affine's result
    return True


@register_pass("fold-channel-affine")
def fold_channel_affine(graph: Graph) -> None:
    """Fold per-channel Mul/Add by constants into the Conv/TransposedConv/Gemm/MatMul [+ bias] before them."""
    changed = True
    while changed:
        changed = False
        for layer in [op for op in graph.ops if op.kind in CONV_KINDS + ("Gemm", "MatMul", "Add")]:
            if layer not in graph.ops:
                continue
            changed |= _fold(graph, layer)
    remove_dead_ops(graph)
