"""conv-scratch: each conv with a workspace takes its fastest form that does not raise the arena.

The fast dense path (conv2d_3x3_s8.c, 3x3 and other kernels of up to 16 rows) multiplies int16
patches by int16 weights; widening all the weights once per call costs 4 x out_c x 9 x in_c
bytes of scratch (73,728 B for one 64 -> 64 conv of ResNet-8, most of its peak). With
weight_pairs = G it widens G output-channel pairs at a time (for every row) and gathers the
input patches once per group: the scratch holds 2G channels' weights, at the price of
re-gathering the patches (about +50% / G on the conv's instructions; docs/memory-planning.md).

With weight_pairs = -1 (LEAN) every conv has a form with no workspace at all, and none of
them copies weights into RAM: a groups-1 conv runs hcc_conv2d_blocked_s8_rows (the weights
blocked four channels wide as w + 128 in flash, as many bytes as the int8 weights, widened in
the inner loop: path "blocked"; a 1x1 stride-1 conv "fc-row", the fully connected row kernel
pixel by pixel), a depthwise conv hcc_dwconv2d_s8_direct_rows (path "direct": the taps read
from the NHWC input, bounds checks only at the borders) instead of hcc_dwconv2d_s8_rows (one
channel's padded input plane in scratch), and a pointwise conv on the fully connected kernel
(its int16 weight chunk) falls back to "fc-row". On the lx106 the lean forms cost about 4-5
(blocked, fc-row) and 8-20 (direct, most on small maps) instructions per MAC against 3-4 and
6-14 for the fast ones (docs/performance.md), except a 3x3 depthwise conv whose lean form gets
its window blocks from the compiler (_blocked_depthwise), faster than the fast one.

Assumes: the schedule and the other memory passes are final (it plans the graph). Guarantees:
numbers unchanged; the arena is at most the one with every such conv in its lean form (the least
scratch; the placement can land below it), and each conv takes the fastest form that fits under
that arena: all pairs at once (weight_pairs = 0, as before) wherever its step has room, except
that a 1x1 conv of 16 or more input channels that would widen its weights (all pairs at once or
in groups of pairs: _pointwise_rows), another conv on rows of at most 4 pixels that would run in
groups of pairs (_narrow_rows) and a depthwise conv with compile-time window blocks
(_blocked_depthwise) run lean where the plan's peak stays the same, which is faster on the lx106.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.memory.planner import plan_memory
from hcc.ops.base import tflite_numerics
from hcc.ops.fused_conv2d import DW_NARROW_QUAD
from hcc.ops.layout import is_nhwc, nchw_probe
from hcc.passes import register_pass
from hcc.passes.stream_convs import widenable

ALIGN = 16  # the planner's default alignment (hcc plan --align changes only the report)
LEAN = -1  # no widened weights: the forms without workspace (FusedConv2d.kernel_path)
POINTWISE_LEAN_MIN_K = 32  # _pointwise_rows
POINTWISE_LEAN_LATE_K = 16  # _pointwise_rows, once the wider convs have been placed
POINTWISE_LEAN_STRIDED_K = 8  # _pointwise_rows for a strided 1x1 conv (its lean form "blocked"), last
NARROW_ROW_MAX = 4  # _narrow_rows


def _align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


@register_pass("conv-scratch")
def conv_scratch(graph: Graph) -> None:
    """Widen dense 3x3 conv weights a few channel pairs at a time where all at once would raise the arena."""
    dense = [op for op in graph.ops if _has_lean_form(op) and op.opdef.streamed_source(op) is None]
    if not dense:
        return
    for op in dense:
        op.attrs["weight_pairs"] = LEAN
    base = plan_memory(graph, alignment=ALIGN)
    floor = base.peak_bytes
    steps = {id(op): i for i, op in enumerate(graph.ops)}
    for op in reversed(graph.ops):  # a streamed conv's workspace is in its reader's scratch, at its step
        if op.opdef.streamed(op):
            steps[id(op)] = steps[id(graph.users(op.outputs[0])[0])]
    for op in dense:
        live = base.ops[steps[id(op)]]["live_bytes"]
        least = _align(_workspace(op))
        for group in _choices_of(op):
            op.attrs["weight_pairs"] = group
            if live - least + _align(_workspace(op)) <= floor:
                break
    # the placement, not only the bytes live per step, must still reach the floor
    for _ in range(len(dense)):
        plan = plan_memory(graph, alignment=ALIGN)
        if plan.peak_bytes <= floor:
            break
        at_peak = graph.ops[plan.peak_step]
        at_peak = next((op for op in dense if steps[id(op)] == plan.peak_step and op is not at_peak), at_peak) \
            if at_peak not in dense else at_peak
        if at_peak not in dense or at_peak.attrs.get("weight_pairs", 0) == LEAN:
            break
        choices = _choices_of(at_peak)
        at_peak.attrs["weight_pairs"] = choices[choices.index(at_peak.attrs.get("weight_pairs", 0)) + 1]
    # still above: the placement, not the bytes of one step. Put the convs with the largest
    # workspace back in their lean form one at a time, not all of them (all lean is the floor)
    plan = plan_memory(graph, alignment=ALIGN)
    while plan.peak_bytes > floor:
        widest = max((op for op in dense if op.attrs.get("weight_pairs", 0) != LEAN), key=_workspace, default=None)
        if widest is None:
            break
        widest.attrs["weight_pairs"] = LEAN
        plan = plan_memory(graph, alignment=ALIGN)
    # A pointwise conv left with widened weights (all pairs or groups) runs lean where the arena
    # stays as it is: less scratch at one step can still move the placement up (MobileNetV2
    # 31,104 -> 34,048 B when every such conv was switched), so each switch is planned. The
    # convs of 16 to 31 input channels come after the wider ones, whose gain per switch is the
    # larger (VWW: switched in graph order, its 16 -> 32 conv kept its 64 -> 128 one from it).
    for min_k in (POINTWISE_LEAN_MIN_K, POINTWISE_LEAN_LATE_K, POINTWISE_LEAN_STRIDED_K):
        for op in dense:
            if op.attrs.get("weight_pairs", 0) != LEAN and _pointwise_rows(op, min_k):
                _lean_unless_higher(graph, op, plan.peak_bytes)
    # Then a conv on narrow rows left in groups of pairs, the same way.
    for op in dense:
        if op.attrs.get("weight_pairs", 0) > 0 and _narrow_rows(op):
            _lean_unless_higher(graph, op, plan.peak_bytes)
    # A depthwise conv whose lean form has its window blocks laid out at compile time runs lean
    # where the arena stays as it is: on the lx106 that form is the faster (_blocked_depthwise).
    for op in dense:
        if op.attrs.get("weight_pairs", 0) != LEAN and _blocked_depthwise(op):
            _lean_unless_higher(graph, op, plan.peak_bytes)
    for op in dense:  # the default (all pairs at once) is left unsaid
        if op.attrs.get("weight_pairs") == 0:
            del op.attrs["weight_pairs"]


def _lean_unless_higher(graph: Graph, op, peak: int) -> None:
    """Put op in its lean form, and back as it was where the arena's peak would pass `peak`."""
    saved, op.attrs["weight_pairs"] = op.attrs.get("weight_pairs", 0), LEAN
    if plan_memory(graph, alignment=ALIGN).peak_bytes > peak:
        op.attrs["weight_pairs"] = saved


