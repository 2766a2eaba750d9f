"""fold-pad-into-conv: a zero Pad of the spatial axes before a Conv becomes the Conv's padding.

Keras' ZeroPadding2D (before every stride-2 depthwise conv of MobileNet, written 'valid')
reaches ONNX through tf2onnx as an explicit Pad, often between the layout Transposes: as an
op it stores the padded map (49x49x16 where the conv reads 48x48x16) beside its input.
The conv reads padding as zero anyway (as z_in in int8, the code of 0.0), so the Pad's widths
add to the conv's `pads` and the Pad goes.

Matches: Pad (mode constant, value absent or 0, non-negative widths on the two spatial axes
of the conv's input only) -> [Transpose] -> Conv, where every reader of the Pad's output is
that chain. The spatial axes are the conv's layout's (NCHW: 2, 3; NHWC: 1, 2), mapped back
through the Transpose when there is one, which then reads the Pad's input instead.
Guarantees: float-exact (the same sums); the Pad and its padded map disappear.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops


def _zero_fill(op: Op) -> bool:
    fill = op.inputs[2] if len(op.inputs) > 2 else None
    return fill is None or (fill.is_const and not np.any(fill.const))


def _conv_after(graph: Graph, pad: Op) -> tuple[Op | None, Op, list[int] | None]:
    """(transpose or None, conv, perm or None) when the Pad's output reaches exactly one Conv."""
    users = graph.users(pad.outputs[0])
    if len(users) != 1 or graph.is_output(pad.outputs[0]):
        return None, None, None
    user = users[0]
    if user.kind == "Transpose":
        after = graph.users(user.outputs[0])
        if len(after) == 1 and after[0].kind == "Conv" and after[0].inputs[0] is user.outputs[0] \
                and not graph.is_output(user.outputs[0]):
            return user, after[0], list(user.opdef.perm(user))
        return None, None, None
    if user.kind == "Conv" and user.inputs[0] is pad.outputs[0]:
        return None, user, None
    return None, None, None


@register_pass("fold-pad-into-conv")
def fold_pad_into_conv(graph: Graph) -> None:
    """Fold zero Pads of the spatial axes into the Conv that reads them."""
    folded = False
    for pad in [op for op in graph.ops if op.kind == "Pad"]:
        if pad.attrs["mode"] != "constant" or not _zero_fill(pad) or not pad.inputs[1].is_const:
            continue
        transpose, conv, perm = _conv_after(graph, pad)
        if conv is None or conv.outputs[0].type.rank != 4 or conv.attrs.get("auto_pad", "NOTSET") != "NOTSET":
            continue
        widths = pad.opdef.widths(pad)
        spatial = (1, 2) if conv.attrs.get("layout", "NCHW") == "NHWC" else (2, 3)
        if perm is not None:  # conv axis a is the Pad's axis perm[a]
            spatial = tuple(perm[a] for a in spatial)
        if any(w != (0, 0) for axis, w in enumerate(widths) if axis not in spatial) or min(min(w) for w in widths) < 0:
            continue
        (top, bottom), (left, right) = widths[spatial[0]], widths[spatial[1]]
        pads = list(conv.attrs.get("pads") or [0, 0, 0, 0])
        conv.attrs["pads"] = [pads[0] + top, pads[1] + left, pads[2] + bottom, pads[3] + right]
        source = pad.inputs[0]
        if transpose is not None:
            transpose.inputs[0] = source
            transpose.outputs[0].type = transpose.opdef.infer(transpose)[0]
        else:
            conv.inputs[0] = source
        folded = True
    if folded:
        remove_dead_ops(graph)
