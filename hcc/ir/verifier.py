"""The IR verifier: the invariants every pass may assume and must preserve.

- every op kind is registered and its attributes are known, with required ones present;
- SSA: each value is defined once; every use is defined earlier (topological order), in
  the same graph or an enclosing one (captures into subgraphs);
- types: each op's result types equal what its shape rule infers (shape and dtype);
- constants hold arrays of their declared type; graph outputs are defined values.
Errors name the op (type, node name) and, for parsed text, its line.
"""

from __future__ import annotations

from hcc.errors import HccError, IRVerifyError
from hcc.ir.graph import Graph, Op
from hcc.ir.opdef import get_op, is_registered


def verify_graph(graph: Graph) -> None:
    """Raise IRVerifyError describing the first broken invariant of `graph`."""
    _verify(graph, outer_defined=set(), seen=set())


def _verify(graph: Graph, outer_defined: set[int], seen: set[int]) -> None:
    defined = set(outer_defined)
    for value in list(graph.inputs) + list(graph.constants):
        _define(value, defined, seen, graph.name)
    for const in graph.constants:
        if const.const is None or tuple(const.const.shape) != const.type.shape or const.const.dtype != const.type.dtype.numpy:
            raise IRVerifyError(f"constant %{const.name}: its data does not match its type {const.type}")
    for op in graph.ops:
        _verify_op(op, defined, seen)
        for out in op.outputs:
            _define(out, defined, seen, graph.name, op)
    for value in graph.outputs:
        if id(value) not in defined:
            raise IRVerifyError(f"graph @{graph.name}: output %{value.name} is not defined")
    if not graph.outputs:
        raise IRVerifyError(f"graph @{graph.name}: has no outputs")


def _define(value, defined: set[int], seen: set[int], graph_name: str, op: Op | None = None) -> None:
    if id(value) in seen:
        where = op.where() if op else f"graph @{graph_name}"
        raise IRVerifyError(f"{where}: value %{value.name} is defined twice")
    seen.add(id(value))
    defined.add(id(value))


def _verify_op(op: Op, defined: set[int], seen: set[int]) -> None:
    if not is_registered(op.kind):
        raise IRVerifyError(f"{op.where()}: unknown op '{op.kind}'")
    opdef = get_op(op.kind)
    opdef.check_inputs(op.inputs, op.where())
    for i, value in enumerate(op.inputs):
        if value is not None and id(value) not in defined:
            raise IRVerifyError(f"{op.where()}: input {i} %{value.name} is used before it is defined")
    normalized = opdef.normalize_attrs(op.attrs, where=op.where())
    if normalized != op.attrs:
        missing = sorted(set(normalized) - set(op.attrs))
        raise IRVerifyError(f"{op.where()}: attributes {missing} must be explicit")
    for sub in op.subgraphs():
        _verify(sub, defined, seen)
    try:
        inferred = opdef.infer(op)
    except HccError as err:
        raise IRVerifyError(str(err) if op.where() in str(err) else f"{op.where()}: {err}") from None
    if len(inferred) != len(op.outputs):
        raise IRVerifyError(f"{op.where()}: produces {len(inferred)} results, {len(op.outputs)} declared")
    for value, expected in zip(op.outputs, inferred):
        if value.type.shape != expected.shape or value.type.dtype != expected.dtype:
            raise IRVerifyError(
                f"{op.where()}: result %{value.name} is declared {value.type} but the op gives "
                f"{expected.dtype.value}[{','.join(map(str, expected.shape))}]"
            )