def _workspace(op) -> int:
    """The op's scratch; a streamed conv's workspace (held in its reader's scratch)."""
    return op.opdef.scratch_parts(op)["workspace"] if op.opdef.streamed(op) else op.opdef.scratch_bytes(op)


def _has_lean_form(op) -> bool:
    """A dense conv (stream_convs.widenable), or a depthwise or pointwise conv on a path with a
    workspace (FusedConv2d.kernel_path)."""
    if widenable(op):
        return True
    if op.kind != "FusedConv2d" or op.outputs[0].type.dtype != DType.int8 or tflite_numerics(op) or op.opdef.streamed(op):
        return False
    saved = op.attrs.pop("weight_pairs", None)
    try:
        return op.opdef.kernel_path(op) in ("depthwise", "fc")
    finally:
        if saved is not None:
            op.attrs["weight_pairs"] = saved


def _pointwise_rows(op, min_k: int = POINTWISE_LEAN_MIN_K) -> bool:
    """A 1x1 unpadded conv of at least min_k input channels: in groups of
    pairs the dense path gathers its pixels again for every group, where its lean form ("fc-row",
    with a stride "blocked": three pixels a weight load, no workspace) gathers them once
    (mini-Xception's stage 3 residual, 64 -> 128 stride 2 in groups of 32 pairs: 434,975 ->
    256,425 lx106 instructions). On the lx106 the lean form is
    then the faster (lx106 instructions per MAC in groups -> lean: mini-Xception's 64 -> 64 and
    64 -> 128 convs in groups of 16 and 32 pairs 4.74 -> 3.96 and 4.62 -> 3.56, MobileNetV2's
    32 -> 192 in groups of 48 5.22 -> 4.23), not with 8 input channels (MobileNetV2's 8 -> 48
    in groups of 12: 7.04 -> 8.02, the per-output costs over 8 products). With all pairs at once
    too, from 16 input channels (POINTWISE_LEAN_LATE_K; lx-minix3, after the three-pixel block's
    set-up went into its asm): mini-Xception's 32 -> 32 + max pool, 32 -> 64, 32 -> 64 stride 2
    and 16 -> 32 4.70 -> 4.55, 4.19 -> 3.89, 4.09 -> 3.91 and 5.14 -> 4.64. From 8 input channels
    (POINTWISE_LEAN_STRIDED_K) a strided one only, whose lean form is the three-pixel "blocked"
    kernel, not fc-row (lx-res: mini-Xception's 8 -> 16 stride 2, all pairs at once, 7.58 -> 7.00:
    the dense path widens whole input rows and calls the int16 dot product per channel pair)."""
    a = op.attrs
    strided = max(a["strides"]) > 1
    return tuple(op.inputs[1].type.shape[2:]) == (1, 1) and not any(a["pads"]) \
        and a["group"] == 1 and op.inputs[1].type.shape[1] >= min_k \
        and (min_k >= POINTWISE_LEAN_LATE_K or strided)


