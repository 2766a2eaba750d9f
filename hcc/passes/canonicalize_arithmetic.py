"""canonicalize-arithmetic: constant divisors and subtrahends become Mul and Add.

    Div(x, c) -> Mul(x, 1 / c)        (c a float constant without zeros)
    Sub(x, c) -> Add(x, -c)           (c a float constant)

Exporters write normalisation and scaling both ways (x / 255, x * 0.5, x - mean, x + bias);
after this pass one form remains, which later passes match and whose int8 kernels have the
fast paths (Add and Mul of a scalar or per-channel constant). int8 has no kernel for the
quotient of two activations, so this is how a division compiles. Assumes: nothing.
Guarantees: no Div or Sub by a float constant remains. Mul by the float32 reciprocal can
differ from the division in the last bit of float32; Add of the negation is exact.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops, replace_op


@register_pass("canonicalize-arithmetic")
def canonicalize_arithmetic(graph: Graph) -> None:
    """Div by a constant -> Mul by its reciprocal; Sub of a constant -> Add of its negation."""
    for op in [op for op in graph.ops if op.kind in ("Div", "Sub")]:
        x, c = op.inputs
        if c.const is None or c.type.dtype != DType.float32 or x.type.dtype != DType.float32:
            continue
        value = np.asarray(c.const, np.float64)
        if op.kind == "Div":
            if not np.all(np.isfinite(value)) or np.any(value == 0) or not np.all(np.isfinite(1.0 / value)):
                continue
            kind, value = "Mul", 1.0 / value
        else:
            kind, value = "Add", -value
        const = graph.add_const(graph.unique_name(c.name + (".reciprocal" if kind == "Mul" else ".neg")),
                                value.astype(np.float32))
        replace_op(graph, op, kind, [x, const])
    remove_dead_ops(graph)
