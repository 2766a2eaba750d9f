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
    kind: str  # "activation", "scratch", "alias" (a view), "inplace" (overwrites its input), "input", "output"
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
    io_bytes: int  # graph inputs and outputs (caller-owned buffers unless io_in_arena)
    naive_bytes: int  # every buffer in its own place (no reuse)
    alignment: int
    algorithm: str  # the strategy that gave this plan
    candidates: dict[str, int]  # arena size each strategy reached
    exact_proven: bool | None  # exact search finished (None: not tried, too many buffers)
    ops: list[dict] = field(default_factory=list)  # {index, name, kind, live_bytes}
    io_in_arena: bool = False  # the input and output live inside the arena
    input_offset: int | None = None  # where, when io_in_arena
    output_offset: int | None = None

    @property
    def ram_bytes(self) -> int:
        """The model's RAM: the arena, plus the caller's input and output buffers unless they
        are inside it. This is the figure to compare with TFLM's arena head."""
        return self.peak_bytes + (0 if self.io_in_arena else self.io_bytes)

    def to_json(self) -> dict:
        return {**asdict(self), "ram_bytes": self.ram_bytes}


IO_IN_ARENA_KEY = "hcc.io_in_arena"  # graph metadata: "1" when the build keeps input and output in the arena


def io_in_arena_of(graph: Graph) -> bool:
    return graph.metadata.get(IO_IN_ARENA_KEY) == "1"


def set_io_in_arena(graph: Graph, inside: bool) -> None:
    """Record the choice in the graph (so the .hir of a build plans as it was built)."""
    if inside:
        graph.metadata[IO_IN_ARENA_KEY] = "1"
    else:
        graph.metadata.pop(IO_IN_ARENA_KEY, None)


def plan_memory(graph: Graph, alignment: int = 16, exact_max_buffers: int = EXACT_MAX_BUFFERS,
                io_in_arena: bool | None = None) -> MemoryPlan:
    """Plan the activation arena of `graph`'s top-level schedule. io_in_arena: the graph's
    input and output get arena buffers too (None: as the graph's metadata says)."""
    if alignment < 1:
        raise HccError(f"alignment must be a positive number of bytes, got {alignment}")
    if io_in_arena is None:
        io_in_arena = io_in_arena_of(graph)
    life = analyze_liveness(graph, io_in_arena=io_in_arena)
    blocks = [Block(align_up(b.bytes, alignment), b.first, b.last) for b in life.buffers]
    links = life.links(alignment)
    # a group's members sit at their byte distances: only where those keep every offset aligned
    groups = [g for g in life.groups if all(d % alignment == 0 for _, d in g)]
    offsets, algorithm, candidates, proven = choose_placement(blocks, exact_max_buffers, links, groups)
    bad = placement.overlapping_pairs(blocks, offsets, links, groups)
    if bad:  # a planner bug must not become memory corruption on the device
        i, j = bad[0]
        raise AssertionError(f"memory plan overlaps {life.buffers[i].name} and {life.buffers[j].name}")

    peak = placement.arena_size(blocks, offsets)
    live = placement.live_bytes(blocks, life.steps, links, groups)
    peak_step = _peak_step(blocks, offsets, live, peak)
    tensors = [
        PlannedTensor(t.name, t.bytes, t.first, t.last, offsets[t.buffer], t.kind, life.buffers[t.buffer].name, t.op)
        for t in life.tensors
    ]
    peak_label = op_label(life.ops[peak_step], peak_step) if life.ops else ""
    offset_of = {t.name: t.offset for t in tensors}
    input_offset = offset_of.get(graph.inputs[0].name) if io_in_arena and graph.inputs else None
    output_offset = offset_of.get(graph.outputs[0].name) if io_in_arena and graph.outputs else None
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
        io_in_arena=io_in_arena,
        input_offset=input_offset,
        output_offset=output_offset,
    )


def choose_placement(blocks: list[Block], exact_max_buffers: int = EXACT_MAX_BUFFERS, links=(), groups=()):
    """(offsets, strategy name, {strategy: arena size}, exact search proven or None)."""
    links, groups = list(links), list(groups)
    results = {"greedy-by-size": placement.greedy_by_size(blocks, links, groups),
               "greedy-by-breadth": placement.greedy_by_breadth(blocks, links, groups),
               "greedy-by-conflict": placement.greedy_by_conflict(blocks, links, groups)}
    sided = placement.two_sided(blocks, links, groups)
    if sided is not None:
        results["two-sided"] = sided
    sizes = {name: placement.arena_size(blocks, offs) for name, offs in results.items()}
    best = min(sizes, key=lambda name: sizes[name])
    floor = placement.lower_bound(blocks, links, groups)
    proven = None
    if not groups and sum(1 for b in blocks if b.size) <= exact_max_buffers and sizes[best] > floor:
        found = placement.exact(blocks, upper=sizes[best], links=links)
        proven = found.proven
        if found.offsets is not None:
            results["exact"] = found.offsets
            sizes["exact"] = placement.arena_size(blocks, found.offsets)
            best = "exact"
    if sizes[best] > floor and not proven:
        improved = placement.improve(blocks, links, results[best], floor, groups=groups)
        size = placement.arena_size(blocks, improved)
        sizes["improve"] = size
        if size < sizes[best]:
            results["improve"] = improved
            best = "improve"
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
