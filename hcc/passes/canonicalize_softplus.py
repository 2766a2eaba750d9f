"""canonicalize-softplus: Where(Greater(x, T), x, Softplus(x)) -> Softplus(x).

PyTorch exports softplus with its overflow guard (threshold T = 20 by default). For
x > 20, softplus(x) - x < 2.1e-9, far below float32 resolution of x, so the guard is
the identity in float32 and the plain Softplus is exact to rounding.
Assumes: T is a constant >= 15. Guarantees: the guarded pattern is gone.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import producer, remove_dead_ops


@register_pass("canonicalize-softplus")
def canonicalize_softplus(graph: Graph) -> None:
    """Remove PyTorch's threshold guard around Softplus."""
    for where in [op for op in graph.ops if op.kind == "Where"]:
        cond, a, b = where.inputs
        gt, sp = producer(cond, "Greater"), producer(b, "Softplus")
        if gt is None or sp is None or gt.inputs[0] is not a or sp.inputs[0] is not a:
            continue
        threshold = gt.inputs[1].const
        if threshold is None or threshold.size != 1 or float(np.ravel(threshold)[0]) < 15.0:
            continue
        if where.outputs[0].type.shape != sp.outputs[0].type.shape:
            continue
        graph.replace_all_uses(where.outputs[0], sp.outputs[0])
        graph.remove_op(where)
    remove_dead_ops(graph)
