"""Small graph-rewriting helpers shared by the passes (no pass here)."""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op, Value


def users(graph: Graph, value: Value) -> list[Op]:
    return graph.users(value)


def sole_user(graph: Graph, value: Value, kind: str | None = None) -> Op | None:
    """The one op reading `value` (of `kind`, if given), or None when it has several readers or is an output."""
    readers = graph.users(value)
    if len(readers) != 1 or graph.is_output(value):
        return None
    if kind is not None and readers[0].kind != kind:
        return None
    return readers[0]


def producer(value: Value | None, kind: str | None = None) -> Op | None:
    if value is None or value.producer is None:
        return None
    if kind is not None and value.producer.kind != kind:
        return None
    return value.producer


def const_value(value: Value | None) -> np.ndarray | None:
    return None if value is None else value.const


def replace_value(graph: Graph, old: Value, new: Value) -> None:
    """Make all readers of `old` read `new`, keeping the graph output name stable."""
    graph.replace_all_uses(old, new)


def remove_dead_ops(graph: Graph) -> int:
    """Drop ops none of whose results is read (ops have no side effects). Returns how many."""
    removed = 0
    changed = True
    while changed:
        changed = False
        for op in reversed(list(graph.ops)):
            if not any(graph.users(v) or graph.is_output(v) for v in op.outputs):
                graph.remove_op(op)
                removed += 1
                changed = True
    graph.prune_constants()
    return removed


def label(op: Op) -> str:
    """A name to derive new names from: the op's node name, else its first result's name."""
    return op.name or op.outputs[0].name


def replace_op(graph: Graph, old: Op, kind: str, inputs, attrs=None) -> Op:
    """Put a new op where `old` was, under the same node name and result name, reading `inputs`."""
    index = graph.ops.index(old)
    result = old.outputs[0]
    graph.remove_op(old)  # frees the result name for the new op
    new = graph.make_op(kind, inputs, attrs, name=old.name, out_names=[result.name], index=index)
    graph.replace_all_uses(result, new.outputs[0])
    return new
