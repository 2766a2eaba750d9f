"""A JSON view of the IR for tools (`hcc ir --json`): structure and types, not weight data."""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.ir.types import TensorType


def type_json(t: TensorType) -> dict:
    out = {"shape": list(t.shape), "dtype": t.dtype.value}
    if t.quant is not None:
        out["quant"] = {"scale": list(t.quant.scale), "zero_point": list(t.quant.zero_point), "axis": t.quant.axis}
    return out


def _attr_json(value):
    if isinstance(value, Graph):
        return graph_json(value)
    if isinstance(value, (list, tuple)):
        return [_attr_json(v) for v in value]
    return value


def graph_json(graph: Graph) -> dict:
    return {
        "name": graph.name,
        "metadata": dict(graph.metadata),
        "inputs": [{"name": v.name, **type_json(v.type)} for v in graph.inputs],
        "outputs": [v.name for v in graph.outputs],
        "constants": [{"name": v.name, **type_json(v.type), "bytes": v.type.nbytes} for v in graph.constants],
        "ops": [
            {
                "kind": op.kind,
                "name": op.name,
                "inputs": [v.name if v is not None else None for v in op.inputs],
                "outputs": [{"name": v.name, **type_json(v.type)} for v in op.outputs],
                "attrs": {k: _attr_json(v) for k, v in sorted(op.attrs.items())},
            }
            for op in graph.ops
        ],
    }
