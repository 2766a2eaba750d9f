"""fold-batchnorm: fold inference-mode BatchNormalization into the preceding Conv/Gemm.

Assumes: BN statistics and the producer's weights are constants. Guarantees: no
BatchNormalization whose input comes from a single-use Conv or FullyConnected/Gemm
remains; a standalone BN becomes Mul + Add by per-channel constants. Float results
agree with the unfolded graph to rounding (~1e-6 relative).

    y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta
      = conv'(x)  with  W' = W * k[c],  b' = (b - mean) * k + beta,  k = gamma / sqrt(var + eps)
"""

from __future__ import annotations

import numpy as np

from hcc.ir.graph import Graph
from hcc.passes import register_pass
from hcc.passes.rewrite import label, producer, replace_op


def _bn_scale_shift(bn) -> tuple[np.ndarray, np.ndarray]:
    gamma, beta, mean, var = (v.const.astype(np.float64) for v in bn.inputs[1:5])
    k = gamma / np.sqrt(var + bn.attrs["epsilon"])
    return k, beta - mean * k


@register_pass("fold-batchnorm")
def fold_batchnorm(graph: Graph) -> None:
    """Fold BatchNormalization into the Conv before it (or into a per-channel scale + bias)."""
    for bn in [op for op in graph.ops if op.kind == "BatchNormalization"]:
        if not all(v is not None and v.is_const for v in bn.inputs[1:5]):
            continue
        k, shift = _bn_scale_shift(bn)
        conv = producer(bn.inputs[0], "Conv")
        if conv is not None and len(graph.users(conv.outputs[0])) == 1 and not graph.is_output(conv.outputs[0]) \
                and conv.inputs[1].is_const and (len(conv.inputs) < 3 or conv.inputs[2] is None or conv.inputs[2].is_const):
            w = conv.inputs[1].const.astype(np.float64)
            b = conv.inputs[2].const.astype(np.float64) if len(conv.inputs) > 2 and conv.inputs[2] is not None else np.zeros(w.shape[0])
            dtype = conv.inputs[1].type.dtype
            new_w = graph.add_const(graph.unique_name(conv.inputs[1].name + ".bn"), (w * k.reshape((-1,) + (1,) * (w.ndim - 1))), dtype)
            new_b = graph.add_const(graph.unique_name(bn.outputs[0].name + ".bias"), b * k + shift, dtype)
            conv.inputs = [conv.inputs[0], new_w, new_b]
            graph.replace_all_uses(bn.outputs[0], conv.outputs[0])
            graph.remove_op(bn)
            continue
        # Standalone: y = x * k + shift, per channel (axis 1).
        x = bn.inputs[0]
        bshape = (1, -1) + (1,) * (x.type.rank - 2)
        dtype = x.type.dtype
        base = label(bn)
        scale = graph.add_const(graph.unique_name(base + ".bn_scale"), k.reshape(bshape), dtype)
        bias = graph.add_const(graph.unique_name(base + ".bn_shift"), shift.reshape(bshape), dtype)
        mul = graph.make_op("Mul", [x, scale], name=bn.name, out_names=[graph.unique_name(base + ".scaled")],
                            index=graph.ops.index(bn))
        replace_op(graph, bn, "Add", [mul.outputs[0], bias])
    graph.prune_constants()
