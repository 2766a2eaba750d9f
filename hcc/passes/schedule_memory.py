"""schedule-memory: run the ops in the order that needs the least memory.

Where a graph branches (a residual's shortcut, a concat's skip, squeeze-excite), several
orders compute the same thing; the bytes live at the busiest step differ. Computing a
ResNet block's strided shortcut before its main path, for instance, lets the block's input
die at the main path's first conv, which can then overwrite it (inplace-conv).

The search: states are the sets of ops already run (each a downset of the graph), explored
cheapest first by the bottleneck cost (the most bytes live at any step so far), so the first
complete schedule popped has the least peak for the cost model; among equal peaks it prefers
less memory over all steps (a tie-break, not a proof). The model is the planner's own
liveness (hcc/memory/liveness.py) on buffers, with views, in-place outputs, overlapping
outputs (their lag) and scratch, sizes aligned to 16 bytes. Ties keep the original order.
Graphs whose search would visit more than MAX_WORK / (number of ops) states keep their order:
each state tries every op, so this bounds the time a search that gives up can cost (a few
seconds). The networks met so far visit about one state per op; an unrolled loop of
independent steps (a 12-step LSTMCell: 166 ops) has too many orders and gives up.

Assumes: inplace-transpose ran; the convs may overlap their input wherever it dies
(inplace-conv runs after this pass and allows it there, where the saving beats the window of
input rows the kernel then keeps: the cost model counts that window too).
Guarantees: a topological order of the same ops; the planned arena is never larger than
with the original order (the pass checks with the planner and keeps the original otherwise).
"""

from __future__ import annotations

import heapq

from hcc.ir.graph import Graph, Op
from hcc.memory.planner import io_in_arena_of, plan_memory
from hcc.passes import register_pass

MAX_WORK = 4_000_000  # states visited x ops
ALIGN = 16


def _align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


class _Model:
    """Bytes live while op i runs after the ops in `done` (a bit mask), from buffers."""

    def __init__(self, graph: Graph):
        self.ops = list(graph.ops)
        index = {id(op): i for i, op in enumerate(self.ops)}
        inside = io_in_arena_of(graph)
        outside = {id(v) for v in graph.constants}
        if not inside:
            outside |= {id(v) for v in list(graph.inputs) + list(graph.outputs)}
        self.buffer_of: dict[int, int] = {}  # id(value) -> buffer
        self.size: list[int] = []
        self.producer: list[int] = []  # op index, -1: a graph input (live from the start)
        self.readers: list[int] = []  # bit mask of the ops that read the buffer
        self.pinned: list[bool] = []
        outputs = {id(v) for v in graph.outputs}
        for v in graph.inputs:
            if id(v) not in outside and not v.is_const:
                self._new(v, -1, outputs)
        self.deps = [0] * len(self.ops)
        for i, op in enumerate(self.ops):
            for v in op.reads():
                if v.producer is not None and id(v.producer) in index and index[id(v.producer)] != i:
                    self.deps[i] |= 1 << index[id(v.producer)]
            alias = op.opdef.alias_input
            for k, out in enumerate(op.outputs):
                src = op.inputs[alias] if k == 0 and alias is not None and alias < len(op.inputs) else None
                if k in op.opdef.optional_results and id(out) not in outputs and not graph.users(out):
                    outside.add(id(out))  # unread: the kernel skips it (no memory)
                elif src is not None and id(src) in self.buffer_of:
                    b = self.buffer_of[id(src)]
                    self.buffer_of[id(out)] = b
                    self.size[b] = max(self.size[b], _align(out.type.nbytes))
                    self.pinned[b] |= id(out) in outputs
                elif src is not None and id(src) in outside:
                    outside.add(id(out))
                elif id(out) not in outside:
                    self._new(out, i, outputs)
        for i, op in enumerate(self.ops):
            for v in op.reads():
                if id(v) in self.buffer_of:
                    self.readers[self.buffer_of[id(v)]] |= 1 << i
        self.inputs_of = [{self.buffer_of[id(v)] for v in op.reads() if id(v) in self.buffer_of} for op in self.ops]
        self.outputs_of = [[self.buffer_of[id(v)] for v in op.outputs if id(v) in self.buffer_of
                            and self.producer[self.buffer_of[id(v)]] == i] for i, op in enumerate(self.ops)]
        self.scratch = [_align(int(op.opdef.scratch_bytes(op))) for op in self.ops]
        self.inplace = [op.opdef.inplace_input_of(op) for op in self.ops]
        self.overlap, self.window = [], []
        for op in self.ops:
            lags, window = _possible_overlap(op)
            self.overlap.append(lags)
            self.window.append(_align(window))

    def _new(self, value, producer: int, outputs) -> None:
        self.buffer_of[id(value)] = len(self.size)
        self.size.append(_align(value.type.nbytes))
        self.producer.append(producer)
        self.readers.append(0)
        self.pinned.append(id(value) in outputs)

    def _dies_at(self, b: int, i: int, done: int) -> bool:
        return not self.pinned[b] and (self.readers[b] & ~done) == 1 << i

    def live_after(self, done: int) -> int:
        """Bytes of the buffers born after the ops in `done` and still read (or pinned)."""
        return sum(self.size[b] for b in range(len(self.size))
                   if (self.producer[b] == -1 or done >> self.producer[b] & 1)
                   and (self.pinned[b] or self.readers[b] & ~done))

    def live_change(self, i: int, done: int) -> int:
        """live_after(done | 1 << i) - live_after(done): op i's outputs that are read later
        (or pinned) are born, the buffers whose last reader it is die."""
        after = ~(done | 1 << i)
        born = sum(self.size[b] for b in self.outputs_of[i] if self.pinned[b] or self.readers[b] & after)
        return born - sum(self.size[b] for b in self.inputs_of[i] if not self.pinned[b] and not self.readers[b] & after)

    def cost(self, i: int, done: int, live: int | None = None) -> int:
        """Bytes live while op i runs (the buffers born before and still read: `live`, which is
        live_after(done) when not given, its outputs, its scratch), less what an in-place or
        overlapping output saves."""
        live = (self.live_after(done) if live is None else live) + self.scratch[i]
        op = self.ops[i]
        for b in self.outputs_of[i]:
            live += self.size[b]
        outs = self.outputs_of[i]
        if not outs:
            return live
        out = outs[0]
        k = self.inplace[i]
        if k is not None and k < len(op.inputs) and id(op.inputs[k]) in self.buffer_of:
            b = self.buffer_of[id(op.inputs[k])]
            if self._dies_at(b, i, done) and self.size[b] == self.size[out]:
                return live - self.size[out]
        for v, lag in self.overlap[i]:
            if v is not None and id(v) in self.buffer_of:
                b = self.buffer_of[id(v)]
                if self._dies_at(b, i, done):
                    saved = self.size[b] + self.size[out] - max(_align(lag) + self.size[b], self.size[out])
                    return live - max(saved - self.window[i], 0)  # inplace-conv overlaps only where it pays
        return live


