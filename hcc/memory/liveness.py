"""Liveness: which arena buffers exist, how big they are, and at which steps they are live.

The schedule is `graph.ops` in order; step i is the execution of ops[i]. A value
produced at step i and last read at step j occupies its buffer at every step i..j
inclusive: while an op runs, its inputs and its outputs are all live.

- Graph inputs and outputs are buffers the caller passes to `NAME_run`: they are not in
  the arena (counted as `io_bytes`), unless `io_in_arena`: then the input is a buffer live
  from step 0 to its last reader (its bytes are reused once it is dead, as TFLM does) and
  the output a buffer live from its producer to the last step. Constants are weights in
  flash (`flash_bytes`).
- A view (OpDef.alias_input: Reshape, Identity, ...) joins the buffer of its source and
  extends that buffer's lifetime to its own last reader. A view of a graph input or of a
  constant points into that memory and takes no arena bytes (it is not listed).
- An in-place op (OpDef.inplace_input: elementwise) writes its output over the input's
  buffer when that buffer dies at this op and the output has exactly the input's size.
- Scratch (OpDef.scratch_bytes) is a buffer live only during its op.
- An op streamed by its reader (OpDef.streamed: a conv whose rows the next conv computes
  as it needs them) has no buffer and no scratch; what it reads stays live until its reader
  (OpDef.streamed_inputs), whose scratch holds its working rows.
- A result nothing reads that its op may skip (OpDef.optional_results: GRU's Y when only
  Y_h is used) has no buffer.
- Ops inside subgraphs are not scheduled on their own: an op carrying a subgraph is one
  step; values of the enclosing graph read inside the subgraph count as read by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hcc.ir.graph import Graph, Op, Value


@dataclass
class Buffer:
    """One allocation in the arena, shared by the tensors in `members` (owner first)."""

    name: str
    bytes: int
    first: int
    last: int
    kind: str  # "activation", "scratch", "input" or "output"
    members: list[str] = field(default_factory=list)
    pinned: bool = False  # holds a graph output: nothing may overwrite it in place
    # (buffer, lag): this buffer may overlap that one, which dies as this one is written
    # (OpDef.overlap_inputs), if it starts at least `lag` bytes below it
    anchor: tuple[int, int] | None = None


@dataclass
class TensorLife:
    """One tensor (value or scratch) and the buffer that holds it."""

    name: str
    bytes: int
    first: int
    last: int
    kind: str  # "activation", "scratch", "alias" (a view), "inplace" (overwrites its input), "overlap"
    # (overwrites the part of an input that is already read: OpDef.overlap_inputs), "input", "output"
    buffer: int  # index into Liveness.buffers
    op: str  # label of the op that produces it (or uses it, for scratch)


@dataclass
class Liveness:
    ops: list[Op]
    buffers: list[Buffer]
    tensors: list[TensorLife]
    io_bytes: int
    flash_bytes: int
    io_in_arena: bool = False
    # buffers placed together at fixed distances ([(buffer, bytes from the group's start)]):
    # the inputs of an in-place Concat one after the other, and its output over all of them
    groups: list[list[tuple[int, int]]] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.ops)

    def links(self, alignment: int) -> list[tuple[int, int, int]]:
        """Placement links (placement.Link: input buffer, output buffer, lag) of the outputs
        that may overlap their input, lags rounded up to the alignment."""
        return [(b.anchor[0], i, -(-b.anchor[1] // alignment) * alignment)
                for i, b in enumerate(self.buffers) if b.anchor is not None]


def op_label(op: Op, index: int) -> str:
    """How reports name an op: its node name, or kind#step when it has none."""
    return op.name or f"{op.kind}#{index}"


def _constants_bytes(graph: Graph) -> int:
    total = sum(c.type.nbytes for c in graph.constants)
    for op in graph.ops:
        total += sum(_constants_bytes(sub) for sub in op.subgraphs())
    return total


