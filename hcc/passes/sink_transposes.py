"""sink-transposes: move Transposes after elementwise ops and cancel inverse pairs.

    Relu(Transpose_p(x))                    -> Transpose_p(Relu(x))          (any unary elementwise op)
    Add(Transpose_p(a), Transpose_p(b))     -> Transpose_p(Add(a, b))        (binary, same permutation)
    Mul(Transpose_p(a), c)                  -> Transpose_p(Mul(a, c'))       (c constant, c' = c transposed back)
    Transpose_q(Transpose_p(x))             -> Transpose_{p.q}(x), or x when p.q is the identity
    Concat(Transpose_p(a), Transpose_p(b))  -> Transpose_p(Concat(a, b) {axis = p[axis]})
                                               (any op whose OpDef.through_transpose says how:
                                               Concat, Split, Slice, Pad, Resize, reductions)

Assumes: nothing. Guarantees: float-exact; runs to a fixed point.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.ops.elementwise import UnaryOp
from hcc.passes import register_pass
from hcc.passes.rewrite import label, producer, remove_dead_ops

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


def _sink_const_operand(graph: Graph, op) -> bool:
    """A binary op of a transposed value and a constant: the constant is transposed back."""
    for k in (0, 1):
        t, c = producer(op.inputs[k], "Transpose"), op.inputs[1 - k]
        if t is None or c is None or not c.is_const or c.type.rank > len(_perm(t)):
            continue
        perm = _perm(t)
        full = c.const.reshape((1,) * (len(perm) - c.type.rank) + c.const.shape)
        moved = graph.add_const(graph.unique_name(c.name + ".t"), np.ascontiguousarray(np.transpose(full, np.argsort(perm))))
        inputs = [t.inputs[0], moved] if k == 0 else [moved, t.inputs[0]]
        index = graph.ops.index(op)
        inner = graph.make_op(op.kind, inputs, dict(op.attrs), name=op.name, index=index)
        outer = graph.make_op("Transpose", [inner.outputs[0]], {"perm": perm}, name=op.name + ".t", index=index + 1)
        graph.replace_all_uses(op.outputs[0], outer.outputs[0])
        graph.remove_op(op)
        return True
    return False


def _sink(graph: Graph, op) -> bool:
    if op.kind in BINARY and any(v is not None and v.is_const for v in op.inputs[:2]):
        return _sink_const_operand(graph, op)
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


def _through(graph: Graph, op) -> bool:
    """Move one transpose below an op along axes (OpDef.through_transpose)."""
    acts = [i for i, v in enumerate(op.inputs) if v is not None and not v.is_const]
    ts = [producer(op.inputs[i], "Transpose") for i in acts]
    if not acts or any(t is None for t in ts) or len({tuple(_perm(t)) for t in ts}) != 1:
        return False
    rewrite = op.opdef.through_transpose(op, _perm(ts[0]))
    if rewrite is None:
        return False
    attrs, constants, out_perms = rewrite
    inputs = list(op.inputs)
    for i, t in zip(acts, ts):
        inputs[i] = t.inputs[0]
    for j, array in constants.items():
        inputs += [None] * (j + 1 - len(inputs))
        inputs[j] = None if array is None else graph.add_const(graph.unique_name(f"{label(op)}.in{j}"), array)
    while inputs and inputs[-1] is None:
        inputs.pop()
    index = graph.ops.index(op)
    inner = graph.make_op(op.kind, inputs, attrs, name=op.name, index=index,
                          out_names=[graph.unique_name(v.name + ".t") for v in op.outputs])
    for k, (old, new, perm) in enumerate(zip(op.outputs, inner.outputs, out_perms)):
        if perm is not None:
            index += 1
            new = graph.make_op("Transpose", [new], {"perm": list(perm)}, name=f"{op.name}.t{k}", index=index).outputs[0]
        graph.replace_all_uses(old, new)
    graph.remove_op(op)
    return True


@register_pass("sink-transposes")
def sink_transposes(graph: Graph) -> None:
    """Push transposes below elementwise and axis ops and cancel inverse pairs."""
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
            elif op.kind != "Transpose" and _through(graph, op):
                changed = True
        remove_dead_ops(graph)
