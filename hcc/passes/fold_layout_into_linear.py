"""fold-layout-into-linear: absorb a flattening transpose into the next layer's weights.

FullyConnected(Reshape(Transpose(x))) where the chain only reorders the K input features
of one row (e.g. NCHW-order Flatten of an NHWC map) equals FullyConnected(Reshape(x))
with the weight columns permuted the same way. Guarantees: float-exact; the data
movement disappears from the program.
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import remove_dead_ops
from hcc.passes.simplify_layout import LAYOUT_OPS, SIMULATION_LIMIT


@register_pass("fold-layout-into-linear")
def fold_layout_into_linear(graph: Graph) -> None:
    """Permute FC weight columns instead of transposing the activations feeding them."""
    for fc in [op for op in graph.ops if op.kind == "FullyConnected"]:
        x = fc.inputs[0]
        if x.type.rank != 2 or x.type.shape[0] != 1:
            continue
        chain, value = [], x
        while value.producer is not None and value.producer.kind in LAYOUT_OPS and len(graph.users(value)) == 1:
            chain.append(value.producer)
            value = value.producer.inputs[0]
        if not any(op.kind == "Transpose" for op in chain) or value.type.numel > SIMULATION_LIMIT:
            continue
        index = np.arange(value.type.numel).reshape(value.type.shape)
        for op in reversed(chain):
            index = op.opdef.eval(op, [index] + [None if v is None else v.const for v in op.inputs[1:]])[0]
        order = np.ravel(index)  # feature k of the FC input is element order[k] of `value`
        w = fc.inputs[1].const
        permuted = np.empty_like(w)
        permuted[:, order] = w
        flat = graph.add_const(graph.unique_name(value.name + ".flat"), np.array(x.type.shape, np.int64))
        pos = graph.ops.index(fc)
        reshape = graph.make_op("Reshape", [value, flat], {"allowzero": 0}, name=fc.name + ".flatten", index=pos)
        fc.inputs[0] = reshape.outputs[0]
        fc.inputs[1] = graph.add_const(graph.unique_name(fc.inputs[1].name + ".perm"), permuted)
    remove_dead_ops(graph)