def analyze_liveness(graph: Graph, io_in_arena: bool = False) -> Liveness:
    """The arena buffers of `graph` over its schedule (see the module docstring)."""
    ops = list(graph.ops)
    io_in_arena = io_in_arena and bool(ops)  # no op runs: nothing is planned, the caller holds any io
    io_values = {id(v): v for v in list(graph.inputs) + list(graph.outputs) if not v.is_const}
    caller_owned = set() if io_in_arena else {id(v) for v in graph.inputs} | {id(v) for v in graph.outputs}
    output_ids = {id(v) for v in graph.outputs if not v.is_const}
    end = max(len(ops) - 1, 0)
    last_use: dict[int, int] = {}
    for i, op in enumerate(ops):
        for v in op.reads() + op.opdef.streamed_inputs(op):
            last_use[id(v)] = max(last_use.get(id(v), i), i)
    if io_in_arena:
        for v in graph.outputs:
            last_use[id(v)] = end  # the caller reads the output after the last op

    buffers: list[Buffer] = []
    tensors: list[TensorLife] = []
    buffer_of: dict[int, int] = {}  # id(value) -> buffer index
    outside = {id(v) for v in graph.constants}  # not in the arena
    if not io_in_arena:
        outside |= {id(v) for v in graph.inputs}

    def join(value: Value, b: int, step: int, kind: str, label: str) -> None:
        buf = buffers[b]
        last = last_use.get(id(value), step)
        buf.last = max(buf.last, last)
        buf.bytes = max(buf.bytes, value.type.nbytes)
        buf.members.append(value.name)
        buf.pinned |= id(value) in output_ids
        buffer_of[id(value)] = b
        tensors.append(TensorLife(value.name, value.type.nbytes, step, last, kind, b, label))

    if io_in_arena:
        for v in graph.inputs:
            if not v.is_const and id(v) not in buffer_of:
                buffers.append(Buffer(v.name, v.type.nbytes, 0, 0, "input"))
                join(v, len(buffers) - 1, 0, "input", "(input)")

    for i, op in enumerate(ops):
        opdef = op.opdef
        label = op_label(op, i)
        if opdef.streamed(op):
            continue  # computed row by row inside the op that reads it: no bytes, no scratch here
        for k, out in enumerate(op.outputs):
            if id(out) in caller_owned:
                continue
            if k in opdef.optional_results and id(out) not in last_use:
                continue  # nothing reads it: the kernel is passed NULL and skips it
            if k == 0 and opdef.alias_input is not None and _input_id(op, opdef.alias_input) in outside:
                if id(out) in output_ids:  # the graph's output must be arena bytes: a copy of flash data
                    buffers.append(Buffer(out.name, out.type.nbytes, i, i, "output"))
                    join(out, len(buffers) - 1, i, "output", label)
                else:
                    outside.add(id(out))  # a view of caller or flash memory
                continue
            shared = _shared_buffer(op, k, out, i, opdef, buffer_of, buffers)
            if shared is not None:
                b, kind = shared
                join(out, b, i, kind, label)
                continue
            kind = "output" if id(out) in output_ids else "activation"
            buffers.append(Buffer(out.name, out.type.nbytes, i, i, kind))
            if k == 0:
                overlap = _overlap(op, i, opdef, buffer_of, buffers)
                if overlap is not None:
                    buffers[-1].anchor = overlap
                    kind = "overlap" if kind == "activation" else kind
            join(out, len(buffers) - 1, i, kind, label)
        scratch = int(opdef.scratch_bytes(op))
        if scratch > 0:
            name = f"{label}:scratch"
            buffers.append(Buffer(name, scratch, i, i, "scratch", [name]))
            tensors.append(TensorLife(name, scratch, i, i, "scratch", len(buffers) - 1, label))

    return Liveness(
        ops=ops,
        buffers=buffers,
        tensors=tensors,
        io_bytes=sum(v.type.nbytes for v in io_values.values()),
        flash_bytes=_constants_bytes(graph),
        io_in_arena=io_in_arena,
        groups=_concat_groups(ops, buffers, buffer_of),
    )


