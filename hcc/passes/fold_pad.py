"""fold-pad: an explicit constant Pad of the spatial axes goes into the pads of the Conv or pool after it.

    Conv(Pad(x, p, 0))                           ->  Conv(x) {pads += p}
    AveragePool(Pad(x, p, 0))                    ->  AveragePool(x) {pads += p, count_include_pad = 1}
                                                     (when it counted its own pads, or had none)
    MaxPool(Pad(x, p, v))                        ->  MaxPool(x) {pads += p}
                                                     (when v is at most every value x can take: v = -inf,
                                                      or x = Relu(.) / Clip(., lo, .) with v <= 0 / v <= lo)
    Conv(Transpose(Pad(x, p)))                   ->  Conv(Transpose(x)) {pads += p, permuted}   (the three)

Keras ZeroPadding2D (before MobileNet's stride-2 depthwise convolutions, ResNet stems)
arrives through tf2onnx as a Pad; PyTorch writes the same padding into the Conv. A Conv and
an AveragePool that counts padding read zeros outside the map, so a zero Pad is the same
thing. MaxPool pads with -inf: a Pad value folds only when it cannot win a window that also
holds a real value, and every window must hold one (dilation 1, each side's total pad
smaller than the kernel, floor mode).

Assumes: nothing. Folds only a constant-mode Pad with constant, non-negative widths on the
spatial axes alone (not batch or channels), read by the Conv/pool alone (directly or through
one Transpose read only by it, as tf2onnx leaves a Keras Pad in NHWC before an NCHW op), into
an op without auto_pad. Guarantees: exact (the same values are read); no Pad is left where
one of the rules above applies.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops, sole_user

TARGETS = ("Conv", "AveragePool", "MaxPool")


def _spatial_axes(op: Op) -> list[int]:
    rank = op.inputs[0].type.rank
    return list(range(1, rank - 1)) if op.attrs.get("layout") == "NHWC" else list(range(2, rank))


def _pad_value(pad: Op) -> float | None:
    """The Pad's fill value, or None when it is not a constant."""
    v = pad.inputs[2] if len(pad.inputs) > 2 else None
    if v is None:
        return 0.0
    return float(np.asarray(v.const).reshape(())) if v.is_const and v.type.numel == 1 else None


def _spatial_widths(pad: Op, target: Op, perm: list[int] | None) -> list[int] | None:
    """[begin..., end...] over the target's spatial axes (its input being the padded value,
    transposed by perm if given), or None when the Pad crops or touches another axis."""
    if pad.attrs["mode"] != "constant" or not pad.inputs[1].is_const:
        return None
    if len(pad.inputs) > 3 and pad.inputs[3] is not None and not pad.inputs[3].is_const:
        return None
    widths = pad.opdef.widths(pad)
    if perm is not None:
        widths = [widths[axis] for axis in perm]  # axis i of the transposed value is axis perm[i] of the Pad's
    spatial = _spatial_axes(target)
    if any(a < 0 or b < 0 for a, b in widths):
        return None  # a crop
    if any(w != (0, 0) for i, w in enumerate(widths) if i not in spatial):
        return None  # batch or channels
    return [widths[i][0] for i in spatial] + [widths[i][1] for i in spatial]


def _lower_bound(value) -> float:
    """A number every element of `value` is at least (-inf when nothing is known)."""
    op = value.producer
    if op is not None and op.kind == "Relu":
        return 0.0
    low = op.inputs[1] if op is not None and op.kind == "Clip" and len(op.inputs) > 1 else None
    if low is not None and low.is_const:
        return float(np.asarray(low.const).reshape(()))
    return -np.inf


def _max_pool_allows(pool: Op, pads: list[int], fill: float, x) -> bool:
    a = pool.attrs
    if a["ceil_mode"] or any(d != 1 for d in a["dilations"]):
        return False
    n = len(a["kernel_shape"])
    if any(pads[i] >= a["kernel_shape"][i] or pads[i + n] >= a["kernel_shape"][i] for i in range(n)):
        return False  # a window of padding only would give the fill value
    return fill == -np.inf or fill <= _lower_bound(x)


def _fold(graph: Graph, pad: Op, transpose: Op | None, target: Op) -> bool:
    a = target.attrs
    if a.get("auto_pad", "NOTSET") != "NOTSET":
        return False
    perm = None if transpose is None else list(transpose.attrs["perm"]) or list(range(pad.outputs[0].type.rank))[::-1]
    extra = _spatial_widths(pad, target, perm)
    fill = _pad_value(pad)
    if extra is None or fill is None:
        return False
    pads = [p + q for p, q in zip(a["pads"], extra)]
    x = pad.inputs[0]
    if target.kind == "MaxPool":
        if not _max_pool_allows(target, pads, fill, x):
            return False
    elif fill != 0.0:
        return False
    elif target.kind == "AveragePool":
        if a["ceil_mode"] or (not a["count_include_pad"] and any(a["pads"])):
            return False
        a["count_include_pad"] = 1
    if transpose is not None:  # the same transpose, of the unpadded value, under the same name
        name = transpose.outputs[0].name
        index = graph.ops.index(transpose)
        graph.remove_op(transpose)
        x = graph.make_op("Transpose", [x], {"perm": perm}, name=transpose.name, out_names=[name],
                          index=index).outputs[0]
    a["pads"] = pads
    target.inputs[0] = x
    return True


@register_pass("fold-pad")
def fold_pad(graph: Graph) -> None:
    """Fold explicit spatial zero Pads into the Conv/AveragePool (and safe MaxPool) pads after them."""
    for pad in [op for op in graph.ops if op.kind == "Pad"]:
        target, transpose = sole_user(graph, pad.outputs[0]), None
        if target is not None and target.kind == "Transpose":  # tf2onnx: Pad in NHWC, then to NCHW
            target, transpose = sole_user(graph, target.outputs[0]), target
        if target is not None and target.kind in TARGETS and target.inputs[0] is (transpose or pad).outputs[0]:
            _fold(graph, pad, transpose, target)
    remove_dead_ops(graph)
