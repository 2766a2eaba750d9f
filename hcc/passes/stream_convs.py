"""stream-convs: a conv computes the rows of the conv before it as it needs them.

conv A -> conv B (+ residual) (+ pooling), where B is A's output's only reader: instead of
storing A's whole output y, hcc_conv_chain_s8 runs B with a window of the few rows of y its
next output row reads, and computes each missing row of y from A's input x when B reaches it.
So a ResNet block x -> conv -> conv + x stores x and its output (which may overwrite x: the
residual row is read just before it is written), never the middle map; so does a
depthwise -> pointwise pair, or the expand -> depthwise part of an inverted residual. The
output may start below x by the lag of the chain's read order (FusedConv2d.overlap_inputs,
chain_schedule).

Chosen where it pays: a pair is streamed only when that lowers the bytes live with every
dense 3x3 conv at its least scratch (conv-scratch's floor) without raising the arena, and
kept only if undoing it would raise the arena: the rest keep the faster separate kernels.

Assumes: inplace-conv ran (B may overlap what dies at it); conv-scratch runs after.
Guarantees: numbers unchanged (the same two convs); `stream = 1` on A (never on a conv that
itself streams the one before it, nor on one whose reader is streamed); B, if it was on the
dense path, takes its lean form (weight_pairs = -1, conv-scratch's: its input rows come from
the window, one output row at a time).
"""

from __future__ import annotations

from hcc.ir.graph import Graph, Op
from hcc.ir.types import DType
from hcc.memory.planner import plan_memory
from hcc.ops.base import tflite_numerics
from hcc.ops.layout import is_nhwc
from hcc.passes import register_pass

ALIGN = 16
LEAN = -1


def widenable(op: Op) -> bool:
    """A groups-1 3x3 conv, which conv-scratch may give widened int16 weights."""
    if op.kind != "FusedConv2d" or op.outputs[0].type.dtype != DType.int8 or tflite_numerics(op):
        return False
    saved = op.attrs.pop("weight_pairs", None)
    try:
        return op.opdef.kernel_path(op) == "dense"
    finally:
        if saved is not None:
            op.attrs["weight_pairs"] = saved


def _pairs(graph: Graph) -> list[tuple[Op, Op]]:
    out = []
    for a in graph.ops:
        if a.kind != "FusedConv2d" or a.outputs[0].type.dtype != DType.int8 or not is_nhwc(a) or tflite_numerics(a):
            continue
        if a.attrs["pool_kernel"] or (len(a.inputs) > 3 and a.inputs[3] is not None) or a.inputs[0].type.shape[0] != 1:
            continue
        y = a.outputs[0]
        users = graph.users(y)
        if graph.is_output(y) or len(users) != 1:
            continue
        b = users[0]
        if b.kind != "FusedConv2d" or tflite_numerics(b) or b.inputs[0] is not y or any(v is y for v in b.inputs[1:]) \
                or b.opdef.kernel_path(b) == "mono" or b.attrs.get("stream"):
            continue
        out.append((a, b))
    return out


def _cost(graph: Graph) -> tuple[int, int]:
    plan = plan_memory(graph, alignment=ALIGN)
    return plan.peak_bytes, sum(op["live_bytes"] for op in plan.ops)


def _stream(a: Op, b: Op) -> object:
    undo = (b.attrs.get("weight_pairs"),)
    a.attrs["stream"] = 1
    b.attrs["weight_pairs"] = LEAN  # rows from the window: the lean form (no per-row init)
    return undo


def _unstream(a: Op, b: Op, undo) -> None:
    del a.attrs["stream"]
    if undo[0] is None:
        b.attrs.pop("weight_pairs", None)
    else:
        b.attrs["weight_pairs"] = undo[0]


def _greedy(graph: Graph, order, base):
    """Stream the pairs of `order` one by one where each lowers the cost; (chosen, cost)."""
    chosen, best = [], base
    for a, b in order:
        if b.attrs.get("stream") or a.opdef.streamed_source(a) is not None or a.attrs.get("stream") \
                or b.opdef.streamed_source(b) is not None:
            continue  # two convs at a time: b already streams into the next, or a streams the one before
        undo = _stream(a, b)
        cost = _cost(graph)
        if cost < best:
            best = cost
            chosen.append((a, b, undo))
        else:
            _unstream(a, b, undo)
    return chosen, best


@register_pass("stream-convs")
def stream_convs(graph: Graph) -> None:
    """Stream conv -> conv pairs (the middle map never stored) where that lowers the arena."""
    pairs = _pairs(graph)
    if not pairs:
        return
    dense = [op for op in graph.ops if widenable(op)]
    saved = {id(op): op.attrs.get("weight_pairs") for op in dense}
    for op in dense:  # judge at the least scratch, as conv-scratch's floor does
        op.attrs["weight_pairs"] = LEAN
    base = _cost(graph)
    gains = []
    for a, b in pairs:  # each pair alone, from the unstreamed graph
        undo = _stream(a, b)
        gains.append((_cost(graph), a, b))
        _unstream(a, b, undo)
    ranked = [(a, b) for _, a, b in sorted(gains, key=lambda g: g[0])]
    # Two greedy orders (the graph's, and the most helpful pair first), the better kept: one
    # streamed pair can rule out a better one next to it (a conv streams one neighbour only).
    results = []
    for order in (pairs, ranked):
        chosen, cost = _greedy(graph, order, base)
        results.append((cost, order))
        for a, b, undo in reversed(chosen):
            _unstream(a, b, undo)
    chosen, best = _greedy(graph, min(results, key=lambda r: r[0])[1], base)
    for a, b, undo in list(chosen):  # keep only what the arena needs
        _unstream(a, b, undo)
        if _cost(graph)[0] > best[0]:
            _stream(a, b)
        else:
            chosen.remove((a, b, undo))
            best = _cost(graph)
    streaming = {id(b) for _, b, _ in chosen}
    for op in dense:
        if id(op) in streaming:
            continue
        if saved[id(op)] is None:
            op.attrs.pop("weight_pairs", None)
        else:
            op.attrs["weight_pairs"] = saved[id(op)]
