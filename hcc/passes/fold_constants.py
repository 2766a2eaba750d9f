"""fold-constants: evaluate ops whose inputs are all constants; then drop dead ops.

Assumes: a verified graph. Guarantees: same outputs; no op with only constant inputs
remains (except subgraph ops and results larger than FOLD_LIMIT bytes); unused ops and
constants are gone.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.ir.types import DType
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops

FOLD_LIMIT = 1 << 20  # don't materialise huge constants (they would cost flash)


@register_pass("fold-constants")
def fold_constants(graph: Graph) -> None:
    """Evaluate ops whose inputs are all constants, and remove dead code."""
    for op in list(graph.ops):
        if op.subgraphs() or not op.inputs:
            continue
        if not all(v is None or v.is_const for v in op.inputs):
            continue
        if sum(v.type.nbytes for v in op.outputs) > FOLD_LIMIT:
            continue
        results = op.opdef.eval(op, [None if v is None else v.const for v in op.inputs])
        for value, array in zip(op.outputs, results):
            array = np.asarray(array).astype(value.type.dtype.numpy).reshape(value.type.shape)
            const = graph.add_const(graph.unique_name(value.name + ".folded"), array, DType.from_numpy(array.dtype))
            graph.replace_all_uses(value, const)
        graph.remove_op(op)
    remove_dead_ops(graph)


@register_pass("dce")
def dead_code_elimination(graph: Graph) -> None:
    """Remove ops and constants whose results nothing reads."""
    remove_dead_ops(graph)
