"""canonical-order: put the ops in an order that depends on the graph, not on how it was written down.

Exporters list the ops of one network in different topological orders: in a residual
block TorchScript may emit the shortcut convolution before the branch, dynamo and tf2onnx
after it, and an Add's operands come in either order. The order is the schedule (the
memory planner's liveness follows graph.ops), so the same network would get different
arenas. This pass re-lists the ops as a depth-first post-order from the graph outputs
that, at each op, first computes the operand needing the most ops still to run (the
Sethi-Ullman rule: a short side branch such as a shortcut is computed last, just before it
is read, so its result is live briefly), breaking ties by a structural hash (op kinds and
shapes, never names or weights) and then by operand position.

The operands of an Add/Mul/Max/Min of two activations of the same type are then put in
the order they are computed (a residual Add reads the earlier value first), so the graph
itself, not only its schedule, is one.

Assumes: a verified graph. Guarantees: a topological order (values of subgraph captures
included); the same order and operand order for two graphs that differ only in op order,
in the order of a commutative op's operands (when the hashes differ) and in names; ops
nothing reads are kept, after the others, in their previous order. Numbers unchanged.
"""

from __future__ import annotations

import hashlib

from hcc.ir.graph import Graph, Value
from hcc.passes import register_pass


COMMUTATIVE = {"Add", "Mul", "Max", "Min"}
LAYOUT_ONLY = {"Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"}


def _shape_key(value: Value) -> str:
    return f"{value.type.dtype.value}{list(value.type.shape)}"


@register_pass("canonical-order")
def canonical_order(graph: Graph) -> None:
    """Reorder ops as a name-independent depth-first post-order from the outputs (largest operand first)."""
    ops = list(graph.ops)
    index = {id(op): i for i, op in enumerate(ops)}
    deps: list[list[int]] = []
    cone: list[int] = []  # bit set of the ops each op needs (itself included)
    digest: list[tuple[str, str]] = []  # (the op with its shapes, that and everything upstream)
    for i, op in enumerate(ops):
        mine, parts, seen = [], [], set()
        for v in op.reads():
            j = index.get(id(v.producer)) if v.producer is not None else None
            if j is None:
                parts.append("const" + _shape_key(v) if v.is_const else "input")
                continue
            parts.append(f"{digest[j][1]}.{ops[j].outputs.index(v)}")
            if j not in seen:
                seen.add(j)
                mine.append(j)
        deps.append(mine)
        bits = 1 << i
        for j in mine:
            bits |= cone[j]
        cone.append(bits)
        outs = ",".join(_shape_key(v) for v in op.outputs)
        local = f"{op.kind}({','.join(_shape_key(v) for v in op.inputs if v is not None)})->{outs}"
        if op.kind in LAYOUT_ONLY and len(mine) <= 1:
            upstream = digest[mine[0]][1] if mine else "input"  # how a graph input is laid out is no difference
        else:
            upstream = hashlib.sha1(f"{op.kind}({','.join(parts)})->{outs}".encode()).hexdigest()
        digest.append((local, upstream))

    readers: list[int] = [0] * len(ops)  # for each op, how many ops still to run read one of its results
    for mine in deps:
        for j in mine:
            readers[j] += 1
    kept = {id(v) for v in graph.outputs}
    frees = [sum(v.type.nbytes for v in op.outputs if id(v) not in kept) for op in ops]
    makes = [sum(v.type.nbytes for v in op.outputs) for op in ops]
    done = 0
    order: list[int] = []

    def emit(i: int) -> None:
        nonlocal done
        done |= 1 << i
        order.append(i)
        for j in deps[i]:
            readers[j] -= 1

    def pending_ops(j: int) -> int:
        return bin(cone[j] & ~done).count("1")

    def shrinking() -> int | None:
        """A ready op that frees at least the bytes it makes (it reads the last use of a bigger value)."""
        best = None
        for i in range(len(ops)):
            if done >> i & 1 or any(not done >> j & 1 for j in deps[i]):
                continue
            freed = sum(frees[j] for j in deps[i] if readers[j] == 1)
            if freed and makes[i] <= freed and (best is None or digest[i] < digest[best]):
                best = i
        return best

    roots = [index[id(v.producer)] for v in graph.outputs if v.producer is not None and id(v.producer) in index]
    for root in roots:
        stack = [root]
        while stack:
            i = stack[-1]
            if done >> i & 1:
                stack.pop()
                continue
            waiting = [j for j in deps[i] if not done >> j & 1]
            if not waiting:
                emit(i)
                stack.pop()
                while (extra := shrinking()) is not None:
                    emit(extra)
                continue
            position = {j: k for k, j in reversed(list(enumerate(deps[i])))}
            stack.append(max(waiting, key=lambda j: (pending_ops(j), digest[j], -position[j])))
    order += [i for i in range(len(ops)) if not done >> i & 1]
    graph.ops = [ops[i] for i in order]
    _order_commutative_operands(graph)


def _order_commutative_operands(graph: Graph) -> None:
    """Two activations of one shape added or multiplied: the one computed first goes first."""
    step = {id(v): i for i, op in enumerate(graph.ops) for v in op.outputs}
    for op in graph.ops:
        if op.kind not in COMMUTATIVE or len(op.inputs) != 2:
            continue
        a, b = op.inputs
        if a.type == b.type and id(a) in step and id(b) in step and step[id(a)] > step[id(b)]:
            op.inputs = [b, a]