def _narrow_rows(op) -> bool:
    """A conv, not 1x1, whose output rows are at most NARROW_ROW_MAX pixels wide: in groups of
    pairs the dense path widens all of its weights again for every row (hcc_pack_pairs_s16, ~8
    lx106 instructions a weight, so ~8 / out_w a MAC), where its lean form ("blocked") reads
    them from flash (mini-Xception's classifier, 128 -> 7 3x3 on 3 x 3 in groups of 2 pairs:
    474,175 -> 298,200 instructions; all pairs at once, 341K, would raise the arena). A 1x1
    conv's lean form at stride 1 is "fc-row", one pixel a weight load: left to _pointwise_rows."""
    if tuple(op.inputs[1].type.shape[2:]) == (1, 1):
        return False
    probe = nchw_probe(op, op.opdef.layout_activations) if is_nhwc(op) else op
    return op.attrs["group"] == 1 and op.opdef.conv_type(probe).shape[3] <= NARROW_ROW_MAX


def _blocked_depthwise(op) -> bool:
    """A depthwise conv whose lean form ("direct") gets dw_win_blocks' compile-time blocks and
    runs dw_narrow_quads (3x3, dilation_w 1, stride_w <= 2, channels a multiple of 4, window
    rows of at most DW_NARROW_QUAD columns; dwconv2d_s8.c): there it is faster on the lx106
    than hcc_dwconv2d_s8_rows' padded plane, whose per-channel set-up runs on every row call
    (mini-Xception's depthwise convs, e.g. stage 0's 8 channels at 44x44 1,284,025 ->
    1,024,375 instructions). A channel the blocks refuse (a rare requantization) only makes
    the kernel set the channels up at run time, as before."""
    if op.opdef.kernel_path(op) != "depthwise":
        return False
    a = op.attrs
    probe = nchw_probe(op, op.opdef.layout_activations) if is_nhwc(op) else op
    out_c, out_w = op.opdef.conv_type(probe).shape[1::2]
    return tuple(op.inputs[1].type.shape[2:]) == (3, 3) and a["dilations"][1] == 1 and a["strides"][1] <= 2 \
        and out_c % 4 == 0 and (out_w - 1) * a["strides"][1] + 3 <= DW_NARROW_QUAD


def _choices_of(op) -> list[int]:
    """weight_pairs to try, fastest first: a dense conv's groups of pairs, else all or none; a
    conv on wino_rows' path (FusedConv2d.wino) all pairs at once there (0), then on dense_rows
    (weight_pairs = its pairs: less scratch)."""
    if op.opdef.kernel_path(op) == "dense" or widenable(op):
        pairs = (op.inputs[1].type.shape[0] + 1) // 2
        saved = op.attrs.pop("weight_pairs", None)
        try:
            wino = op.opdef.kernel_path(op) == "dense" and op.opdef.wino(op)
        finally:
            if saved is not None:
                op.attrs["weight_pairs"] = saved
        out = _choices(pairs)
        return out[:1] + [pairs] + out[1:] if wino else out
    return [0, LEAN]


def _choices(pairs: int) -> list[int]:
    """Fastest first: all pairs at once (0), halving down to one pair, then none (LEAN)."""
    out, g = [0], pairs // 2
    while g >= 1:
        out.append(g)
        g //= 2
    return out + [LEAN]
