"""The float reference interpreter: walk the ops in order, evaluate each with its OpDef.

Values are kept in an environment keyed by the Value object's identity; a subgraph (a
Scan body) runs with the enclosing environment visible, which is how captures work.
"""

from __future__ import annotations

import numpy as np

from hcc.errors import DataError, HccError
from hcc.ir.graph import Graph


def run_graph(graph: Graph, args: list[np.ndarray], outer: dict[int, np.ndarray] | None = None, trace: dict[str, np.ndarray] | None = None) -> list[np.ndarray]:
    """Evaluate `graph` on positional `args`; `outer` holds the enclosing graphs' values.

    With `trace`, every value of this graph (not of nested bodies) is recorded by name.
    """
    env: dict[int, np.ndarray] = dict(outer or {})
    for value, array in zip(graph.inputs, args):
        env[id(value)] = array
    for const in graph.constants:
        env[id(const)] = const.const
    for op in graph.ops:
        opdef = op.opdef
        ins = [None if v is None else env[id(v)] for v in op.inputs]
        outs = opdef.eval(op, ins, run_body=body_runner(env)) if op.subgraphs() else opdef.eval(op, ins)
        if len(outs) != len(op.outputs):
            raise HccError(f"{op.where()}: evaluation gave {len(outs)} results, expected {len(op.outputs)}")
        for value, array in zip(op.outputs, outs):
            env[id(value)] = np.asarray(array)
    if trace is not None:
        for value in graph.values():
            trace[value.name] = env[id(value)]
    return [env[id(v)] for v in graph.outputs]


def body_runner(env: dict[int, np.ndarray]):
    """The `run_body` an op with subgraphs (Scan) gets: runs a body with `env`'s values visible."""
    return lambda body, args: run_graph(body, args, env)


def _bind_inputs(graph: Graph, inputs) -> list[np.ndarray]:
    """Check user inputs (a dict by name, or a list in order) against the graph's inputs."""
    if isinstance(inputs, dict):
        unknown = sorted(set(inputs) - {v.name for v in graph.inputs})
        if unknown:
            raise DataError(f"unknown input(s) {unknown}; the graph takes {[v.name for v in graph.inputs]}")
        missing = [v.name for v in graph.inputs if v.name not in inputs]
        if missing:
            raise DataError(f"missing input(s) {missing}")
        arrays = [inputs[v.name] for v in graph.inputs]
    else:
        arrays = list(inputs)
        if len(arrays) != len(graph.inputs):
            raise DataError(f"the graph takes {len(graph.inputs)} inputs, got {len(arrays)}")
    out = []
    for value, array in zip(graph.inputs, arrays):
        array = np.asarray(array)
        if tuple(array.shape) != value.type.shape:
            raise DataError(f"input %{value.name}: shape {list(array.shape)}, expected {list(value.type.shape)}")
        out.append(array.astype(value.type.dtype.numpy, copy=False))
    return out


def run_float(graph: Graph, inputs) -> dict[str, np.ndarray]:
    """Run `graph` on `inputs` (dict by input name, or list in order); outputs by name."""
    results = run_graph(graph, _bind_inputs(graph, inputs))
    return {v.name: r for v, r in zip(graph.outputs, results)}


def run_float_all(graph: Graph, inputs) -> dict[str, np.ndarray]:
    """Like run_float, but every value of the top-level graph by name (per-layer comparisons)."""
    trace: dict[str, np.ndarray] = {}
    run_graph(graph, _bind_inputs(graph, inputs), trace=trace)
    return trace
