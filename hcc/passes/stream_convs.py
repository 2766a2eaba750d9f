"""stream-convs: a conv computes the rows of the convs before it as it needs them.

conv A -> conv B (+ residual) (+ pooling), where B is A's output's only reader: instead of
storing A's whole output y, hcc_conv_chain_s8 runs B with a window of the few rows of y its
next output row reads, and computes each missing row of y from A's input x when B reaches it.
So a ResNet block x -> conv -> conv + x stores x and its output (which may overwrite x: the
residual row is read just before it is written), never the middle map; so does a
depthwise -> pointwise pair, or the expand -> depthwise part of an inverted residual. The
output may start below x by the lag of the chain's read order (FusedConv2d.overlap_inputs,
chain_schedule).

Links chain: A may stream into B while B streams into C, and so on (hcc_conv_chain_n_s8,
depth first: each conv keeps a window of its input rows, each row of every conv is made
once, when the next one needs it). The last reader may also be a global average pool
(hcc_conv_chain_mean_s8 sums each row of the last conv as it is made): then no map of the
whole stage is stored at all, only the stage's input and a few rows per conv (a DS-CNN's
9 convs and pool: 8,960 -> 6,256 B). A shortcut conv may make the residual of the block
beside it the same way (ResNet-8: 25,088 -> 18,432 B). This is row-band patch-based
inference (MCUNetV2) with a band of one row and the halo rows cached in the windows instead
of recomputed (docs/memory-planning.md, "Streamed stages").

Chosen where it pays: a link is streamed only when that lowers the bytes live with every
dense 3x3 conv at its least scratch (conv-scratch's floor) without raising the arena, and
kept only if undoing it would raise the arena: the rest keep the faster separate kernels.

Assumes: inplace-conv ran (B may overlap what dies at it); conv-scratch runs after.
Guarantees: numbers unchanged (the same convs, the same pool sums); `stream = 1` on A (a
conv with neither pooling nor residual, whose only reader is a conv or a global average
pool), at most HCC_CONV_CHAIN_MAX convs in a chain; B, if it was on the dense path, takes
its lean form (weight_pairs = -1, conv-scratch's: its input rows come from the window, one
output row at a time).
"""

from __future__ import annotations

from hcc.ir.graph import Graph, Op
from hcc.ir.types import DType
from hcc.memory.planner import plan_memory
from hcc.ops.base import tflite_numerics
from hcc.ops.fused_conv2d import chain_of
from hcc.ops.layout import is_nhwc
from hcc.passes import register_pass

ALIGN = 16
LEAN = -1
CHAIN_MAX = 16  # HCC_CONV_CHAIN_MAX (hcc_kernels.h): convs in one chain


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
    """The links (A, reader) that may stream: A an int8 conv without pooling or residual whose
    only reader is a conv (not on the single-channel path) or an int8 global average pool."""
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
        if b.kind == "GlobalAveragePool":
            if b.outputs[0].type.dtype == DType.int8 and not tflite_numerics(b) and is_nhwc(b) and y.type.rank == 4:
                out.append((a, b))
            continue
        if b.kind != "FusedConv2d" or tflite_numerics(b) or b.opdef.kernel_path(b) == "mono":
            continue
        main = b.inputs[0] is y and not any(v is y for v in b.inputs[1:])
        residual = len(b.inputs) > 3 and b.inputs[3] is y and not any(v is y for v in b.inputs[:3])
        if main or residual:
            out.append((a, b))
    return out


def _is_residual(a: Op, b: Op) -> bool:
    """The link makes b's residual (not its input)."""
    return b.inputs[0] is not a.outputs[0]


def _allowed(graph: Graph, a: Op, b: Op) -> bool:
    """A conv that makes a residual reads its input itself (hcc_conv_source_t): it streams no
    conv before it; and a chain is at most CHAIN_MAX convs."""
    if _is_residual(a, b):
        return a.opdef.streamed_source(a) is None
    if b.kind == "FusedConv2d" and b.attrs.get("stream") and _is_residual(b, graph.users(b.outputs[0])[0]):
        return False
    return _chain_length(graph, b) <= CHAIN_MAX


