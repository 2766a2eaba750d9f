"""simplify-layout: collapse chains of layout-only ops that do not move data.

A chain of single-use Reshape/Flatten/Squeeze/Unsqueeze/Transpose/Identity ops whose
composite keeps every element at its memory position (found by pushing an index array
through the chain) becomes one Reshape, which the planner treats as an alias (no copy);
a Reshape to the same shape disappears, also before a graph output (tf2onnx ends graphs
with Identity ops), whose name then goes to the value it reshaped. Guarantees: float-exact.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops

LAYOUT_OPS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity"}
SIMULATION_LIMIT = 1 << 22


def _chain_end_to_start(graph: Graph, op):
    chain = [op]
    while True:
        src = chain[-1].inputs[0]
        prev = src.producer
        if prev is None or prev.kind not in LAYOUT_OPS or len(graph.users(src)) != 1 or graph.is_output(src):
            return chain[::-1]
        chain.append(prev)


def _keeps_memory_order(chain) -> bool:
    start = chain[0].inputs[0]
    if start.type.numel > SIMULATION_LIMIT:
        return False
    index = np.arange(start.type.numel).reshape(start.type.shape)
    for op in chain:
        inputs = [index] + [None if v is None else v.const for v in op.inputs[1:]]
        index = op.opdef.eval(op, inputs)[0]
    return bool(np.array_equal(np.ravel(index), np.arange(index.size)))


def _can_be_output(graph: Graph, value) -> bool:
    """Whether `value` can stand for a graph output (an exporter's trailing Identity ops)."""
    return value.producer is not None and not graph.is_output(value)


@register_pass("simplify-layout")
def simplify_layout(graph: Graph) -> None:
    """Replace data-preserving chains of reshapes/transposes by one Reshape (or nothing)."""
    for op in list(graph.ops):
        if op not in graph.ops or op.kind not in LAYOUT_OPS:
            continue
        users = graph.users(op.outputs[0])
        if len(users) == 1 and users[0].kind in LAYOUT_OPS and not graph.is_output(op.outputs[0]):
            continue  # not the end of a chain
        chain = _chain_end_to_start(graph, op)
        if not _keeps_memory_order(chain):
            continue
        start, end = chain[0].inputs[0], op.outputs[0]
        if len(chain) == 1 and op.kind == "Reshape":
            if start.type.shape != end.type.shape:
                continue
        if start.type.shape == end.type.shape and (not graph.is_output(end) or _can_be_output(graph, start)):
            graph.replace_all_uses(end, start)  # a graph output's name moves to start
            continue
        index = graph.ops.index(chain[0])
        shape = graph.add_const(graph.unique_name(end.name + ".shape"), np.array(end.type.shape, np.int64))
        reshape = graph.make_op("Reshape", [start, shape], {"allowzero": 0}, name=op.name, index=index)
        graph.replace_all_uses(end, reshape.outputs[0])
    remove_dead_ops(graph)
