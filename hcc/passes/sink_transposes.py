"""sink-transposes: move Transposes after elementwise ops and cancel inverse pairs.

    Relu(Transpose_p(x))                    -> Transpose_p(Relu(x))          (any unary elementwise op)
    Add(Transpose_p(a), Transpose_p(b))     -> Transpose_p(Add(a, b))        (binary, same permutation)
    Transpose_q(Transpose_p(x))             -> Transpose_{p.q}(x), or x when p.q is the identity

Assumes: nothing. Guarantees: float-exact; runs to a fixed point.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ops.elementwise import UnaryOp
from hcc.passes import register_pass
from hcc.passes.rewrite import producer, remove_dead_ops

BINARY = {"Add", "Sub", "Mul", "Div"}


def _unary(op) -> bool:
    """Elementwise in its first input (every UnaryOp, and Clip with constant bounds)."""
    return isinstance(op.opdef, UnaryOp) or op.kind == "Clip"


def _perm(op) -> list[int]:
    return list(op.attrs["perm"]) or list(range(op.inputs[0].type.rank))[::-1]


def _cancel(graph: Graph, op) -> bool:
    inner = producer(op.inputs[0], "Transpose")
    if inner is None:
        return False
    p, q = _perm(inner), _perm(op)
    composed = [p[i] for i in q]
    if composed == list(range(len(composed))):
        graph.replace_all_uses(op.outputs[0], inner.inputs[0])
        graph.remove_op(op)
    else:
        op.inputs[0] = inner.inputs[0]
        op.attrs["perm"] = composed
    return True


def _sink(graph: Graph, op) -> bool:
    ins = [v for v in op.inputs[:1 if _unary(op) else 2]]
    ts = [producer(v, "Transpose") for v in ins]
    if any(t is None for t in ts) or len({tuple(_perm(t)) for t in ts}) != 1:
        return False
    if _unary(op) and any(v is not None and not v.is_const for v in op.inputs[1:]):
        return False
    if op.kind in BINARY and ts[0].inputs[0].type.shape != ts[1].inputs[0].type.shape:
        return False
    perm = _perm(ts[0])
    index = graph.ops.index(op)
    new_inputs = [t.inputs[0] for t in ts] + list(op.inputs[len(ts):])
    inner = graph.make_op(op.kind, new_inputs, dict(op.attrs), name=op.name, index=index)
    outer = graph.make_op("Transpose", [inner.outputs[0]], {"perm": perm}, name=op.name + ".t", index=index + 1)
    graph.replace_all_uses(op.outputs[0], outer.outputs[0])
    graph.remove_op(op)
    return True


@register_pass("sink-transposes")
def sink_transposes(graph: Graph) -> None:
    """Push transposes below elementwise ops and cancel inverse pairs."""
    changed = True
    while changed:
        changed = False
        for op in list(graph.ops):
            if op not in graph.ops:
                continue
            if op.kind == "Transpose" and _cancel(graph, op):
                changed = True
            elif (_unary(op) or op.kind in BINARY) and _sink(graph, op):
                changed = True
        remove_dead_ops(graph)
