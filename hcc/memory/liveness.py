"""Liveness: which arena buffers exist, how big they are, and at which steps they are live.

The schedule is `graph.ops` in order; step i is the execution of ops[i]. A value
produced at step i and last read at step j occupies its buffer at every step i..j
inclusive: while an op runs, its inputs and its outputs are all live.

- Graph inputs and outputs are buffers the caller passes to `NAME_run`: they are not in
  the arena (counted as `io_bytes`). Constants are weights in flash (`flash_bytes`).
- A view (OpDef.alias_input: Reshape, Identity, ...) joins the buffer of its source and
  extends that buffer's lifetime to its own last reader. A view of a graph input or of a
  constant points into that memory and takes no arena bytes (it is not listed).
- An in-place op (OpDef.inplace_input: elementwise) writes its output over the input's
  buffer when that buffer dies at this op and the output has exactly the input's size.
- Scratch (OpDef.scratch_bytes) is a buffer live only during its op.
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
    kind: str  # "activation" or "scratch"
    members: list[str] = field(default_factory=list)


@dataclass
class TensorLife:
    """One tensor (value or scratch) and the buffer that holds it."""

    name: str
    bytes: int
    first: int
    last: int
    kind: str  # "activation", "scratch", "alias" (a view) or "inplace" (overwrites its input)
    buffer: int  # index into Liveness.buffers
    op: str  # label of the op that produces it (or uses it, for scratch)


@dataclass
class Liveness:
    ops: list[Op]
    buffers: list[Buffer]
    tensors: list[TensorLife]
    io_bytes: int
    flash_bytes: int

    @property
    def steps(self) -> int:
        return len(self.ops)


def op_label(op: Op, index: int) -> str:
    """How reports name an op: its node name, or kind#step when it has none."""
    return op.name or f"{op.kind}#{index}"


def _constants_bytes(graph: Graph) -> int:
    total = sum(c.type.nbytes for c in graph.constants)
    for op in graph.ops:
        total += sum(_constants_bytes(sub) for sub in op.subgraphs())
    return total


def analyze_liveness(graph: Graph) -> Liveness:
    """The arena buffers of `graph` over its schedule (see the module docstring)."""
    ops = list(graph.ops)
    caller_owned = {id(v) for v in graph.inputs} | {id(v) for v in graph.outputs}
    io_values = {id(v): v for v in list(graph.inputs) + list(graph.outputs) if not v.is_const}
    last_use: dict[int, int] = {}
    for i, op in enumerate(ops):
        for v in op.reads():
            last_use[id(v)] = i

    buffers: list[Buffer] = []
    tensors: list[TensorLife] = []
    buffer_of: dict[int, int] = {}  # id(value) -> buffer index
    outside = {id(v) for v in graph.inputs} | {id(v) for v in graph.constants}  # not in the arena

    def join(value: Value, b: int, step: int, kind: str, label: str) -> None:
        buf = buffers[b]
        last = last_use.get(id(value), step)
        buf.last = max(buf.last, last)
        buf.bytes = max(buf.bytes, value.type.nbytes)
        buf.members.append(value.name)
        buffer_of[id(value)] = b
        tensors.append(TensorLife(value.name, value.type.nbytes, step, last, kind, b, label))

    for i, op in enumerate(ops):
        opdef = op.opdef
        label = op_label(op, i)
        for k, out in enumerate(op.outputs):
            if id(out) in caller_owned:
                continue
            if k in opdef.optional_results and id(out) not in last_use:
                continue  # nothing reads it: the kernel is passed NULL and skips it
            if k == 0 and opdef.alias_input is not None and _input_id(op, opdef.alias_input) in outside:
                outside.add(id(out))  # a view of caller or flash memory
                continue
            shared = _shared_buffer(op, k, out, i, opdef, buffer_of, buffers)
            if shared is not None:
                b, kind = shared
                join(out, b, i, kind, label)
                continue
            buffers.append(Buffer(out.name, out.type.nbytes, i, i, "activation"))
            join(out, len(buffers) - 1, i, "activation", label)
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
    )


def _input_id(op: Op, index: int) -> int | None:
    value = op.inputs[index] if index < len(op.inputs) else None
    return None if value is None else id(value)


def _shared_buffer(op, k, out, step, opdef, buffer_of, buffers) -> tuple[int, str] | None:
    """(buffer, kind) when output k of `op` can live in an existing buffer, else None."""
    if k != 0:
        return None
    if opdef.alias_input is not None and opdef.alias_input < len(op.inputs):
        src = op.inputs[opdef.alias_input]
        if src is not None and id(src) in buffer_of and out.type.nbytes <= src.type.nbytes:
            return buffer_of[id(src)], "alias"
    if opdef.inplace_input is not None and opdef.inplace_input < len(op.inputs):
        src = op.inputs[opdef.inplace_input]
        if src is not None and id(src) in buffer_of and out.type.nbytes == src.type.nbytes:
            b = buffer_of[id(src)]
            # Every tensor in that buffer must be dead after this op, or we would clobber it.
            if buffers[b].last == step:
                return b, "inplace"
    return None
