"""The static memory plan: one arena, an offset for every activation and scratch buffer.

`plan_memory(graph)` runs liveness (hcc/memory/liveness.py), aligns every buffer, tries
the placement strategies of hcc/memory/placement.py, keeps the smallest arena and
reports it with the lower bound (bytes live at the busiest step) it is measured against.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from hcc.errors import BudgetError, HccError
from hcc.ir.graph import Graph
from hcc.memory import placement
from hcc.memory.liveness import analyze_liveness, op_label
from hcc.memory.placement import Block, align_up

EXACT_MAX_BUFFERS = 12  # branch and bound is tried up to this many buffers


@dataclass
class PlannedTensor:
    name: str
    bytes: int  # the tensor's own size
    first: int  # step (index in `ops`) that produces it
    last: int  # last step that reads it
    offset: int  # byte offset of its buffer in the arena
    kind: str  # "activation", "scratch", "alias" (a view) or "inplace" (overwrites its input)
    buffer: str  # the buffer it lives in (its own name unless it shares one)
    op: str  # the op that produces it (for scratch: the op that uses it)


@dataclass
class MemoryPlan:
    tensors: list[PlannedTensor]
    peak_bytes: int  # arena size: the end of the highest buffer
    lower_bound_bytes: int  # aligned bytes live at the busiest step: no plan does better
    peak_op: str  # the op running when the highest buffer is in use
    peak_op_kind: str
    peak_step: int
    flash_bytes: int  # constants (weights), which stay in flash
    io_bytes: int  # graph inputs and outputs: caller-owned, not in the arena
    naive_bytes: int  # every buffer in its own place (no reuse)
    alignment: int
    algorithm: str  # the strategy that gave this plan
    candidates: dict[str, int]  # arena size each strategy reached
    exact_proven: bool | None  # exact search finished (None: not tried, too many buffers)
    ops: list[dict] = field(default_factory=list)  # {index, name, kind, live_bytes}

    def to_json(self) -> dict:
        return asdict(self)


def plan_memory(graph: Graph, alignment: int = 16, exact_max_buffers: int = EXACT_MAX_BUFFERS) -> MemoryPlan:
    """Plan the activation arena of `graph`'s top-level schedule."""
    if alignment < 1:
        raise HccError(f"alignment must be a positive number of bytes, got {alignment}")
    life = analyze_liveness(graph)
    blocks = [Block(align_up(b.bytes, alignment), b.first, b.last) for b in life.buffers]
    offsets, algorithm, candidates, proven = choose_placement(blocks, exact_max_buffers)
    bad = placement.overlapping_pairs(blocks, offsets)
    if bad:  # a planner bug must not become memory corruption on the device
        i, j = bad[0]
        raise AssertionError(f"memory plan overlaps {life.buffers[i].name} and {life.buffers[j].name}")

    peak = placement.arena_size(blocks, offsets)
    live = placement.live_bytes(blocks, life.steps)
    peak_step = _peak_step(blocks, offsets, live, peak)
    tensors = [
        PlannedTensor(t.name, t.bytes, t.first, t.last, offsets[t.buffer], t.kind, life.buffers[t.buffer].name, t.op)
        for t in life.tensors
    ]
    peak_label = op_label(life.ops[peak_step], peak_step) if life.ops else ""
    return MemoryPlan(
        tensors=tensors,
        peak_bytes=peak,
        lower_bound_bytes=max(live, default=0),
        peak_op=peak_label,
        peak_op_kind=life.ops[peak_step].kind if life.ops else "",
        peak_step=peak_step,
        flash_bytes=life.flash_bytes,
        io_bytes=life.io_bytes,
        naive_bytes=sum(b.size for b in blocks),
        alignment=alignment,
        algorithm=algorithm,
        candidates=candidates,
        exact_proven=proven,
        ops=[{"index": i, "name": op_label(op, i), "kind": op.kind, "live_bytes": live[i]} for i, op in enumerate(life.ops)],
    )


def choose_placement(blocks: list[Block], exact_max_buffers: int = EXACT_MAX_BUFFERS):
    """(offsets, strategy name, {strategy: arena size}, exact search proven or None)."""
    results = {"greedy-by-size": placement.greedy_by_size(blocks), "greedy-by-breadth": placement.greedy_by_breadth(blocks)}
    sided = placement.two_sided(blocks)
    if sided is not None:
        results["two-sided"] = sided
    sizes = {name: placement.arena_size(blocks, offs) for name, offs in results.items()}
    best = min(sizes, key=lambda name: sizes[name])
    proven = None
    if sum(1 for b in blocks if b.size) <= exact_max_buffers and sizes[best] > placement.lower_bound(blocks):
        found = placement.exact(blocks, upper=sizes[best])
        proven = found.proven
        if found.offsets is not None:
            results["exact"] = found.offsets
            sizes["exact"] = placement.arena_size(blocks, found.offsets)
            best = "exact"
    return results[best], best, sizes, proven


def _peak_step(blocks, offsets, live, peak) -> int:
    """The busiest step among those where the top of the arena is in use."""
    if not live:
        return 0
    steps = [s for s in range(len(live)) if any(b.first <= s <= b.last and o + b.size == peak for b, o in zip(blocks, offsets))]
    return max(steps or range(len(live)), key=lambda s: (live[s], -s))


def check_budget(plan: MemoryPlan, sram_bytes: int, flash_bytes: int | None = None) -> None:
    """Raise BudgetError when the arena (or the weights) do not fit their budget."""
    if plan.peak_bytes > sram_bytes:
        raise BudgetError(
            f"needs {plan.peak_bytes} bytes of SRAM, budget {sram_bytes}, "
            f"over by {plan.peak_bytes - sram_bytes} at op {plan.peak_op}"
        )
    if flash_bytes is not None and plan.flash_bytes > flash_bytes:
        raise BudgetError(
            f"needs {plan.flash_bytes} bytes of flash for weights, budget {flash_bytes}, "
            f"over by {plan.flash_bytes - flash_bytes}"
        )