def _possible_overlap(op: Op) -> tuple[list, int]:
    """(overlap_inputs, the window of input rows the kernel then keeps in scratch) as if the op
    were allowed to overlap (an op with an `overlap` attribute: inplace-conv sets it after this
    pass, for the convs whose input's buffer then dies at them, where that pays)."""
    if "overlap" not in op.opdef.annotations:
        return list(op.opdef.overlap_inputs(op)), 0
    had = op.attrs.get("overlap")
    op.attrs["overlap"] = 1
    try:
        lags = list(op.opdef.overlap_inputs(op))
        parts = op.opdef.scratch_parts(op) if lags and hasattr(op.opdef, "scratch_parts") else {}
        window = 0 if not parts or parts.get("mono") else parts.get("window", 0)
        return lags, window
    finally:
        if had is None:
            del op.attrs["overlap"]
        else:
            op.attrs["overlap"] = had


def best_order(graph: Graph, max_states: int | None = None) -> tuple[list[Op], int] | None:
    """The order of graph.ops with the least bytes live at its busiest step (cost model of
    _Model), and that peak; None when the search would visit more than max_states states
    (by default MAX_WORK // the number of ops)."""
    model = _Model(graph)
    n = len(model.ops)
    if max_states is None:
        max_states = MAX_WORK // max(n, 1)
    full = (1 << n) - 1
    best = {0: (0, 0)}
    back: dict[int, tuple[int, int]] = {}
    live_of = {0: model.live_after(0)}  # live_after(done), kept step by step: cost() is the search's hot path
    heap = [(0, 0, 0, 0)]  # (peak so far, sum of the steps' bytes, ops out of the original order, done mask)
    popped = 0
    while heap:
        peak, total, skew, done = heapq.heappop(heap)
        if done == full:
            order = []
            while done:
                prev, i = back[done]
                order.append(model.ops[i])
                done = prev
            return order[::-1], peak
        if (peak, total) > best[done]:
            continue
        popped += 1
        if popped > max_states:
            return None
        first_pending = next(j for j in range(n) if not done >> j & 1)
        for i in range(n):
            if done >> i & 1 or model.deps[i] & ~done:
                continue
            nxt = done | 1 << i
            step = model.cost(i, done, live_of[done])
            cost = (max(peak, step), total + step)
            if nxt not in best or cost < best[nxt]:
                best[nxt] = cost
                back[nxt] = (done, i)
                live_of[nxt] = live_of[done] + model.live_change(i, done)
                heapq.heappush(heap, (*cost, skew + (i != first_pending), nxt))
    return None


@register_pass("schedule-memory")
def schedule_memory(graph: Graph) -> None:
    """Reorder the ops to lower the bytes live at the busiest step (where branches allow)."""
    if len(graph.ops) < 3 or len(graph.ops) > 400:
        return
    found = best_order(graph)
    if found is None:
        return
    order, _ = found
    if order == graph.ops:
        return
    before = plan_memory(graph, alignment=ALIGN).peak_bytes
    original = list(graph.ops)
    graph.ops[:] = order
    if plan_memory(graph, alignment=ALIGN).peak_bytes > before:
        graph.ops[:] = original
