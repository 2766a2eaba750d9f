"""sink-transposes: move Transposes after elementwise ops and cancel inverse pairs.

    Relu(Transpose_p(x))                    -> Transpose_p(Relu(x))          (any unary elementwise op)
    Add(Transpose_p(a), Transpose_p(b))     -> Transpose_p(Add(a, b))        (binary, same permutation and
                                                                              rank; any broadcast)
    Mul(Transpose_p(a), c)                  -> Transpose_p(Mul(a, c'))       (c a constant: c' = c, padded to
                                                                              the rank, permuted by p^-1)
    Mul(Transpose_p(a), g)                  -> Transpose_p(Mul(a, Transpose_p^-1(g)))
                                                (g an activation of the same rank smaller than the result:
                                                 the squeeze-excite gate; transposing it is cheap or free)
    PRelu(Transpose_p(x), slope)            -> Transpose_p(PRelu(x, slope'))  (a constant slope, as c)
    Transpose_q(Transpose_p(x))             -> Transpose_{p.q}(x), or x when p.q is the identity
    Softmax(Transpose_p(x), axis=k)         -> Transpose_p(Softmax(x, axis=p[k]))
    Concat(Transpose_p(a), Transpose_p(b))  -> Transpose_p(Concat(a, b) {axis = p[axis]})
                                               (any op whose OpDef.through_transpose says how:
                                               Softmax, Concat, Split, Slice, Pad, Resize,
                                               reductions)

Binary ops are Add, Sub, Mul, Div, Max and Min (two inputs) and PRelu; each side keeps its
position, so Sub and Div are rewritten as they are. Assumes: nothing. Guarantees:
float-exact; runs to a fixed point.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph, Op, Value
from hcc.ops.elementwise import UnaryOp
from hcc.passes import register_pass
from hcc.passes.rewrite import label, producer, remove_dead_ops

BINARY = {"Add", "Sub", "Mul", "Div", "Max", "Min", "PRelu"}


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


def _rebuild(graph: Graph, op: Op, inputs: list, attrs: dict, perm: list[int]) -> None:
    """`op` on `inputs` (untransposed), followed by Transpose_perm, in op's place."""
    index = graph.ops.index(op)
    inner = graph.make_op(op.kind, inputs, attrs, name=op.name, index=index)
    outer = graph.make_op("Transpose", [inner.outputs[0]], {"perm": perm}, name=op.name + ".t", index=index + 1)
    graph.replace_all_uses(op.outputs[0], outer.outputs[0])
    graph.remove_op(op)


def _sink_unary(graph: Graph, op) -> bool:
    t = producer(op.inputs[0], "Transpose")
    if t is None or any(v is not None and not v.is_const for v in op.inputs[1:]):
        return False
    _rebuild(graph, op, [t.inputs[0]] + list(op.inputs[1:]), dict(op.attrs), _perm(t))
    return True


def _untransposed(graph: Graph, op: Op, value: Value, perm: list[int], index: int) -> Value | None:
    """The operand `value` of a binary op whose other operand is Transpose_perm(x): a constant
    padded to the result's rank and permuted by perm^-1, or Transpose_perm^-1(value) for an
    activation of that rank smaller than the result; None when sinking would not pay."""
    rank = op.outputs[0].type.rank
    inverse = [int(i) for i in np.argsort(perm)]
    if value.is_const:
        full = np.asarray(value.const).reshape((1,) * (rank - value.type.rank) + value.type.shape)
        return graph.add_const(graph.unique_name(value.name + ".t"), np.transpose(full, inverse))
    if value.type.rank != rank or value.type.numel >= op.outputs[0].type.numel:
        return None
    back = graph.make_op("Transpose", [value], {"perm": inverse}, name=f"{label(op)}.in{index}.t",
                         index=graph.ops.index(op))
    return back.outputs[0]


def _sink_binary(graph: Graph, op) -> bool:
    if len(op.inputs) != 2:
        return False
    ts = [producer(v, "Transpose") for v in op.inputs]
    rank = op.outputs[0].type.rank
    if ts[0] is not None and ts[1] is not None:
        if _perm(ts[0]) != _perm(ts[1]) or op.inputs[0].type.rank != op.inputs[1].type.rank:
            return False
        _rebuild(graph, op, [t.inputs[0] for t in ts], dict(op.attrs), _perm(ts[0]))
        return True
    side = 0 if ts[0] is not None else 1
    if ts[side] is None or (op.kind == "PRelu" and side == 1) or op.inputs[side].type.rank != rank:
        return False
    perm = _perm(ts[side])
    other = _untransposed(graph, op, op.inputs[1 - side], perm, 1 - side)
    if other is None:
        return False
    inputs = [ts[side].inputs[0], other] if side == 0 else [other, ts[side].inputs[0]]
    _rebuild(graph, op, inputs, dict(op.attrs), perm)
    return True


def _through(graph: Graph, op: Op) -> bool:
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
    """Push transposes below elementwise ops and cancel inverse pairs."""
    changed = True
    while changed:
        changed = False
        for op in list(graph.ops):
            if op not in graph.ops:
                continue
            if op.kind == "Transpose":
                changed |= _cancel(graph, op)
            elif _unary(op):
                changed |= _sink_unary(graph, op)
            elif op.kind in BINARY:
                changed |= _sink_binary(graph, op)
            else:
                changed |= _through(graph, op)
        remove_dead_ops(graph)
