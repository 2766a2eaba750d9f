"""canonicalize-global-pool: every spelling of global average pooling becomes GlobalAveragePool.

    ReduceMean(x, axes = spatial axes, keepdims = 1)     ->  GlobalAveragePool(x)
    ReduceMean(x, axes = spatial axes, keepdims = 0)     ->  Reshape(GlobalAveragePool(x))
    ReduceMean(Transpose_p(x), axes mapping to x's spatial axes)
                                                         ->  [Reshape](Transpose_p(GlobalAveragePool(x)))
    AveragePool(x) {kernel = the whole map, no pads}     ->  GlobalAveragePool(x)
    GlobalAveragePool(view(x)), the view keeping N and C ->  Reshape(GlobalAveragePool(x))

The TorchScript exporter writes nn.AdaptiveAvgPool2d(1) as GlobalAveragePool, the dynamo
exporter as ReduceMean over axes 2, 3; tf2onnx writes Keras GlobalAveragePooling2D as
GlobalAveragePool or as ReduceMean over the NHWC spatial axes behind a Transpose; a
fixed-size AvgPool2d over the last feature map (DS-CNN, ResNet-8) is the same thing; dynamo
pools a 1-D map by making it 2-D first (Unsqueeze, ReduceMean, Squeeze). One op
afterwards, with one int8 kernel. The transposes and reshapes left behind move only size-1
axes (simplify-layout makes them one Reshape).

Assumes: constant reduction axes (the IR's rule). x is channels-first (N, C, spatial...),
as every image op is before layout-nhwc. Guarantees: exact in float (a mean over the same
elements); no ReduceMean over exactly the spatial axes of a rank >= 3 tensor, and no
AveragePool whose one window is the whole unpadded map, is left; no GlobalAveragePool
reads a view that keeps the batch and channel axes.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op
from hcc.passes import register_pass
from hcc.passes.rewrite import label, producer, remove_dead_ops, replace_op


VIEWS = {"Reshape", "Unsqueeze", "Squeeze", "Flatten"}


def _spatial(rank: int) -> set[int]:
    return set(range(2, rank))


def _global_pool_source(op: Op):
    """(x, perm) when `op` averages x over its spatial axes, seen through Transpose_perm (None: none); else None."""
    if op.kind == "AveragePool":
        a, x = op.attrs, op.inputs[0]
        spatial = x.type.shape[1:-1] if a.get("layout") == "NHWC" else x.type.shape[2:]
        if not any(a["pads"]) and all(d == 1 for d in a["dilations"]) and list(a["kernel_shape"]) == list(spatial):
            return x, None
        return None
    x = op.inputs[0]
    axes = set(op.opdef.axes(op))
    if x.type.rank < 3 or not axes:
        return None
    if axes == _spatial(x.type.rank):
        return x, None
    t = producer(x, "Transpose")
    if t is not None:
        perm = list(t.attrs["perm"]) or list(range(x.type.rank))[::-1]
        if {perm[a] for a in axes} == _spatial(x.type.rank):
            return t.inputs[0], perm
    return None


@register_pass("canonicalize-global-pool")
def canonicalize_global_pool(graph: Graph) -> None:
    """Turn ReduceMean over the spatial axes and whole-map AveragePools into GlobalAveragePool."""
    for op in [op for op in graph.ops if op.kind in ("ReduceMean", "AveragePool")]:
        found = _global_pool_source(op)
        if found is None:
            continue
        x, perm = found
        out = op.outputs[0]
        if op.kind == "AveragePool":
            replace_op(graph, op, "GlobalAveragePool", [x], {"layout": op.attrs["layout"]})
            continue
        index, base = graph.ops.index(op), label(op)
        pooled = graph.make_op("GlobalAveragePool", [x], {"layout": "NCHW"}, name=op.name,
                               out_names=[graph.unique_name(base + ".pool")], index=index).outputs[0]
        if perm is not None:
            pooled = graph.make_op("Transpose", [pooled], {"perm": perm}, name=op.name and f"{op.name}.t",
                                   out_names=[graph.unique_name(base + ".t")], index=index + 1).outputs[0]
            index += 1
        if pooled.type.shape != out.type.shape:
            shape = graph.add_const(graph.unique_name(base + ".shape"), np.array(out.type.shape, np.int64))
            pooled = graph.make_op("Reshape", [pooled, shape], {"allowzero": 0},
                                   name=op.name and f"{op.name}.reshape", out_names=[graph.unique_name(base + ".flat")], index=index + 1).outputs[0]
        name = out.name
        graph.remove_op(op)
        graph.replace_all_uses(out, pooled)
        graph.rename(pooled, name)
    for op in [op for op in graph.ops if op.kind == "GlobalAveragePool"]:
        _pool_before_view(graph, op)
    remove_dead_ops(graph)


def _pool_before_view(graph: Graph, op: Op) -> None:
    """GlobalAveragePool(view(x)) -> Reshape(GlobalAveragePool(x)) when the view keeps x's batch
    and channel axes (dynamo's adaptive_avg_pool1d: Unsqueeze to 2-D, pool, Squeeze): each
    channel averages the same elements."""
    view = op.inputs[0].producer
    while view is not None and view.kind in VIEWS and op.attrs["layout"] == "NCHW":
        x = view.inputs[0]
        if x.type.rank < 3 or x.type.shape[:2] != op.inputs[0].type.shape[:2]:
            return
        out, index, base = op.outputs[0], graph.ops.index(op), label(op)
        pooled = graph.make_op("GlobalAveragePool", [x], {"layout": "NCHW"}, name=op.name,
                               out_names=[graph.unique_name(base + ".pool")], index=index)
        shape = graph.add_const(graph.unique_name(base + ".shape"), np.array(out.type.shape, np.int64))
        back = graph.make_op("Reshape", [pooled.outputs[0], shape], {"allowzero": 0},
                             name=op.name and f"{op.name}.reshape", out_names=[graph.unique_name(base)],
                             index=index + 1).outputs[0]
        name = out.name
        graph.remove_op(op)
        graph.replace_all_uses(out, back)
        graph.rename(back, name)
        op, view = pooled, x.producer
