"""causal-conv1d: Mamba's short convolution as one channels-last CausalConv1d op.

Matches Conv over [1, D, L'] with group = D, weight [D, 1, K], pads [K-1, K-1],
stride 1, dilation 1, followed by a Slice keeping positions [0, L) of the last axis
(PyTorch pads both sides and cuts the tail). The result is computed on the tokens
[L, D] directly; transposes/reshapes around it are left for simplify-layout to fold.
Guarantees: float-exact rewrite; no such Conv + Slice pair remains.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops, sole_user


def _slice_keeps_prefix(sl, length: int) -> bool:
    starts, ends, axes, steps = (None if v is None else v.const for v in (sl.inputs[1:] + [None, None])[:4])
    if starts is None or ends is None:
        return False
    axes = [-1] if axes is None else list(axes)
    steps = [1] if steps is None else list(steps)
    rank = sl.inputs[0].type.rank
    return (len(axes) == 1 and axes[0] % rank == rank - 1 and int(starts[0]) == 0 and steps[0] == 1
            and sl.outputs[0].type.shape[-1] == length)


@register_pass("causal-conv1d")
def causal_conv1d(graph: Graph) -> None:
    """Turn Conv1d(group=D, pad K-1) + Slice[:L] into CausalConv1d on [L, D] tokens."""
    for conv in [op for op in graph.ops if op.kind == "Conv"]:
        x = conv.inputs[0]
        w = conv.inputs[1]
        if x.type.rank != 3 or x.type.shape[0] != 1 or w.const is None:
            continue
        channels, k = w.type.shape[0], w.type.shape[-1]
        a = conv.attrs
        if a["group"] != channels or x.type.shape[1] != channels or w.type.shape[1] != 1:
            continue
        if list(a["pads"]) != [k - 1, k - 1] or list(a["strides"]) != [1] or list(a["dilations"]) != [1]:
            continue
        sl = sole_user(graph, conv.outputs[0], "Slice")
        length = x.type.shape[2]
        if sl is None or not _slice_keeps_prefix(sl, length):
            continue
        index = graph.ops.index(conv)
        tokens = graph.make_op("Transpose", [x], {"perm": [0, 2, 1]}, name=conv.name + ".tokens", index=index)
        shape2d = graph.add_const(graph.unique_name(conv.name + ".shape2d"), np.array([length, channels], np.int64))
        flat = graph.make_op("Reshape", [tokens.outputs[0], shape2d], {"allowzero": 0}, name=conv.name + ".flat", index=index + 1)
        weights = graph.add_const(graph.unique_name(w.name + ".dk"), w.const.reshape(channels, k))
        bias_in = conv.inputs[2] if len(conv.inputs) > 2 and conv.inputs[2] is not None else None
        bias = bias_in if bias_in is not None else graph.add_const(graph.unique_name(conv.name + ".bias"), np.zeros(channels, np.float32))
        cc = graph.make_op("CausalConv1d", [flat.outputs[0], weights, bias], name=conv.name, index=index + 2)
        shape3d = graph.add_const(graph.unique_name(conv.name + ".shape3d"), np.array([1, length, channels], np.int64))
        back = graph.make_op("Reshape", [cc.outputs[0], shape3d], {"allowzero": 0}, name=conv.name + ".unflat", index=index + 3)
        nch = graph.make_op("Transpose", [back.outputs[0]], {"perm": [0, 2, 1]}, name=conv.name + ".channels", index=index + 4)
        graph.replace_all_uses(sl.outputs[0], nch.outputs[0])
        graph.remove_op(sl)
        graph.remove_op(conv)
    remove_dead_ops(graph)
