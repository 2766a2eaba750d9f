"""fuse-silu: Mul(x, Sigmoid(x)) -> Silu(x).

Assumes: nothing. Guarantees: every Mul of a value by its own sigmoid becomes one Silu
(a single lookup table in int8, instead of a table and a product); the Sigmoid goes
if nothing else reads it. Exact in float.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import producer, remove_dead_ops, replace_op


@register_pass("fuse-silu")
def fuse_silu(graph: Graph) -> None:
    """Replace x * sigmoid(x) by Silu(x)."""
    for mul in [op for op in graph.ops if op.kind == "Mul"]:
        for a, b in (mul.inputs, mul.inputs[::-1]):
            sig = producer(b, "Sigmoid")
            if sig is not None and sig.inputs[0] is a:
                replace_op(graph, mul, "Silu", [a])
                break
    remove_dead_ops(graph)
