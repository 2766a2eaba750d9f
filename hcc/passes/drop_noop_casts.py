"""drop-noop-casts: a Cast to its input's own element type is its input.

Exporters write such casts (dynamo's CastLike of a value to its own type, which imports as
Cast). Assumes: nothing. Guarantees: no Cast whose result has its input's dtype is left,
except one that is itself a graph output. Exact.
"""

from __future__ import annotations

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops


@register_pass("drop-noop-casts")
def drop_noop_casts(graph: Graph) -> None:
    """Remove casts to the type a value already has."""
    for op in [op for op in graph.ops if op.kind == "Cast"]:
        x, y = op.inputs[0], op.outputs[0]
        if x.type.dtype == y.type.dtype and not graph.is_output(y):
            graph.replace_all_uses(y, x)
    remove_dead_ops(graph)
