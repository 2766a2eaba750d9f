"""conv-scratch: the dense 3x3 conv widens its weights to int16 in groups where widening all
of them would raise the arena.

The fast dense 3x3 path (conv2d_3x3_s8.c) multiplies int16 patches by int16 weights; widening
all the weights once per call costs 4 x out_c x 9 x in_c bytes of scratch (73,728 B for one
64 -> 64 conv of ResNet-8, most of its peak). With weight_pairs = G it widens G output-channel
pairs at a time (for every row) and gathers the input patches once per group: the scratch
holds 2G channels' weights, at the price of re-gathering the patches (about +50% / G on the
conv's instructions; docs/memory-planning.md).

Assumes: the schedule and the other memory passes are final (it plans the graph). Guarantees:
numbers unchanged; the arena equals the one with every dense conv at one pair per group (the
least scratch), and each dense conv widens as many pairs at once as fit under that arena:
all of them (weight_pairs = 0, as before) wherever its step has room.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.memory.planner import plan_memory
from hcc.passes import register_pass

ALIGN = 16  # the planner's default alignment (hcc plan --align changes only the report)


def _align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


@register_pass("conv-scratch")
def conv_scratch(graph: Graph) -> None:
    """Widen dense 3x3 conv weights a few channel pairs at a time where all at once would raise the arena."""
    dense = [op for op in graph.ops if op.kind == "FusedConv2d" and op.outputs[0].type.dtype == DType.int8
             and op.opdef.kernel_path(op) == "dense"]
    if not dense:
        return
    for op in dense:
        op.attrs["weight_pairs"] = 1
    base = plan_memory(graph, alignment=ALIGN)
    floor = base.peak_bytes
    steps = {id(op): i for i, op in enumerate(graph.ops)}
    for op in dense:
        live = base.ops[steps[id(op)]]["live_bytes"]
        least = _align(op.opdef.scratch_bytes(op))
        pairs = (op.inputs[1].type.shape[0] + 1) // 2
        for group in _choices(pairs):
            op.attrs["weight_pairs"] = group
            if live - least + _align(op.opdef.scratch_bytes(op)) <= floor:
                break
    # the placement, not only the bytes live per step, must still reach the floor
    for _ in range(len(dense)):
        plan = plan_memory(graph, alignment=ALIGN)
        if plan.peak_bytes <= floor:
            return
        at_peak = graph.ops[plan.peak_step]
        if at_peak not in dense or at_peak.attrs["weight_pairs"] == 1:
            break
        current = at_peak.opdef.pairs_at_once(at_peak)
        at_peak.attrs["weight_pairs"] = max(current // 2, 1)
    if plan_memory(graph, alignment=ALIGN).peak_bytes > floor:
        for op in dense:
            op.attrs["weight_pairs"] = 1


def _choices(pairs: int) -> list[int]:
    """All pairs at once (0), then halving down to one pair."""
    out, g = [0], pairs // 2
    while g >= 1:
        out.append(g)
        g //= 2
    if out[-1] != 1:
        out.append(1)
    return out