def _chain_length(graph: Graph, b: Op) -> int:
    """The convs of the chain through b (b and the streamed convs before it, then those after)."""
    n = 1 + len(chain_of(b)) if b.kind == "FusedConv2d" else len(b.opdef.streamed_chain(b))
    while b.kind == "FusedConv2d" and b.attrs.get("stream"):
        b = graph.users(b.outputs[0])[0]
        n += b.kind == "FusedConv2d"
    return n


def _runs(pairs: list[tuple[Op, Op]]) -> list[list[tuple[Op, Op]]]:
    """The longest runs of links A -> B -> C ..., each in order (at most CHAIN_MAX convs, the
    last ones: the reader at the end is what a run is for), alone (two links or more) and with
    the link that makes the last reader's residual (a shortcut conv beside a chain reads the
    same map: only both streamed free it early)."""
    main = [(a, b) for a, b in pairs if not _is_residual(a, b)]
    residual_of = {id(b): (a, b) for a, b in pairs if _is_residual(a, b)}
    after = {id(a): (a, b) for a, b in main}
    reached = {id(b) for _, b in main}
    runs = []
    for a, b in main:
        if id(a) in reached:
            continue
        run = [(a, b)]
        while id(run[-1][1]) in after:
            run.append(after[id(run[-1][1])])
        run = run[-CHAIN_MAX:] if run[-1][1].kind == "GlobalAveragePool" else run[-(CHAIN_MAX - 1):]
        if len(run) > 1:
            runs.append(run)
        if id(run[-1][1]) in residual_of:
            runs.append(run + [residual_of[id(run[-1][1])]])
    return runs


def _cost(graph: Graph) -> tuple[int, int]:
    plan = plan_memory(graph, alignment=ALIGN)
    return plan.peak_bytes, sum(op["live_bytes"] for op in plan.ops)


def _stream(a: Op, b: Op) -> object:
    undo = (b.attrs.get("weight_pairs"),)
    a.attrs["stream"] = 1
    if b.kind == "FusedConv2d":
        b.attrs["weight_pairs"] = LEAN  # rows from the window: the lean form (no per-row init)
    return undo


def _unstream(a: Op, b: Op, undo) -> None:
    del a.attrs["stream"]
    if b.kind != "FusedConv2d":
        return
    if undo[0] is None:
        b.attrs.pop("weight_pairs", None)
    else:
        b.attrs["weight_pairs"] = undo[0]


def _greedy(graph: Graph, order, base):
    """Stream the links of `order` one by one where each lowers the cost; (chosen, cost)."""
    chosen, best = [], base
    for a, b in order:
        if a.attrs.get("stream"):
            continue
        undo = _stream(a, b)
        if not _allowed(graph, a, b):
            _unstream(a, b, undo)
            continue
        cost = _cost(graph)
        if cost < best:
            best = cost
            chosen.append((a, b, undo))
        else:
            _unstream(a, b, undo)
    return chosen, best


@register_pass("stream-convs")
def stream_convs(graph: Graph) -> None:
    """Stream chains of convs (into a conv or a global average pool) where that lowers the arena."""
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
    # Two greedy orders (the graph's, and the most helpful link first), the better kept: one
    # streamed link can rule out another (a shortcut conv streams nothing into itself).
    results = []
    for order in (pairs, ranked):
        chosen, cost = _greedy(graph, order, base)
        results.append((cost, order))
        for a, b, undo in reversed(chosen):
            _unstream(a, b, undo)
    chosen, best = _greedy(graph, min(results, key=lambda r: r[0])[1], base)
    # A whole stage pays only once every map in it is streamed (one stored map is as large as
    # the one before): try each longest run of links at once, over what the greedy chose.
    for run in _runs(pairs):
        added = [(a, b, _stream(a, b)) for a, b in run if not a.attrs.get("stream")]
        cost = _cost(graph)
        if added and cost < best and all(_allowed(graph, a, b) for a, b in run):
            best = cost
            chosen += added
        else:
            for a, b, undo in reversed(added):
                _unstream(a, b, undo)
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
