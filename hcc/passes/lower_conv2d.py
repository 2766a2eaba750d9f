"""lower-conv2d: every remaining 2-D or 1-D Conv becomes a FusedConv2d with nothing fused.

The int8 runtime has one convolution entry point (hcc_conv2d_pool_s8, which streams rows
and picks the 3x3 kernel itself), so a lone conv (or every conv, with --no-streaming)
takes the same path. A channels-last 1-D conv ([N, L, C], weights [O, I, K]) is the 2-D
conv of one row: it runs as a FusedConv2d on [N, 1, L, C] between two Reshapes, which are
views (no copy). Runs after quantize and fuse-conv-block.
Guarantees: no 4-d Conv and no channels-last 3-d Conv remains; numbers unchanged (the fused
op without extras is the conv).
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.ir.types import TensorType
from hcc.ops.layout import is_nhwc
from hcc.passes import register_pass
from hcc.passes.rewrite import label, remove_dead_ops, sole_user


def _fused_attrs(conv, row: bool) -> dict:
    """FusedConv2d attributes of `conv`; `row`: a 1-D conv as the 2-D conv of one row."""
    a = conv.attrs
    attrs = {"group": a["group"], "layout": a["layout"], "numerics": a["numerics"]}
    if row:
        attrs.update(pads=[0, a["pads"][0], 0, a["pads"][1]], strides=[1, a["strides"][0]],
                     dilations=[1, a["dilations"][0]])
    else:
        attrs.update({k: a[k] for k in ("pads", "strides", "dilations")})
    out = conv.outputs[0]
    if out.type.quant is not None:
        attrs["conv_quant"] = [out.type.quant.scale[0], out.type.quant.zero_point[0]]
    return attrs


def _view_source(graph: Graph, x):
    """The input of the Reshape that made `x` when nothing else reads `x` (the conv, already
    removed, read it): one view instead of two."""
    made = x.producer
    if made is not None and made.kind == "Reshape" and not graph.users(x) and not graph.is_output(x):
        return made.inputs[0]
    return x


def _reshape(graph: Graph, x, shape, name: str, index: int, out_name: str | None = None):
    target = graph.add_const(graph.unique_name(name + ".shape"), np.array(shape, np.int64))
    out_names = [out_name or graph.unique_name(name)]
    return graph.make_op("Reshape", [x, target], {"allowzero": 0}, name=name, out_names=out_names, index=index).outputs[0]


@register_pass("lower-conv2d")
def lower_conv2d(graph: Graph) -> None:
    """Turn lone 2-D (and channels-last 1-D) Convs into FusedConv2d ops (one conv kernel path)."""
    for conv in [op for op in graph.ops if op.kind == "Conv"]:
        rank = conv.outputs[0].type.rank
        row = rank == 3 and is_nhwc(conv)
        if rank != 4 and not row:
            continue
        out = conv.outputs[0]
        attrs = _fused_attrs(conv, row)
        index = graph.ops.index(conv)
        graph.remove_op(conv)
        inputs = list(conv.inputs)
        if row:
            (n, length, c), w = inputs[0].type.shape, inputs[1]
            source = _view_source(graph, inputs[0])
            if source.type.shape != (n, 1, length, c):  # (else the row of the conv before: no view needed)
                source = _reshape(graph, source, (n, 1, length, c), f"{label(conv)}.row", index)
                index += 1
            inputs[0] = source
            weights = graph.add_const(graph.unique_name(w.name + ".row"), w.const.reshape(w.type.shape[:2] + (1,) + w.type.shape[2:]))
            weights.type = TensorType(weights.type.shape, weights.type.dtype, w.type.quant)
            inputs[1] = weights
        fused = graph.make_op("FusedConv2d", inputs, attrs, name=conv.name,
                              out_names=[graph.unique_name(out.name + ".2d") if row else out.name], index=index)
        fused.outputs[0].type = out.type.with_shape(fused.outputs[0].type.shape)
        result = fused.outputs[0]
        if row:
            result = _reshape(graph, result, out.type.shape, f"{label(conv)}.unrow", index + 1, out.name)
        graph.replace_all_uses(out, result)
        if row and (nxt := sole_user(graph, result, "Reshape")) is not None:
            nxt.inputs[0] = fused.outputs[0]  # a reshape of the result: one view instead of two
    remove_dead_ops(graph)