def _concat_groups(ops, buffers, buffer_of) -> list[list[tuple[int, int]]]:
    """Views into a parent buffer: an in-place Concat (Concat.in_place, the pass concat-in-place)
    whose inputs each fill a buffer of their own that dies at it has them placed one after the
    other where its output goes (Concat.slots), so producers write their slots directly and the
    kernel only interleaves. Otherwise the Concat copies, as before."""
    groups, used = [], set()
    for step, op in enumerate(ops):
        if op.kind != "Concat" or not op.opdef.in_place(op):
            continue
        out = op.outputs[0]
        members = [buffer_of.get(id(v)) for v in op.inputs] + [buffer_of.get(id(out))]
        if any(b is None for b in members) or len(set(members)) != len(members) or used & set(members):
            continue
        if buffers[members[-1]].first != step or any(
                buffers[b].last != step or buffers[b].pinned or buffers[b].kind == "scratch"
                or buffers[b].bytes != v.type.nbytes for b, v in zip(members, op.inputs)):
            continue
        groups.append(list(zip(members, op.opdef.slots(op) + [0])))
        used |= set(members)
    return groups


def dying_buffers(graph: Graph) -> dict[int, set[int]]:
    """{id(op): ids of the values it reads whose arena buffer (views and in-place outputs
    included) dies at its step and holds no graph output}, from the planner's liveness."""
    from hcc.memory.planner import io_in_arena_of

    life = analyze_liveness(graph, io_in_arena=io_in_arena_of(graph))
    buffer_of = {t.name: t.buffer for t in life.tensors}
    out: dict[int, set[int]] = {}
    for step, op in enumerate(life.ops):
        for v in op.inputs:
            b = buffer_of.get(v.name) if v is not None and not v.is_const else None
            if b is None:
                continue
            buf = life.buffers[b]
            if buf.last == step and not buf.pinned and buf.kind != "scratch" and not graph.is_output(v):
                out.setdefault(id(op), set()).add(id(v))
    return out


def _input_id(op: Op, index: int) -> int | None:
    value = op.inputs[index] if index < len(op.inputs) else None
    return None if value is None else id(value)


def _overlap(op, step, opdef, buffer_of, buffers) -> tuple[int, int] | None:
    """(input buffer, lag) when the output may start `lag` bytes below the buffer of a value
    it reads that dies at this op. Every value it reads from that buffer must allow it; the
    lag is the largest they ask for."""
    allowed = {id(v): lag for v, lag in opdef.overlap_inputs(op)}
    read = [v for v in list(op.inputs) + opdef.streamed_inputs(op) if v is not None]
    for src, _ in opdef.overlap_inputs(op):
        if id(src) not in buffer_of:
            continue
        b = buffer_of[id(src)]
        if buffers[b].last != step or buffers[b].pinned or buffers[b].kind == "scratch":
            continue
        sharing = [v for v in read if buffer_of.get(id(v)) == b]
        if any(id(v) not in allowed for v in sharing):
            continue
        return b, max(allowed[id(v)] for v in sharing)
    return None


def _shared_buffer(op, k, out, step, opdef, buffer_of, buffers) -> tuple[int, str] | None:
    """(buffer, kind) when output k of `op` can live in an existing buffer, else None."""
    if k != 0:
        return None
    if opdef.alias_input is not None and opdef.alias_input < len(op.inputs):
        src = op.inputs[opdef.alias_input]
        if src is not None and id(src) in buffer_of and out.type.nbytes <= src.type.nbytes:
            return buffer_of[id(src)], "alias"
    inplace = opdef.inplace_input_of(op)
    if inplace is not None and inplace < len(op.inputs):
        src = op.inputs[inplace]
        if src is not None and id(src) in buffer_of and out.type.nbytes == src.type.nbytes:
            b = buffer_of[id(src)]
            # Every tensor in that buffer must be dead after this op, or we would clobber it.
            if buffers[b].last == step and not buffers[b].pinned:
                return b, "inplace"
    return None
